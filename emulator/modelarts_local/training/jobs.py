"""Training jobs (``/v2/{project_id}/training-jobs``): create, get, update, terminate, delete, search, and
the admin's forced outcome.

The checks and expansion of a create body are in ``job_requests.py``; the typed job in ``job_model.py``,
stored by ``job_store.py`` and moved by ``phase_machine.py``; what a job produced (tasks, logs,
metrics, events) in ``job_outputs.py``. Every call here costs what it touches: a job by id, a name in
a workspace, a search's matches; never every stored job.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..config import ServerConfig
from ..identity import Principal
from ..ids import new_id
from ..store import Store
from . import errors, validation
from .housekeeping import JobHousekeeping
from .job_model import ForcedOutcome, JobEvent, TrainingJob
from .job_requests import JobRequestExpander
from .job_search import JobSearch
from .job_store import JobStore
from .phase_machine import PhaseMachine
from .phases import EVENTS, FORCEABLE, SECONDARY, TERMINABLE, TERMINAL, Phase
from .tags import MAX_TAGS, tag_list, tags_in


@dataclass(frozen=True)
class TrainingJobService:
    """Everything about training jobs but their outputs; the HTTP layer only translates to these calls."""

    config: ServerConfig
    store: Store
    jobs: JobStore
    machine: PhaseMachine
    housekeeping: JobHousekeeping
    requests: JobRequestExpander

    # --- create -------------------------------------------------------------------------------------------

    def create(self, principal: Principal, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        project_id = principal.project_id or ""
        job = self._new_job(project_id, principal, body, now_ms)
        with self.store.transaction():
            if self.config.unique_job_names and self.jobs.name_taken(project_id, job.workspace_id, job.name):
                raise errors.DuplicateTrainingJobName(job.name)
            limit = self.config.quotas.max_active_training_jobs
            if limit is not None and self._active_jobs(project_id, now_ms) >= limit:
                raise errors.ExceedQuotaLimit("training job")
            level, message = EVENTS[Phase.CREATING]
            job.record(JobEvent(now_ms, level, message))
            self.jobs.save(job)
        return job.to_wire(now_ms)

    def _new_job(self, project_id: str, principal: Principal, body: dict[str, Any], now_ms: int) -> TrainingJob:
        """The job a create body asks for (checked and expanded; the checks that need state come later)."""
        expanded = self.requests.expand(project_id, body)
        plan = expanded.plan
        job_id = new_id()
        annotations = {**plan.annotations}
        annotations.setdefault("job_template", "Template DL")
        annotations.setdefault("key_task", "worker")
        metadata: dict[str, Any] = {
            "id": job_id,
            "name": plan.name,
            "description": plan.description,
            "create_time": now_ms,
            "workspace_id": plan.workspace_id,
            "ai_project": "default-ai-project",
            "user_name": principal.user_name,
            "annotations": annotations,
            **plan.metadata_extra,
        }
        spec: dict[str, Any] = {"resource": expanded.resource}
        for key, value in plan.spec.items():
            if key not in ("resource", "log_export_path"):
                spec[key] = copy.deepcopy(value)
        spec["log_export_path"] = copy.deepcopy(plan.spec.get("log_export_path") or {})
        spec["is_hosted_log"] = True
        document = {
            "kind": plan.kind,
            "metadata": metadata,
            "algorithm": expanded.algorithm,
            "spec": spec,
            **plan.extra,
        }
        return TrainingJob(
            id=job_id,
            project_id=project_id,
            document=document,
            mode=self.config.mode,
            phase=Phase.CREATING,
            secondary_phase=SECONDARY[Phase.CREATING],
            phase_since=now_ms,
            node_count=plan.node_count,
            tasks=[f"worker-{i}" for i in range(plan.node_count)],
            flavor_id=expanded.flavor.get("flavor_id") if expanded.flavor else None,
        )

    def _active_jobs(self, project_id: str, now_ms: int) -> int:
        """How many jobs of the project are not over (a job that is due to end no longer counts)."""
        active = 0
        for job in self.jobs.active_in_project(project_id):
            self._advance(job, now_ms)
            active += job.phase not in TERMINAL
        return active

    # --- read / modify ------------------------------------------------------------------------------------

    def read(self, project_id: str, job_id: str, now_ms: int) -> TrainingJob:
        """The job as of now (advanced, and saved if that changed it), or 2775; purges it if its time came."""
        with self.store.transaction():
            job = self.jobs.get(job_id, project_id)
            if job is not None:
                self._advance(job, now_ms)
                if self.housekeeping.purge_due(job, now_ms):
                    self.housekeeping.purge(job)
                    job = None
        if job is None:  # raised after the transaction, which keeps the purge
            raise errors.TrainingJobNotFound(job_id)
        self.machine.executor(job).settle(job)
        return job

    def _for_change(self, project_id: str, job_id: str, now_ms: int) -> TrainingJob:
        """The job as of now, for a change: call inside the change's transaction, after ``read``.

        ``read`` runs first, in a transaction of its own, so that a purge it makes is kept although the
        change then answers 2775 (an error inside the change's transaction rolls that back).
        """
        job = self.jobs.get(job_id, project_id)
        if job is None:
            raise errors.TrainingJobNotFound(job_id)
        self.machine.advance(job, now_ms)
        return job

    def get(self, project_id: str, job_id: str, now_ms: int) -> dict[str, Any]:
        return self.read(project_id, job_id, now_ms).to_wire(now_ms)

    def update_description(self, project_id: str, job_id: str, body: dict[str, Any], now_ms: int) -> None:
        if "description" not in body:
            raise errors.InvalidParam("description")
        text = validation.description(body.get("description"), "description")
        self.read(project_id, job_id, now_ms)
        with self.store.transaction():
            job = self._for_change(project_id, job_id, now_ms)
            job.describe(text)
            self.jobs.save(job)

    def terminate(self, project_id: str, job_id: str, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        action = body.get("action_type")
        if action != "terminate":
            raise errors.UnsupportedActionType(action if isinstance(action, str) else "")
        self.read(project_id, job_id, now_ms)
        with self.store.transaction():
            job = self._for_change(project_id, job_id, now_ms)
            if job.phase not in TERMINABLE:
                raise errors.NotAllowedToTerminate(str(job.phase))
            self.machine.terminate(job, now_ms, "Requested by the user.")
            self.jobs.save(job)
        return job.to_wire(now_ms)

    def delete(self, project_id: str, job_id: str, now_ms: int) -> None:
        """Mark for deletion; a running job is terminated first. The job goes once the linger has passed."""
        self.read(project_id, job_id, now_ms)
        with self.store.transaction():
            job = self._for_change(project_id, job_id, now_ms)
            if job.deleted_at is None:
                job.deleted_at = now_ms
            if job.phase in TERMINABLE:
                self.machine.terminate(job, now_ms, "The job is being deleted.")
            self.jobs.save(job)

    # --- tags ---------------------------------------------------------------------------------------------

    def tags(self, project_id: str, job_id: str, now_ms: int) -> dict[str, Any]:
        job = self.read(project_id, job_id, now_ms)
        return {"tags": tag_list(self.jobs.tags(job.id))}

    def create_tags(self, project_id: str, job_id: str, body: dict[str, Any], now_ms: int) -> None:
        """Add tags; a key the job has already gets the new value. At most ``MAX_TAGS`` in all (2788)."""
        wanted = tags_in(body, values=True)
        self.read(project_id, job_id, now_ms)
        with self.store.transaction():
            job = self._for_change(project_id, job_id, now_ms)  # still there: no tags left behind a purged job
            if len(self.jobs.tags(job.id) | wanted) > MAX_TAGS:
                raise errors.InvalidParam("tags")
            self.jobs.put_tags(job.id, wanted)

    def delete_tags(self, project_id: str, job_id: str, body: dict[str, Any], now_ms: int) -> None:
        """Remove the tags of these keys (a key the job does not have is no error)."""
        keys = list(tags_in(body, values=False))
        job = self.read(project_id, job_id, now_ms)
        with self.store.transaction():
            self.jobs.delete_tags(job.id, keys)

    def force_outcome(self, job_id: str, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        """Admin: end a simulated job now with the given outcome."""
        target = body.get("phase")
        if target not in {str(p) for p in FORCEABLE}:
            raise errors.InvalidParam("phase")
        exit_code = body.get("exit_code", self.config.simulated.failure_exit_code)
        if isinstance(exit_code, bool) or not isinstance(exit_code, int):
            raise errors.InvalidParam("exit_code")
        message = body.get("message")
        if message is not None and not isinstance(message, str):
            raise errors.InvalidParam("message")
        secondary = body.get("secondary_phase")
        if secondary is not None and not isinstance(secondary, str):
            raise errors.InvalidParam("secondary_phase")
        with self.store.transaction():
            job = self.jobs.get(job_id)
            if job is None:
                raise errors.TrainingJobNotFound(job_id)
            self.machine.advance(job, now_ms)
            if job.mode != "simulated":
                raise errors.AdminConflict("only jobs of simulated mode can be given an outcome")
            if job.phase in TERMINAL or job.phase is Phase.TERMINATING:
                raise errors.AdminConflict(f"the job is already {job.phase}")
            job.forced = ForcedOutcome(Phase(target), exit_code, message, secondary)
            self.machine.advance(job, now_ms)
            self.jobs.save(job)
        return job.to_wire(now_ms)

    # --- search -------------------------------------------------------------------------------------------

    def search(self, project_id: str, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        search = JobSearch.from_body(body)
        workspace = search.workspace_id
        with self.store.transaction():
            if search.reads_phases:
                # Phases are filtered and sorted on as stored: first bring the jobs that are due up to now.
                for job in self.jobs.due_in_workspace(project_id, workspace, now_ms):
                    self._advance(job, now_ms)
            total = self.jobs.count(project_id, workspace)
            matches = self.jobs.matches(project_id, workspace, search.conditions)
            if search.sort_by == "duration":  # depends on the clock: needs the jobs themselves
                jobs = self.jobs.get_many([m.id for m in matches])
                jobs.sort(key=lambda j: (j.duration(now_ms), j.id), reverse=search.descending)
                page = jobs[search.first : search.first + search.limit]
            else:
                matches.sort(key=lambda m: (getattr(m, search.sort_by), m.id), reverse=search.descending)
                chosen = matches[search.first : search.first + search.limit]
                page = self.jobs.get_many([m.id for m in chosen])
            for job in page:  # the page as of now
                self._advance(job, now_ms)
            count = len(matches)
        for job in page:
            self.machine.executor(job).settle(job)
        return search.answer(total, count, [job.to_wire(now_ms) for job in page])

    def _advance(self, job: TrainingJob, now_ms: int) -> None:
        if self.machine.advance(job, now_ms):
            self.jobs.save(job)

    def count_by_phase(self) -> dict[str, int]:
        return self.jobs.count_by_phase()
