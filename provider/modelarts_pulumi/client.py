"""A typed client of the ModelArts v2 training API. It knows nothing of Pulumi.

One method per documented call. URL building, authentication, retries and error mapping all live in
:class:`~modelarts_pulumi.http.ApiSession`; the methods here only name the path and the wire models.
Every failure is a :class:`~modelarts_pulumi.errors.ModelArtsApiError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

import requests

from . import models, wire
from .errors import api_error_from_response
from .http import ApiSession
from .settings import Settings
from .wire import (
    EVENTS_PAGE_SIZE,
    PAGE_SIZE,
    Algorithm,
    AlgorithmList,
    AlgorithmRequest,
    Engine,
    EngineList,
    Flavor,
    FlavorList,
    JobEvents,
    JobList,
    JobSearchFilter,
    JobSearchRequest,
    LogLines,
    LogPreview,
    LogUrl,
    Metrics,
    TagFilter,
    TagList,
    TagsRequest,
    TaskPlacement,
    TmsTag,
    TrainingJob,
    TrainingJobRequest,
)


class ModelArtsClient:
    """ModelArts training calls for one project (the settings' project, discovered through IAM if absent)."""

    def __init__(self, settings: Settings, *, session: requests.Session | None = None) -> None:
        models.build(wire)  # before a call's answer is read, on whichever thread made the client (see models)
        self.settings = settings
        self.api = ApiSession(settings, session=session)

    @property
    def project_id(self) -> str:
        return self.api.project_id

    def _path(self, suffix: str) -> str:
        return f"/v2/{self.api.project_id}{suffix}"

    def _json(self, method: str, suffix: str, **kwargs: Any) -> Any:
        """The answer's document. An answer without one (the 204 by which the service says "not ready yet",
        whose code HTTP clients never see) raises an error that ``is_not_ready``."""
        response = self.api.request(method, self._path(suffix), **kwargs)
        if not response.content:
            raise api_error_from_response(
                response.status_code, "", response.headers, method=method, url=response.request.url or suffix
            )
        return response.json()

    # --- catalog -----------------------------------------------------------------------------------

    def list_flavors(self, flavor_type: str | None = None) -> list[Flavor]:
        """Public training flavors, optionally of one type (``CPU``, ``GPU``, ``Ascend``)."""
        params = {"flavor_type": flavor_type} if flavor_type else None
        return FlavorList.model_validate(self._json("GET", "/training-job-flavors", params=params)).flavors

    def list_engines(self) -> list[Engine]:
        """Preset AI engines."""
        return EngineList.model_validate(self._json("GET", "/training-job-engines")).items

    # --- algorithms --------------------------------------------------------------------------------

    def create_algorithm(self, body: AlgorithmRequest) -> Algorithm:
        return Algorithm.model_validate(self._json("POST", "/algorithms", json=body.to_body()))

    def get_algorithm(self, algorithm_id: str) -> Algorithm:
        return Algorithm.model_validate(self._json("GET", f"/algorithms/{algorithm_id}"))

    def update_algorithm(self, algorithm_id: str, body: AlgorithmRequest) -> Algorithm:
        """Replace the algorithm's mutable parts (the API's PUT is a full replacement)."""
        return Algorithm.model_validate(self._json("PUT", f"/algorithms/{algorithm_id}", json=body.to_body()))

    def delete_algorithm(self, algorithm_id: str) -> None:
        self.api.request("DELETE", self._path(f"/algorithms/{algorithm_id}"))

    def list_algorithms(self, *, name: str | None = None, workspace_id: str | None = None) -> list[Algorithm]:
        """All algorithms, or those whose name contains ``name`` (the service matches fuzzily)."""
        return list(self._iter_algorithms(name=name, workspace_id=workspace_id))

    def list_algorithms_page(
        self,
        *,
        name: str | None = None,
        sort_by: str | None = None,
        order: Literal["asc", "desc"] | None = None,
        page: int = 0,
        limit: int = PAGE_SIZE,
        workspace_id: str | None = None,
    ) -> AlgorithmList:
        """One page of the algorithms whose name contains ``name`` (fuzzily), sorted (the service's default:
        newest first); ``page`` counts pages of ``limit`` (at most 50), as the API's ``offset`` does."""
        params: dict[str, Any] = {"offset": page, "limit": limit}
        if name:
            params["searches"] = f"name:{name}"
        params.update({k: v for k, v in (("sort_by", sort_by), ("order", order), ("workspace_id", workspace_id)) if v})
        return AlgorithmList.model_validate(self._json("GET", "/algorithms", params=params))

    def _iter_algorithms(self, *, name: str | None, workspace_id: str | None) -> Iterator[Algorithm]:
        page = 0
        while True:
            result = self.list_algorithms_page(name=name, page=page, workspace_id=workspace_id)
            yield from result.items
            if len(result.items) < PAGE_SIZE:
                return
            page += 1

    def find_algorithm_by_name(self, name: str, workspace_id: str | None = None) -> Algorithm | None:
        """The algorithm with exactly this name, if any (the search itself is fuzzy)."""
        for algorithm in self._iter_algorithms(name=name, workspace_id=workspace_id):
            if algorithm.metadata.name == name:
                return algorithm
        return None

    # --- training jobs -----------------------------------------------------------------------------

    def create_training_job(self, body: TrainingJobRequest) -> TrainingJob:
        return TrainingJob.model_validate(self._json("POST", "/training-jobs", json=body.to_body()))

    def get_training_job(self, job_id: str) -> TrainingJob:
        return TrainingJob.model_validate(self._json("GET", f"/training-jobs/{job_id}"))

    def update_training_job_description(self, job_id: str, description: str) -> None:
        """Change the description, the only mutable field of a job."""
        self.api.request("PUT", self._path(f"/training-jobs/{job_id}"), json={"description": description})

    def terminate_training_job(self, job_id: str) -> TrainingJob:
        """Stop a Creating, Pending or Running job (409 ModelArts.2796 otherwise)."""
        data = self._json("POST", f"/training-jobs/{job_id}/actions", json={"action_type": "terminate"})
        return TrainingJob.model_validate(data)

    def delete_training_job(self, job_id: str) -> None:
        """Ask for deletion; the service deletes asynchronously (GET answers 2775 once it is gone)."""
        self.api.request("DELETE", self._path(f"/training-jobs/{job_id}"))

    def search_training_jobs_page(
        self,
        *,
        filters: Sequence[JobSearchFilter] = (),
        tags: Sequence[TagFilter] = (),
        sort_by: str | None = None,
        order: Literal["asc", "desc"] | None = None,
        page: int = 0,
        limit: int = PAGE_SIZE,
        workspace_id: str | None = None,
    ) -> JobList:
        """One page of the jobs matching ``filters`` and ``tags``, sorted (the service's default: newest first);
        ``page`` counts pages of ``limit`` (at most 50), as the API's ``offset`` does."""
        body = JobSearchRequest(
            offset=page,
            limit=limit,
            sort_by=sort_by,
            order=order,
            workspace_id=workspace_id,
            filters=list(filters) or None,
            tags=list(tags) or None,
        )
        # A search changes nothing, so the transport may retry it like a GET.
        return JobList.model_validate(
            self._json("POST", "/training-job-searches", json=body.to_body(), idempotent=True)
        )

    def search_training_jobs(
        self,
        *,
        name: str | None = None,
        phases: list[str] | None = None,
        workspace_id: str | None = None,
    ) -> list[TrainingJob]:
        """Jobs matching the filters, all pages (``name`` matches fuzzily)."""
        filters: list[JobSearchFilter] = []
        if name:
            filters.append(JobSearchFilter(key="name", operator="like", value=[name]))
        if phases:
            filters.append(JobSearchFilter(key="phase", operator="in", value=phases))
        jobs: list[TrainingJob] = []
        page = 0
        while True:
            result = self.search_training_jobs_page(filters=filters, page=page, workspace_id=workspace_id)
            jobs.extend(result.items)
            if len(result.items) < PAGE_SIZE:
                return jobs
            page += 1

    def find_training_jobs_by_name(self, name: str, workspace_id: str | None = None) -> list[TrainingJob]:
        """Jobs with exactly this name (several can exist where the service allows duplicates)."""
        return [
            job for job in self.search_training_jobs(name=name, workspace_id=workspace_id) if job.metadata.name == name
        ]

    def list_training_job_tasks(self, job_id: str) -> list[TaskPlacement]:
        data = self._json("GET", f"/training-jobs/{job_id}/tasks")
        return [TaskPlacement.model_validate(item) for item in data or []]

    def get_log_url(self, job_id: str, task: str, *, download: bool = False) -> str:
        """A temporary (pre-signed) URL of the task's log: a preview URL, or a download URL."""
        content_type = "application/octet-stream" if download else "text/plain"
        data = self._json(
            "GET", f"/training-jobs/{job_id}/tasks/{task}/logs/url", headers={"Content-Type": content_type}
        )
        return LogUrl.model_validate(data).obs_url

    def get_log_preview(self, job_id: str, task: str) -> LogPreview:
        """The task's log text (the newest part when it is large)."""
        return LogPreview.model_validate(self._json("GET", f"/training-jobs/{job_id}/tasks/{task}/logs/preview"))

    def get_log_lines(
        self,
        job_id: str,
        task: str,
        *,
        base_line: str | None = None,
        lines: int = 50,
        order: Literal["asc", "desc"] = "desc",
    ) -> LogLines:
        """A page of the task's log by line (at most 500): ``asc`` the lines after ``base_line``, oldest first;
        ``desc`` those before it, newest first; without ``base_line``, from the newest line (``desc``). The
        next page starts at the answer's ``end_line``."""
        params: dict[str, Any] = {"lines": lines, "order": order}
        if base_line is not None:
            params["base_line"] = base_line
        return LogLines.model_validate(self._json("GET", f"/training-jobs/{job_id}/logs/{task}", params=params))

    def get_metrics(self, job_id: str, task: str) -> Metrics:
        """The task's runtime metrics: one averaged sample per minute, ``-1`` where there is no data."""
        return Metrics.model_validate(self._json("GET", f"/training-jobs/{job_id}/metrics/{task}"))

    def list_events(
        self,
        job_id: str,
        *,
        limit: int = EVENTS_PAGE_SIZE,
        page: int = 0,
        order: Literal["asc", "desc"] | None = None,
        level: str | None = None,
        pattern: str | None = None,
    ) -> JobEvents:
        """One page of the job's events (at most 100), newest first unless ``order="asc"``; ``level``
        (``Info``, ``Warning``, ``Error``) and ``pattern`` (a substring of the message) filter them."""
        params: dict[str, Any] = {"limit": limit}
        params.update(
            {k: v for k, v in (("offset", page), ("order", order), ("level", level), ("pattern", pattern)) if v}
        )
        return JobEvents.model_validate(self._json("GET", f"/training-jobs/{job_id}/events", params=params))

    # --- training-job tags (TMS) ---------------------------------------------------------------------------

    def get_training_job_tags(self, job_id: str) -> dict[str, str]:
        return TagList.model_validate(self._json("GET", f"/modelarts-training-job/{job_id}/tags")).as_dict()

    def create_training_job_tags(self, job_id: str, tags: Mapping[str, str]) -> None:
        """Add tags; a key the job has already gets the new value (so sending it twice does no harm)."""
        body = TagsRequest(tags=[TmsTag(key=k, value=v) for k, v in sorted(tags.items())])
        self.api.request(
            "POST", self._path(f"/modelarts-training-job/{job_id}/tags/create"), json=body.to_body(), idempotent=True
        )

    def delete_training_job_tags(self, job_id: str, keys: Sequence[str]) -> None:
        """Remove the tags of these keys (a key the job does not have is no error)."""
        body = TagsRequest(tags=[TmsTag(key=key) for key in sorted(keys)])
        self.api.request("DELETE", self._path(f"/modelarts-training-job/{job_id}/tags/delete"), json=body.to_body())
