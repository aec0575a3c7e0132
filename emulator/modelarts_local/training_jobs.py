"""Training jobs (``/v2/{project_id}/training-jobs``): creation, the phase machine driven by a real
clock, terminate / delete, search, tasks, logs, metrics and events.

A job is stored as its wire document (kind, metadata, algorithm, spec; everything but ``status``) plus
the phase-machine state. Jobs advance in two ways that give the same result: lazily, whenever a job is
read, and by the ticker thread (``tick``). A timed transition is dated at its due time, not at the
moment it is noticed, so timestamps do not depend on when anybody looked.
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
from .algorithms import AlgorithmService, code_location, resolve_engine
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

KINDS = (
    "job",
    "federated_pool_job",
    "edge_job",
    "hetero_job",
    "mrs_job",
    "autosearch_job",
    "diag_job",
    "visualization_job",
)
INPUT_ROOT = "/home/ma-user/modelarts/inputs"
OUTPUT_ROOT = "/home/ma-user/modelarts/outputs"
MAX_LIMIT = 50
SEARCH_SORT_KEYS = ("create_time", "name", "phase", "duration")
SEARCH_FILTERS: dict[str, tuple[str, ...]] = {
    "name": ("like",),
    "algorithm_name": ("like",),
    "phase": ("in", "not"),
    "kind": ("in",),
    "create_time": ("between",),
}
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


@dataclass(frozen=True)
class _Plan:
    """A validated create request, before the checks that need state."""

    kind: str
    name: str
    description: str
    workspace_id: str
    metadata_extra: dict[str, Any]
    annotations: dict[str, str]
    algorithm: dict[str, Any]
    spec: dict[str, Any]
    resource: dict[str, Any]
    node_count: int
    extra: dict[str, Any]


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
        self._catalog = catalog
        self._algorithms = algorithms
        self._mapper = mapper
        self._signer = signer
        self._executors = dict(executors)
        self._stopping: set[str] = set()  # jobs whose processes a stopper thread is ending
        self._stopping_lock = threading.Lock()
        self._last_sample: dict[str, float] = {}

    # ==================================================================================== create

    def create(self, principal: Principal, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        project_id = principal.project_id or ""
        plan = self._validate(body)
        algorithm = self._expand_algorithm(project_id, plan.algorithm)
        flavor, resource = self._resolve_resource(plan)
        if "engine" not in algorithm:
            algorithm["engine"] = _job_engine(
                resolve_engine(self._catalog, plan.algorithm.get("engine"), "algorithm.engine")
            )
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

    def _validate(self, body: dict[str, Any]) -> _Plan:
        """Structure and format checks (2788 / 2791 / 2757 / 2758 / 2857), in document order."""
        kind = body.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            raise errors.InvalidParam("kind")
        metadata = validation.obj(body, "metadata", "metadata", required=True)
        name = validation.name(metadata.get("name"), "metadata.name")
        description = validation.description(metadata.get("description"), "metadata.description")
        workspace_id = validation.workspace_id(metadata.get("workspace_id"), "metadata.workspace_id")
        annotations = metadata.get("annotations") or {}
        if not isinstance(annotations, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in annotations.items()
        ):
            raise errors.InvalidParam("metadata.annotations")
        metadata_extra = {}
        if metadata.get("training_experiment_reference") is not None:
            metadata_extra["training_experiment_reference"] = copy.deepcopy(metadata["training_experiment_reference"])

        algorithm = validation.obj(body, "algorithm", "algorithm", required=True)
        if not (algorithm.get("id") or algorithm.get("subscription_id")):
            code_location(algorithm, "algorithm")
            engine = validation.obj(algorithm, "engine", "algorithm.engine")
            has_code = bool(algorithm.get("code_dir"))
            if engine.get("image_url") and not algorithm.get("command") and not has_code:
                raise errors.MustHaveCmdAndImage()
            if not has_code and not engine.get("image_url"):
                raise errors.InvalidParam("algorithm")
        for i, param in enumerate(validation.array(algorithm, "parameters", "algorithm.parameters")):
            if not isinstance(param, dict) or not isinstance(param.get("name"), str):
                raise errors.InvalidParam(f"algorithm.parameters[{i}].name")
        _check_channels(algorithm, "inputs")
        _check_channels(algorithm, "outputs")
        _check_environments(algorithm.get("environments"))
        _check_local_dirs(algorithm)
        if algorithm.get("command") is not None and not isinstance(algorithm["command"], str):
            raise errors.InvalidParam("algorithm.command")

        spec = validation.obj(body, "spec", "spec", required=True)
        resource = validation.obj(spec, "resource", "spec.resource", required=True)
        node_count = resource.get("node_count", 1)
        if isinstance(node_count, bool) or not isinstance(node_count, int) or node_count < 1:
            raise errors.InvalidParam("spec.resource.node_count")
        for key in ("flavor_id", "pool_id"):
            if resource.get(key) is not None and not isinstance(resource[key], str):
                raise errors.InvalidParam(f"spec.resource.{key}")
        log_export = validation.obj(spec, "log_export_path", "spec.log_export_path")
        if log_export.get("obs_url") is not None:
            validation.obs_path(log_export["obs_url"], "spec.log_export_path.obs_url")
        auto_stop = spec.get("auto_stop")
        if auto_stop is not None and (
            not isinstance(auto_stop, dict)
            or auto_stop.get("time_unit") != "HOURS"
            or isinstance(auto_stop.get("duration"), bool)
            or not isinstance(auto_stop.get("duration"), int)
            or auto_stop["duration"] < 1
        ):
            raise errors.InvalidParam("spec.auto_stop")
        for i, volume in enumerate(validation.array(spec, "volumes", "spec.volumes")):
            if not isinstance(volume, dict):
                raise errors.InvalidParam(f"spec.volumes[{i}]")
            obs = volume.get("obs")
            if isinstance(obs, dict) and obs.get("obs_path") is not None:
                validation.obs_path(obs["obs_path"], f"spec.volumes[{i}].obs.obs_path")

        extra = {k: copy.deepcopy(body[k]) for k in ("endpoints", "tasks") if body.get(k) is not None}
        return _Plan(
            kind,
            name,
            description,
            workspace_id,
            metadata_extra,
            dict(annotations),
            algorithm,
            spec,
            resource,
            node_count,
            extra,
        )

    def _expand_algorithm(self, project_id: str, raw: dict[str, Any]) -> dict[str, Any]:
        """The job's ``algorithm`` as the response shows it (2755 / 2814 / 2768 / 2769 / 2783)."""
        if raw.get("subscription_id"):
            raise errors.AlgorithmNotFound()  # there is no market here
        stored: dict[str, Any] | None = None
        if raw.get("id"):
            if not isinstance(raw["id"], str):
                raise errors.InvalidParam("algorithm.id")
            stored = self._algorithms.get(project_id, raw["id"])
        result: dict[str, Any] = {}
        if stored is not None:
            config = stored["job_config"]
            result["id"] = stored["metadata"]["id"]
            result["name"] = stored["metadata"]["name"]
            for key in ("code_dir", "boot_file"):
                if config.get(key):
                    result[key] = config[key]
            command = raw.get("command") or config.get("command")
            if command:
                result["command"] = command
            result["parameters"] = _merge_parameters(
                config.get("parameters") or [], raw.get("parameters") or [], config.get("parameters_customization")
            )
            result["parameters_customization"] = bool(config.get("parameters_customization"))
            declared_inputs = {c["name"]: c for c in config.get("inputs") or []}
            declared_outputs = {c["name"]: c for c in config.get("outputs") or []}
        else:
            for key in ("name", "code_dir", "boot_file", "command"):
                if raw.get(key):
                    result[key] = raw[key]
            result["parameters"] = validation.parameters(raw.get("parameters") or [], "algorithm.parameters")
            if raw.get("parameters_customization") is not None:
                result["parameters_customization"] = bool(raw["parameters_customization"])
            declared_inputs = {}
            declared_outputs = {}
        result["inputs"] = _job_channels(raw, "inputs", declared_inputs, INPUT_ROOT)
        result["outputs"] = _job_channels(raw, "outputs", declared_outputs, OUTPUT_ROOT)
        if stored is not None:
            engine = stored["job_config"].get("engine") or {}
            if engine.get("engine_id"):
                fresh = self._catalog.find_engine(engine_id=engine["engine_id"])
                engine = fresh or engine
            result["engine"] = _job_engine(engine)
        for key in (
            "local_code_dir",
            "working_dir",
            "environments",
            "policies",
            "summary",
            "autosearch_config_path",
            "autosearch_framework_path",
        ):
            if raw.get(key) is not None:
                result[key] = copy.deepcopy(raw[key])
        return result

    def _resolve_resource(self, plan: _Plan) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The flavor (2763 / 2781 / 404 2890) and the ``spec.resource`` of the response (2793)."""
        resource = plan.resource
        flavor_id = resource.get("flavor_id")
        pool_id = resource.get("pool_id")
        flavor: dict[str, Any] | None
        if pool_id:
            pool = self._catalog.get_pool(pool_id)
            if pool is None:
                raise errors.PoolNotFound(pool_id)
            flavor = None
            if flavor_id:
                flavor = self._catalog.get_flavor(flavor_id) or self._catalog.pool_flavor(pool, flavor_id)
                if flavor is None:
                    raise errors.FlavorNotFound(flavor_id)
            max_nodes = self._catalog.max_nodes(flavor) if flavor else int(pool.get("max_node_count", 16))
        else:
            if not flavor_id:
                raise errors.InvalidParam("spec.resource.flavor_id")
            flavor = self._catalog.get_flavor(flavor_id)
            if flavor is None:
                raise errors.DoNotHaveFlavor()
            max_nodes = self._catalog.max_nodes(flavor)
        if plan.node_count > max_nodes:
            raise errors.FlavorOutOfRange(plan.node_count, max_nodes)
        out: dict[str, Any] = {"policy": resource.get("policy") or "regular"}
        if flavor is not None:
            info = {k: v for k, v in (flavor.get("flavor_info") or {}).items() if k != "max_num"}
            out.update(
                flavor_id=flavor["flavor_id"],
                flavor_name=flavor.get("flavor_name", flavor["flavor_id"]),
                node_count=plan.node_count,
                flavor_detail={
                    "flavor_type": flavor.get("flavor_type", "CPU"),
                    "billing": flavor.get("billing", {"code": flavor["flavor_id"], "unit_num": 1}),
                    "flavor_info": info,
                },
            )
        else:
            out["node_count"] = plan.node_count
        if pool_id:
            out["pool_id"] = pool_id
        for key, value in resource.items():
            if key not in out and key not in ("flavor_id", "node_count", "pool_id"):
                out[key] = copy.deepcopy(value)
        return flavor, out

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
        offset = _body_int(body, "offset", 0, minimum=0)
        limit = _body_int(body, "limit", MAX_LIMIT, minimum=1, maximum=MAX_LIMIT)
        sort_by = body.get("sort_by") or "create_time"
        if sort_by not in SEARCH_SORT_KEYS:
            raise errors.UnsupportedSortBy()
        order = body.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise errors.InvalidParam("order")
        group_by = body.get("group_by") or ""
        workspace_id = validation.workspace_id(body.get("workspace_id"), "workspace_id")
        predicates = _filters(body.get("filters"))
        with self._store.transaction():
            jobs = [Job(r) for r in self._store.list_jobs(project_id, workspace_id)]
            for job in jobs:
                self._advance(job, now_ms)
            rendered = [self._render(job, now_ms) for job in jobs]
        matches = [doc for doc in rendered if all(p(doc) for p in predicates)]

        def sort_key(doc: dict[str, Any]) -> tuple[Any, str]:
            if sort_by == "name":
                primary: Any = doc["metadata"]["name"]
            elif sort_by in ("phase", "duration"):
                primary = doc["status"][sort_by]
            else:
                primary = doc["metadata"]["create_time"]
            return primary, doc["metadata"]["id"]

        matches.sort(key=sort_key, reverse=order == "desc")
        page = matches[offset * limit : offset * limit + limit]  # offset is a page index
        return {
            "total": len(rendered),
            "count": len(matches),
            "limit": limit,
            "offset": offset,
            "sort_by": sort_by,
            "order": order,
            "group_by": group_by,
            "workspace_id": workspace_id,
            "ai_project": "default-ai-project",
            "items": page,
        }

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
        offset = _query_int(query, "offset", 0, minimum=0)
        limit = _query_int(query, "limit", 50, minimum=1, maximum=100)
        order = query.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise errors.QueryParamsError("order")
        start_raw, end_raw = query.get("start_time"), query.get("end_time")
        if bool(start_raw) != bool(end_raw):
            raise errors.QueryParamsError("start_time/end_time")
        start = _query_int(query, "start_time", job.row.create_time, minimum=0)
        end = _query_int(query, "end_time", now_ms, minimum=0)
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


# --- module helpers -------------------------------------------------------------------------------------


def _job_engine(engine: dict[str, Any]) -> dict[str, Any]:
    """An engine as a job shows it: no image_info, plus usage and support_groups."""
    if not engine.get("engine_id"):
        return copy.deepcopy(engine)
    out: dict[str, Any] = {
        "engine_id": engine["engine_id"],
        "engine_name": engine.get("engine_name"),
        "engine_version": engine.get("engine_version"),
        "usage": "training",
        "support_groups": "public",
    }
    if engine.get("tags"):
        out["tags"] = copy.deepcopy(engine["tags"])
    for key in ("v1_compatible", "run_user", "image_url", "install_sys_packages"):
        if key in engine:
            out[key] = engine[key]
    return out


def _merge_parameters(declared: list[dict[str, Any]], overrides: list[Any], customizable: Any) -> list[dict[str, Any]]:
    """The algorithm's parameters with the job's values (2767 / 2768 / 2769 / 2814)."""
    merged = copy.deepcopy(declared)
    by_name = {p["name"]: p for p in merged}
    seen: set[str] = set()
    for i, item in enumerate(overrides):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise errors.InvalidParam(f"algorithm.parameters[{i}].name")
        name = item["name"]
        if name in seen:
            raise errors.ParameterKeyRepeat()
        seen.add(name)
        target = by_name.get(name)
        if target is None:
            if not customizable:
                raise errors.AlgorithmNotMatch(f"parameters.{name}")
            extra = validation.parameters([item], f"algorithm.parameters[{i}]")[0]
            merged.append(extra)
            by_name[name] = extra
            continue
        value = item.get("value", target["value"])
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            raise errors.InvalidParam(f"algorithm.parameters[{i}].value")
        if value != target["value"] and not target["constraint"].get("editable", True):
            raise errors.AlgorithmNotMatch(f"parameters.{name}")
        if value != "":
            validation.check_value(value, target["constraint"])
        target["value"] = value
    return merged


def _check_channels(algorithm: dict[str, Any], kind: str) -> None:
    names: set[str] = set()
    for i, item in enumerate(validation.array(algorithm, kind, f"algorithm.{kind}")):
        where = f"algorithm.{kind}[{i}]"
        if not isinstance(item, dict):
            raise errors.InvalidParam(where)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise errors.InvalidParam(f"{where}.name")
        if name in names:
            raise errors.InputsOutputsMessageError()
        names.add(name)
        remote = item.get("remote")
        if not isinstance(remote, dict):
            raise errors.InvalidParam(f"{where}.remote")
        obs = remote.get("obs")
        dataset = remote.get("dataset")
        if isinstance(obs, dict):
            validation.obs_path(obs.get("obs_url"), f"{where}.remote.obs.obs_url")
        elif kind == "inputs" and isinstance(dataset, dict):
            if not isinstance(dataset.get("id"), str) or not isinstance(dataset.get("version_id"), str):
                raise errors.InvalidParam(f"{where}.remote.dataset")
            raise errors.DatasetNotFound(dataset["id"])  # no datasets exist locally
        else:
            raise errors.InvalidParam(f"{where}.remote")
        if item.get("access_method") not in (None, "parameter", "env"):
            raise errors.InvalidParam(f"{where}.access_method")
        if item.get("local_dir") is not None and (
            not isinstance(item["local_dir"], str) or not item["local_dir"].startswith("/")
        ):
            raise errors.InvalidParam(f"{where}.local_dir")


def _job_channels(
    raw: dict[str, Any], kind: str, declared: dict[str, dict[str, Any]], root: str
) -> list[dict[str, Any]]:
    result = []
    for item in raw.get(kind) or []:
        name = item["name"]
        if declared and name not in declared:
            raise errors.AlgorithmNotMatch(f"{kind}.{name}")
        base = declared.get(name, {})
        channel: dict[str, Any] = {
            "name": name,
            "description": item.get("description") or base.get("description") or "",
            "local_dir": item.get("local_dir") or f"{root}/{name}_0",
            "remote": copy.deepcopy(item["remote"]),
        }
        access = item.get("access_method") or base.get("access_method")
        if access:
            channel["access_method"] = access
        if kind == "outputs":
            channel["mode"] = item.get("mode") or "upload_periodically"
            channel["period"] = item.get("period") or 30
        result.append(channel)
    return result


def _check_environments(value: Any) -> None:
    """At most 100 pairs, key ``^[A-Za-z_][A-Za-z0-9_]*$`` of <= 8192 chars, value <= 4096, no ``$``."""
    if value is None:
        return
    where = "algorithm.environments"
    if not isinstance(value, dict) or len(value) > 100:
        raise errors.InvalidParam(where)
    for key, text in value.items():
        if not isinstance(key, str) or len(key) > 8192 or not validation.ENV_KEY.match(key):
            raise errors.InvalidParam(f"{where}.{key}")
        if not isinstance(text, str) or len(text) > 4096 or "$" in text:
            raise errors.InvalidParam(f"{where}.{key}")


def _check_local_dirs(algorithm: dict[str, Any]) -> None:
    local_code_dir = algorithm.get("local_code_dir")
    if local_code_dir is not None:
        if not isinstance(local_code_dir, str):
            raise errors.InvalidLocalCodeDir("not a string")
        path = local_code_dir.rstrip("/")
        reserved = ("/home/ma-user/modelarts", "/home/ma-user/modelarts-dev", "/home/ma-user/infer")
        if not path.startswith("/home/") or path == "/home/ma-user":
            raise errors.InvalidLocalCodeDir("it must be a folder under /home other than /home/ma-user")
        if any(path == r or path.startswith(r + "/") for r in reserved):
            raise errors.InvalidLocalCodeDir("it must not be a reserved ModelArts folder")
    working_dir = algorithm.get("working_dir")
    if working_dir is not None and (not isinstance(working_dir, str) or not working_dir.startswith("/")):
        raise errors.InvalidWorkingDir("it must be an absolute path")


def _filters(raw: Any) -> list[Callable[[dict[str, Any]], bool]]:
    """Search filters as predicates over rendered jobs (2807 / 2808 / 2809)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        raise errors.InvalidParam("filters")
    predicates: list[Callable[[dict[str, Any]], bool]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise errors.InvalidParam("filters")
        key, operator, values = item.get("key"), item.get("operator"), item.get("value")
        if not isinstance(key, str) or key not in SEARCH_FILTERS:
            raise errors.UnsupportedConditionKey(str(key))
        if operator not in SEARCH_FILTERS[key]:
            raise errors.UnsupportedConditionOperator(str(operator))
        if (
            not isinstance(values, list)
            or not values
            or len(values) > 10
            or not all(isinstance(v, str) for v in values)
        ):
            raise errors.UnsupportedConditionValue(str(values))
        predicates.append(_predicate(key, operator, values))
    return predicates


def _predicate(key: str, operator: str, values: list[str]) -> Callable[[dict[str, Any]], bool]:
    def field_of(doc: dict[str, Any]) -> Any:
        if key == "name":
            return doc["metadata"]["name"]
        if key == "algorithm_name":
            return doc.get("algorithm", {}).get("name") or ""
        if key == "phase":
            return doc["status"]["phase"]
        if key == "kind":
            return doc["kind"]
        return doc["metadata"]["create_time"]

    if operator == "like":
        needles = [v.lower() for v in values]
        return lambda doc: any(n in str(field_of(doc)).lower() for n in needles)
    if operator == "between":
        try:
            low, high = (int(v) for v in values)
        except ValueError:
            raise errors.UnsupportedConditionValue(",".join(values)) from None
        return lambda doc: low <= int(field_of(doc)) <= high
    if key == "phase":
        known = {str(p) for p in Phase}
        bad = [v for v in values if v not in known]
        if bad:
            raise errors.UnsupportedConditionValue(",".join(bad))
    if operator == "not":
        return lambda doc: field_of(doc) not in values
    return lambda doc: field_of(doc) in values


def _body_int(body: dict[str, Any], key: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidParam(key)
    if value < minimum or (maximum is not None and value > maximum):
        raise errors.InvalidParam(key)
    return value


def _query_int(query: Mapping[str, str], key: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = query.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.QueryParamsError(key) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise errors.QueryParamsError(key)
    return value
