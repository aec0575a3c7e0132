"""Training jobs (``/v2/{project_id}/training-jobs``): create, get, update, terminate, delete, tasks,
logs, metrics and events, and the phase machine driven by a real clock.

A job is stored as its wire document (kind, metadata, algorithm, spec; everything but ``status``) plus
the phase-machine state. Jobs advance in two ways that give the same result: lazily, whenever a job is
read, and by the ticker thread (``tick``). A timed transition is dated at its due time, not at the
moment it is noticed, so timestamps do not depend on when anybody looked.

The checks and expansion of a create body are in ``job_requests.py``; search filters, sorting and
paging in ``job_search.py``.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import errors, validation
from .algorithms import AlgorithmService
from .catalog import Catalog
from .config import ServerConfig
from .execution import (
    METRIC_NAMES,
    Executor,
    JobView,
    Outcome,
    log_object,
)
from .iam import Principal
from .job_requests import JobRequestExpander
from .job_search import JobSearch
from .obs import ObsMapper, UrlSigner
from .phases import (
    END_REASONS,
    EVENTS,
    FORCEABLE,
    SECONDARY,
    TERMINABLE,
    TERMINAL,
    TIMED,
    Phase,
    check_transition,
)
from .store import EventRow, JobRow, Store

log = logging.getLogger("modelarts_local.training_jobs")

EVENT_LEVELS = ("Info", "Warning", "Error")
_TERMINAL_NAMES = tuple(str(p) for p in TERMINAL)


def now_iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


@dataclass
class Job:
    """A loaded job: its row plus convenient views."""

    row: JobRow

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def state(self) -> dict[str, Any]:
        return self.row.state

    @property
    def doc(self) -> dict[str, Any]:
        return self.row.doc

    @property
    def phase(self) -> Phase:
        return Phase(self.state["phase"])

    def view(self) -> JobView:
        return JobView(self.row.id, self.row.project_id, self.row.name, self.row.doc, self.row.state)


class TrainingJobService:
    """Everything about training jobs; the HTTP layer only translates to and from these calls."""

    def __init__(
        self,
        config: ServerConfig,
        store: Store,
        catalog: Catalog,
        algorithms: AlgorithmService,
        mapper: ObsMapper,
        signer: UrlSigner,
        executors: Mapping[str, Executor],
    ) -> None:
        self._config = config
        self._store = store
        self._requests = JobRequestExpander(catalog, algorithms)
        self._mapper = mapper
        self._signer = signer
        self._executors = dict(executors)
        self._stopping: set[str] = set()  # jobs whose processes a stopper thread is ending
        self._stopping_lock = threading.Lock()
        self._last_sample: dict[str, float] = {}

    # ==================================================================================== create

    def create(self, principal: Principal, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        project_id = principal.project_id or ""
        expanded = self._requests.expand(project_id, body)
        plan, algorithm, flavor, resource = expanded.plan, expanded.algorithm, expanded.flavor, expanded.resource
        job_id = str(uuid.uuid4())
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
        spec: dict[str, Any] = {"resource": resource}
        for key, value in plan.spec.items():
            if key not in ("resource", "log_export_path"):
                spec[key] = copy.deepcopy(value)
        spec["log_export_path"] = copy.deepcopy(plan.spec.get("log_export_path") or {})
        spec["is_hosted_log"] = True
        doc = {"kind": plan.kind, "metadata": metadata, "algorithm": algorithm, "spec": spec, **plan.extra}
        tasks = [f"worker-{i}" for i in range(plan.node_count)]
        state: dict[str, Any] = {
            "mode": self._config.mode,
            "phase": str(Phase.CREATING),
            "secondary_phase": SECONDARY[Phase.CREATING],
            "phase_since": now_ms,
            "node_count": plan.node_count,
            "tasks": tasks,
            "start_time": None,
            "end_time": None,
            "node_count_metrics": None,
            "task_statuses": None,
            "running_records": None,
            "forced": None,
            "launched": False,
            "deleted_at": None,
            "flavor_id": flavor.get("flavor_id") if flavor else None,
        }
        with self._store.transaction():
            if self._config.unique_job_names and any(
                r.name == plan.name and r.deleted_at is None
                for r in self._store.list_jobs(project_id, plan.workspace_id)
            ):
                raise errors.DuplicateTrainingJobName(plan.name)
            limit = self._config.quotas.max_active_training_jobs
            if limit is not None:
                active = 0
                for r in self._store.list_jobs(project_id):
                    if r.phase in _TERMINAL_NAMES or r.deleted_at is not None:
                        continue
                    other = Job(r)
                    self._advance(other, now_ms)  # a job that is due to end no longer counts
                    active += other.phase not in TERMINAL
                if active >= limit:
                    raise errors.ExceedQuotaLimit("training job")
            row = JobRow(
                job_id, project_id, plan.workspace_id, plan.name, now_ms, str(Phase.CREATING), None, doc, state
            )
            self._store.put_job(row)
            level, message = EVENTS[Phase.CREATING]
            self._store.add_event(job_id, EventRow(now_ms, level, message, "Job"))
            return self._render(Job(row), now_ms)

    # ================================================================================ read/modify

    def get(self, project_id: str, job_id: str, now_ms: int) -> dict[str, Any]:
        self._purge_if_due(job_id, now_ms)
        with self._store.transaction():
            job = self._load(project_id, job_id, now_ms)
            self._advance(job, now_ms)
            return self._render(job, now_ms)

    def update_description(self, project_id: str, job_id: str, body: dict[str, Any], now_ms: int) -> None:
        if "description" not in body:
            raise errors.InvalidParam("description")
        text = validation.description(body.get("description"), "description")
        self._purge_if_due(job_id, now_ms)
        with self._store.transaction():
            job = self._load(project_id, job_id, now_ms)
            job.doc["metadata"]["description"] = text
            self._store.put_job(job.row)

    def terminate(self, project_id: str, job_id: str, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        action = body.get("action_type")
        if action != "terminate":
            raise errors.UnsupportedActionType(action if isinstance(action, str) else "")
        self._purge_if_due(job_id, now_ms)
        with self._store.transaction():
            job = self._load(project_id, job_id, now_ms)
            self._advance(job, now_ms)
            if job.phase not in TERMINABLE:
                raise errors.NotAllowedToTerminate(str(job.phase))
            self._transition(job, Phase.TERMINATING, now_ms, detail="Requested by the user.")
            self._save(job)
            return self._render(job, now_ms)

    def delete(self, project_id: str, job_id: str, now_ms: int) -> None:
        """Mark for deletion; a running job is terminated first. The job goes once the linger has passed."""
        self._purge_if_due(job_id, now_ms)
        with self._store.transaction():
            job = self._load(project_id, job_id, now_ms)
            self._advance(job, now_ms)
            if job.state.get("deleted_at") is None:
                job.state["deleted_at"] = now_ms
                job.row.deleted_at = now_ms
            if job.phase in TERMINABLE:
                self._transition(job, Phase.TERMINATING, now_ms, detail="The job is being deleted.")
            self._save(job)

    def force_outcome(self, job_id: str, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        """Admin: end a simulated job now with the given outcome."""
        target = body.get("phase")
        if target not in {str(p) for p in FORCEABLE}:
            raise errors.InvalidParam("phase")
        exit_code = body.get("exit_code", self._config.simulated.failure_exit_code)
        if isinstance(exit_code, bool) or not isinstance(exit_code, int):
            raise errors.InvalidParam("exit_code")
        message = body.get("message")
        if message is not None and not isinstance(message, str):
            raise errors.InvalidParam("message")
        secondary = body.get("secondary_phase")
        if secondary is not None and not isinstance(secondary, str):
            raise errors.InvalidParam("secondary_phase")
        with self._store.transaction():
            row = self._store.get_job(job_id)
            if row is None:
                raise errors.TrainingJobNotFound(job_id)
            job = Job(row)
            self._advance(job, now_ms)
            if job.state.get("mode") != "simulated":
                raise errors.AdminConflict("only jobs of simulated mode can be given an outcome")
            if job.phase in TERMINAL or job.phase is Phase.TERMINATING:
                raise errors.AdminConflict(f"the job is already {job.phase}")
            job.state["forced"] = {
                "phase": target,
                "exit_code": exit_code,
                "message": message,
                "secondary_phase": secondary,
            }
            self._advance(job, now_ms)
            self._save(job)
            return self._render(job, now_ms)

    # ===================================================================================== search

    def search(self, project_id: str, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        search = JobSearch.from_body(body)
        with self._store.transaction():
            jobs = [Job(r) for r in self._store.list_jobs(project_id, search.workspace_id)]
            for job in jobs:
                self._advance(job, now_ms)
            rendered = [self._render(job, now_ms) for job in jobs]
        return search.answer(rendered)

    # ==================================================================== tasks, logs, metrics, events

    def tasks(self, project_id: str, job_id: str, query: Mapping[str, str], now_ms: int) -> list[dict[str, Any]]:
        job = self._read(project_id, job_id, now_ms)
        if job.state.get("start_time") is None:
            return []  # not scheduled yet
        wanted = query.get("schedule_count")
        if wanted not in (None, "", "0"):
            return []
        return [{"task": t, "ip": "127.0.0.1", "host_ip": "127.0.0.1", "schedule_count": 0} for t in job.state["tasks"]]

    def log_url(
        self, project_id: str, job_id: str, task: str, download: bool, base_url: str, now: float
    ) -> dict[str, Any]:
        job, path = self._log_file(project_id, job_id, task, int(now * 1000))
        obs_path = log_object(job.view(), task)
        expires = int(now + self._config.log_url_expiry_seconds)
        sub = {"response-content-disposition": f"attachment; filename={path.name}"} if download else {}
        return {"obs_url": self._signer.sign(base_url, obs_path, expires, sub)}

    def log_preview(self, project_id: str, job_id: str, task: str, now_ms: int) -> dict[str, Any]:
        _, path = self._log_file(project_id, job_id, task, now_ms)
        full_size = path.stat().st_size
        cap = self._config.log_preview_max_bytes
        with path.open("rb") as handle:
            if full_size > cap:
                handle.seek(full_size - cap)
            data = handle.read(cap)
        return {
            "content": data.decode("utf-8", errors="replace"),
            "current_size": len(data),
            "full_size": full_size,
        }

    def _log_file(self, project_id: str, job_id: str, task: str, now_ms: int) -> tuple[Job, Any]:
        job = self._read(project_id, job_id, now_ms)
        if task not in job.state["tasks"]:
            raise errors.InvalidParam("task_id")
        if job.state.get("start_time") is None:
            raise errors.NotReadyToFetchLog()
        path = self._mapper.local_path(log_object(job.view(), task))
        if not path.is_file():
            raise errors.NotReadyToFetchLog()
        return job, path

    def metrics(self, project_id: str, job_id: str, task: str, now_ms: int) -> dict[str, Any]:
        job = self._read(project_id, job_id, now_ms)
        if task not in job.state["tasks"]:
            raise errors.InvalidParam("task_id")
        start = job.state.get("start_time")
        if start is None:
            raise errors.NotReadyToFetchMetric()
        end = job.state.get("end_time") or now_ms
        minutes = max(1, math.ceil((end - start) / 60000))
        executor = self._executor(job)
        if job.phase is Phase.RUNNING and executor.real_processes:
            # Make sure the current minute has a sample even if the ticker has not taken one yet.
            executor.sample(job.view(), now_ms)
        values = executor.metric_values(job.view(), task, minutes)
        return {"metrics": [{"metric": name, "value": values[name]} for name in METRIC_NAMES]}

    def events(self, project_id: str, job_id: str, query: Mapping[str, str], now_ms: int) -> dict[str, Any]:
        job = self._read(project_id, job_id, now_ms)
        offset = validation.query_int(query, "offset", 0, minimum=0)
        limit = validation.query_int(query, "limit", 50, minimum=1, maximum=100)
        order = query.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise errors.QueryParamsError("order")
        start_raw, end_raw = query.get("start_time"), query.get("end_time")
        if bool(start_raw) != bool(end_raw):
            raise errors.QueryParamsError("start_time/end_time")
        start = validation.query_int(query, "start_time", job.row.create_time, minimum=0)
        end = validation.query_int(query, "end_time", now_ms, minimum=0)
        level = query.get("level")
        if level and level not in EVENT_LEVELS:
            raise errors.QueryParamsError("level")
        pattern = query.get("pattern") or ""
        if len(pattern) > 256:
            raise errors.QueryParamsError("pattern")
        events = [
            e
            for e in self._store.list_events(job.id)
            if start <= e.time_ms <= end
            and (not level or e.level == level)
            and (not pattern or pattern.lower() in e.message.lower())
        ]
        if order == "desc":
            events.reverse()
        page = events[offset * limit : offset * limit + limit]
        return {
            "total": len(events),
            "limit": limit,
            "offset": offset,
            "order": order,
            "start_time": now_iso(start),
            "end_time": now_iso(end),
            "events": [
                {"time": now_iso(e.time_ms), "level": e.level, "message": e.message, "source": e.source} for e in page
            ],
        }

    # ============================================================================ the phase machine

    def _executor(self, job: Job) -> Executor:
        return self._executors.get(job.state.get("mode", ""), self._executors[self._config.mode])

    def _advance(self, job: Job, now_ms: int) -> None:
        """Apply every transition that is due at ``now_ms`` (call inside a store transaction)."""
        executor = self._executor(job)
        changed = False
        for _ in range(16):  # each round makes at most one transition; the machine has fewer phases
            phase = job.phase
            if phase in TERMINAL:
                break
            forced = job.state.get("forced")
            if forced and phase is not Phase.TERMINATING:
                self._apply_forced(job, forced, executor, now_ms)
                changed = True
                continue
            step = TIMED.get(phase)
            if step is not None:
                due = int(job.state["phase_since"]) + int(executor.durations.seconds(step) * 1000)
                if now_ms < due:
                    break
                if step.next_phase is Phase.RUNNING:
                    problem = executor.prepare(job.view())
                    if problem:
                        self._transition(job, Phase.ABNORMAL, due, secondary="CreateFailed", detail=problem)
                    else:
                        self._start(job, executor, now_ms if executor.real_processes else due)
                else:
                    self._transition(job, step.next_phase, due)
                changed = True
                continue
            outcome: Outcome | None = None
            if phase is Phase.RUNNING:
                auto_stop_due = self._auto_stop_due(job)
                if auto_stop_due is not None and now_ms >= auto_stop_due:
                    detail = "auto_stop: the time limit was reached."
                    self._transition(job, Phase.TERMINATING, auto_stop_due, detail=detail)
                    changed = True
                    continue
                outcome = executor.check_running(job.view(), now_ms)
            elif phase is Phase.TERMINATING:
                outcome = executor.check_terminating(job.view(), now_ms)
            if outcome is None:
                break
            self._finish(job, executor, outcome)
            changed = True
        if changed:
            self._save(job)

    def _start(self, job: Job, executor: Executor, at_ms: int) -> None:
        self._transition(job, Phase.RUNNING, at_ms)
        executor.start(job.view(), at_ms)

    def _apply_forced(self, job: Job, forced: dict[str, Any], executor: Executor, now_ms: int) -> None:
        target = Phase(forced["phase"])
        job.state["forced"] = None
        if target is Phase.ABNORMAL:
            secondary = forced.get("secondary_phase") or (
                "CreateFailed" if job.phase in (Phase.CREATING, Phase.PENDING) else "Unknown"
            )
            self._finish(
                job, executor, Outcome(Phase.ABNORMAL, now_ms, secondary=secondary, message=forced.get("message"))
            )
            return
        if job.phase in (Phase.CREATING, Phase.PENDING):
            if job.phase is Phase.CREATING:
                self._transition(job, Phase.PENDING, now_ms)
            self._start(job, executor, now_ms)
        if target is Phase.COMPLETED:
            self._finish(job, executor, Outcome(Phase.COMPLETED, now_ms, message=forced.get("message")))
            return
        code = int(forced.get("exit_code", 1))
        task = job.state["tasks"][0]
        message = forced.get("message") or f"exited with code {code}"
        self._finish(
            job,
            executor,
            Outcome(
                Phase.FAILED,
                now_ms,
                task_statuses=[{"task": task, "exit_code": code, "message": message}],
                message=f"{task} {message}",
                end_reason=f"exit with {code}",
                end_related_task=task,
            ),
        )

    def _finish(self, job: Job, executor: Executor, outcome: Outcome) -> None:
        if outcome.task_statuses is not None:
            job.state["task_statuses"] = outcome.task_statuses
        self._transition(
            job,
            outcome.phase,
            outcome.at_ms,
            secondary=outcome.secondary,
            detail=outcome.message,
            end_reason=outcome.end_reason,
            end_related_task=outcome.end_related_task,
        )
        executor.finished(job.view(), outcome)

    def _transition(
        self,
        job: Job,
        target: Phase,
        at_ms: int,
        *,
        secondary: str | None = None,
        detail: str | None = None,
        end_reason: str | None = None,
        end_related_task: str | None = None,
    ) -> None:
        check_transition(job.phase, target)
        st = job.state
        # Never date a change before the previous one (clock steps, forced outcomes).
        at_ms = max(at_ms, int(st["phase_since"]))
        st["phase"] = str(target)
        st["secondary_phase"] = secondary or SECONDARY[target]
        st["phase_since"] = at_ms
        job.row.phase = str(target)
        metrics = st.get("node_count_metrics") or [[job.row.create_time, 0]]
        metrics.append([at_ms, st["node_count"] if target is Phase.RUNNING else 0])
        st["node_count_metrics"] = metrics
        if target is Phase.RUNNING:
            st["start_time"] = at_ms
            st["running_records"] = [
                {"start_at": at_ms // 1000, "xpu_start_at": at_ms // 1000, "start_type": "init_or_rescheduled"}
            ]
        if target in TERMINAL:
            if st.get("start_time") is not None:
                st["end_time"] = at_ms
            records = st.get("running_records") or []
            if records and "end_at" not in records[-1]:
                records[-1]["end_at"] = at_ms // 1000
                records[-1]["end_reason"] = end_reason or END_REASONS[target]
                if end_related_task:
                    records[-1]["end_related_task"] = end_related_task
        level, message = EVENTS[target]
        if target is Phase.RUNNING:
            message = f"{message} {st['node_count']} node(s): {', '.join(st['tasks'])}."
        if detail:
            message = f"{message} {detail}"
        self._store.add_event(job.id, EventRow(at_ms, level, message, "Job"))

    def _auto_stop_due(self, job: Job) -> int | None:
        auto_stop = job.doc.get("spec", {}).get("auto_stop")
        start = job.state.get("start_time")
        if not auto_stop or start is None:
            return None
        return int(start + auto_stop["duration"] * self._config.auto_stop_hour_seconds * 1000)

    # ================================================================================ the ticker

    def tick(self, now_ms: int) -> None:
        """Advance every job that needs it; stop, sample and purge outside the store lock."""
        to_stop: list[Job] = []
        to_sample: list[Job] = []
        to_purge: list[Job] = []
        for row in self._store.list_jobs_needing_attention(_TERMINAL_NAMES):
            try:
                with self._store.transaction():
                    current = self._store.get_job(row.id)
                    if current is None:
                        continue
                    job = Job(current)
                    self._advance(job, now_ms)
            except Exception:  # one broken job must not stop the others from advancing
                log.exception("advancing job %s failed", row.id)
                continue
            executor = self._executor(job)
            if job.phase is Phase.TERMINATING and executor.needs_stop(job.view()):
                to_stop.append(job)
            elif job.phase is Phase.RUNNING and executor.real_processes:
                to_sample.append(job)
            deleted_at = job.state.get("deleted_at")
            if (
                deleted_at is not None
                and job.phase in TERMINAL
                and now_ms >= deleted_at + self._config.delete_linger_seconds * 1000
            ):
                to_purge.append(job)
        for job in to_stop:
            self._stop_in_background(job)
        for job in to_sample:
            executor = self._executor(job)
            interval = self._config.local.sample_seconds
            if now_ms / 1000 - self._last_sample.get(job.id, 0.0) >= interval:
                self._last_sample[job.id] = now_ms / 1000
                executor.sample(job.view(), now_ms)
        for job in to_purge:
            self._purge(job)

    def _stop_in_background(self, job: Job) -> None:
        with self._stopping_lock:
            if job.id in self._stopping:
                return
            self._stopping.add(job.id)

        def stop() -> None:
            try:
                self._executor(job).stop(job.view(), self._config.local.terminate_grace_seconds)
            except Exception:  # the ticker must survive anything a stop does
                log.exception("stopping job %s failed", job.id)
            finally:
                with self._stopping_lock:
                    self._stopping.discard(job.id)

        threading.Thread(target=stop, name=f"modelarts-local-stop-{job.id}", daemon=True).start()

    def _purge(self, job: Job) -> None:
        try:
            self._executor(job).discard(job.view())
        except Exception:
            log.exception("discarding job %s failed", job.id)
        self._store.delete_job(job.id)
        self._last_sample.pop(job.id, None)

    def shutdown(self, now: Callable[[], int]) -> None:
        """On server stop: stop the local processes if configured so (they outlive the server otherwise)."""
        if not self._config.local.stop_jobs_on_shutdown:
            return
        for row in self._store.list_jobs_needing_attention(_TERMINAL_NAMES):
            job = Job(row)
            executor = self._executor(job)
            if not executor.real_processes or job.phase in TERMINAL:
                continue
            with self._store.transaction():
                if job.phase in TERMINABLE:
                    self._transition(job, Phase.TERMINATING, now(), detail="The local ModelArts is shutting down.")
                    self._save(job)
            executor.stop(job.view(), self._config.local.terminate_grace_seconds)
            with self._store.transaction():
                self._advance(job, now())

    # ================================================================================== helpers

    def _load(self, project_id: str, job_id: str, now_ms: int) -> Job:
        """The job, or 2775. Callers run ``_purge_if_due`` first, outside their transaction."""
        row = self._store.get_job(job_id, project_id)
        if row is None:
            raise errors.TrainingJobNotFound(job_id)
        return Job(row)

    def _purge_if_due(self, job_id: str, now_ms: int) -> None:
        """Forget a deleted job once its linger has passed and it has stopped.

        Runs in its own transaction, before the caller opens one: the caller then answers 2775, and
        an error inside a shared transaction would roll the purge back.
        """
        with self._store.transaction():
            row = self._store.get_job(job_id)
            deleted_at = row.state.get("deleted_at") if row is not None else None
            if row is None or deleted_at is None:
                return
            if now_ms < deleted_at + self._config.delete_linger_seconds * 1000:
                return
            job = Job(row)
            self._advance(job, now_ms)
            if job.phase not in TERMINAL:
                return  # its processes are still being stopped
            self._purge(job)

    def _read(self, project_id: str, job_id: str, now_ms: int) -> Job:
        self._purge_if_due(job_id, now_ms)
        with self._store.transaction():
            job = self._load(project_id, job_id, now_ms)
            self._advance(job, now_ms)
            return job

    def _save(self, job: Job) -> None:
        self._store.put_job(job.row)

    def _render(self, job: Job, now_ms: int) -> dict[str, Any]:
        st = job.state
        start = st.get("start_time")
        duration = 0
        if start is not None:
            duration = max(0, int(st.get("end_time") or now_ms) - int(start))
        status: dict[str, Any] = {
            "phase": st["phase"],
            "secondary_phase": st["secondary_phase"],
            "duration": duration,
            "start_time": start or 0,
            "node_count_metrics": copy.deepcopy(st.get("node_count_metrics")),
            "tasks": list(st["tasks"]),
        }
        if st.get("task_statuses"):
            status["task_statuses"] = copy.deepcopy(st["task_statuses"])
        if st.get("running_records"):
            status["running_records"] = copy.deepcopy(st["running_records"])
        doc = job.doc
        rendered: dict[str, Any] = {
            "kind": doc["kind"],
            "metadata": copy.deepcopy(doc["metadata"]),
            "status": status,
            "algorithm": copy.deepcopy(doc["algorithm"]),
            "spec": copy.deepcopy(doc["spec"]),
        }
        for key, value in doc.items():
            if key not in rendered:
                rendered[key] = copy.deepcopy(value)
        return rendered

    def count_by_phase(self) -> dict[str, int]:
        return self._store.count_jobs_by_phase()
