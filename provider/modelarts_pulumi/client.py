"""A typed client of the ModelArts v2 training API. It knows nothing of Pulumi.

One method per documented call. URL building, authentication, retries and error mapping all live in
:class:`~modelarts_pulumi.http.ApiSession`; the methods here only name the path and the wire models.
Every failure is a :class:`~modelarts_pulumi.errors.ModelArtsApiError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from .errors import api_error_from_response
from .http import ApiSession
from .settings import Settings
from .wire import (
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
    LogPreview,
    LogUrl,
    Metrics,
    TaskPlacement,
    TrainingJob,
    TrainingJobRequest,
)

PAGE_SIZE = 50
"""The largest page the list calls accept."""


class ModelArtsClient:
    """ModelArts training calls for one project (the settings' project, discovered through IAM if absent)."""

    def __init__(self, settings: Settings, *, session: requests.Session | None = None) -> None:
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

    def _iter_algorithms(self, *, name: str | None, workspace_id: str | None) -> Iterator[Algorithm]:
        page = 0
        while True:
            params: dict[str, Any] = {"offset": page, "limit": PAGE_SIZE}
            if name:
                params["searches"] = f"name:{name}"
            if workspace_id:
                params["workspace_id"] = workspace_id
            result = AlgorithmList.model_validate(self._json("GET", "/algorithms", params=params))
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
            body = JobSearchRequest(offset=page, limit=PAGE_SIZE, workspace_id=workspace_id, filters=filters or None)
            # A search changes nothing, so the transport may retry it like a GET.
            data = self._json("POST", "/training-job-searches", json=body.to_body(), idempotent=True)
            result = JobList.model_validate(data)
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

    def get_metrics(self, job_id: str, task: str) -> Metrics:
        """The task's runtime metrics: one averaged sample per minute, ``-1`` where there is no data."""
        return Metrics.model_validate(self._json("GET", f"/training-jobs/{job_id}/metrics/{task}"))

    def list_events(self, job_id: str, *, limit: int = 100) -> JobEvents:
        return JobEvents.model_validate(self._json("GET", f"/training-jobs/{job_id}/events", params={"limit": limit}))
