"""How a training job runs once it reaches Running: simulated (no process) or local (real processes).

The phase machine (``phases.py``) and the job service (``training_jobs.py``) decide *when* a job moves;
an executor answers the questions only it can: may the job start, start it, has it ended and how,
stop it, and what are its per-minute metrics.
"""

from __future__ import annotations

import contextlib
import logging
import math
import shlex
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .config import ServerConfig
from .obs import ObsMapper, ObsPath, parse_obs_path
from .phases import Phase, PhaseDurations
from .runner import (
    EXIT_CODE_LOST,
    LocalRunner,
    TaskLaunch,
    build_launches,
    find_free_port,
    task_environment,
)
from .store import Store

log = logging.getLogger("modelarts_local.execution")

HOSTED_LOG_BUCKET = "modelarts-local-logs"
METRIC_NAMES = ("cpuUsage", "memUsage", "gpuUtil", "gpuMemUsage", "npuUtil", "npuMemUsage")


@dataclass(frozen=True)
class Outcome:
    """How a run ended (or, for Terminating, that the stop is complete)."""

    phase: Phase
    at_ms: int
    secondary: str | None = None
    task_statuses: list[dict[str, Any]] | None = None
    message: str | None = None
    end_reason: str | None = None
    end_related_task: str | None = None


@dataclass
class JobView:
    """What an executor may read and change of a job (the service persists the changes)."""

    id: str
    project_id: str
    name: str
    doc: dict[str, Any]  # the wire document without status
    state: dict[str, Any]  # the phase-machine state

    @property
    def tasks(self) -> list[str]:
        return list(self.state["tasks"])

    @property
    def node_count(self) -> int:
        return int(self.state["node_count"])

    @property
    def start_time(self) -> int | None:
        value = self.state.get("start_time")
        return None if value is None else int(value)

    @property
    def flavor_type(self) -> str:
        resource = self.doc.get("spec", {}).get("resource", {})
        return str(resource.get("flavor_detail", {}).get("flavor_type", "CPU"))


def log_folder(job: JobView) -> ObsPath:
    """Where the job's task logs go: ``log_export_path.obs_url`` if given, else the hosted log bucket."""
    export = job.doc.get("spec", {}).get("log_export_path") or {}
    url = export.get("obs_url")
    if isinstance(url, str) and url:
        path = parse_obs_path(url)
        key = path.key if path.key == "" or path.key.endswith("/") else path.key + "/"
        return ObsPath(path.bucket, key)
    return ObsPath(HOSTED_LOG_BUCKET, f"{job.project_id}/{job.id}/")


def log_object(job: JobView, task: str) -> ObsPath:
    folder = log_folder(job)
    return ObsPath(folder.bucket, f"{folder.key}modelarts-job-{job.id}-{task}.log")


class Executor(Protocol):
    """One execution mode."""

    mode: str
    durations: PhaseDurations
    real_processes: bool

    def prepare(self, job: JobView) -> str | None:
        """Why the job cannot start (it then becomes Abnormal/CreateFailed), or None."""

    def start(self, job: JobView, at_ms: int) -> None:
        """The job has just entered Running."""

    def check_running(self, job: JobView, now_ms: int) -> Outcome | None:
        """How the run ended, or None while it goes on."""

    def check_terminating(self, job: JobView, now_ms: int) -> Outcome | None:
        """Terminated (with task statuses) once the job is fully stopped, else None."""

    def needs_stop(self, job: JobView) -> bool:
        """Whether processes must still be stopped (done outside the store lock)."""

    def stop(self, job: JobView, grace_seconds: float) -> None:
        """Stop whatever runs (blocking)."""

    def finished(self, job: JobView, outcome: Outcome) -> None:
        """The job has reached a terminal phase."""

    def sample(self, job: JobView, now_ms: int) -> None:
        """Record a metrics sample of a running job."""

    def metric_values(self, job: JobView, task: str, minutes: int) -> dict[str, list[float]]:
        """Per-minute values of the six metric series."""

    def discard(self, job: JobView) -> None:
        """Forget whatever the executor keeps about a deleted job."""


def _write_log(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


NO_DATA: float = -1  # an int at run time: JSON -1, not -1.0
"""A minute without a sample; written ``-1`` (an integer), as the service writes it (modelarts_03_0407)."""


def _no_data(minutes: int) -> list[float]:
    return [NO_DATA] * minutes


def _discard_hosted_logs(job: JobView, mapper: ObsMapper) -> None:
    folder = log_folder(job)
    if folder.bucket == HOSTED_LOG_BUCKET:  # logs exported to the user's bucket stay: they are user data
        with contextlib.suppress(OSError):
            shutil.rmtree(mapper.local_path(folder))


# --- simulated --------------------------------------------------------------------------------------


class SimulatedExecutor:
    """No process: Running lasts ``running_seconds`` and ends with the configured outcome."""

    mode = "simulated"
    real_processes = False

    def __init__(self, config: ServerConfig, mapper: ObsMapper) -> None:
        self._config = config.simulated
        self._mapper = mapper
        self.durations = PhaseDurations(self._config.creating_seconds, self._config.pending_seconds)

    def prepare(self, job: JobView) -> str | None:
        return None

    def start(self, job: JobView, at_ms: int) -> None:
        resource = job.doc.get("spec", {}).get("resource", {})
        for rank, task in enumerate(job.tasks):
            _write_log(
                self._mapper.local_path(log_object(job, task)),
                [
                    f"[ModelArts Service Log] training job {job.name} ({job.id}) started on {task}",
                    f"[ModelArts Service Log] flavor {resource.get('flavor_id', '-')}, "
                    f"rank {rank} of {job.node_count} (simulated by modelarts-local)",
                    "epoch 1: loss=0.6931",
                ],
            )

    def check_running(self, job: JobView, now_ms: int) -> Outcome | None:
        start = job.start_time or now_ms
        due = start + int(self._config.running_seconds * 1000)
        if now_ms < due:
            return None
        outcome = Phase(self._config.outcome)
        if outcome is Phase.FAILED:
            code = self._config.failure_exit_code
            return Outcome(
                Phase.FAILED,
                due,
                task_statuses=[{"task": job.tasks[0], "exit_code": code, "message": f"exited with code {code}"}],
                end_reason=f"exit with {code}",
                end_related_task=job.tasks[0],
            )
        if outcome is Phase.ABNORMAL:
            return Outcome(Phase.ABNORMAL, due, secondary="Unknown", message="simulated abnormal outcome")
        return Outcome(Phase.COMPLETED, due)

    def check_terminating(self, job: JobView, now_ms: int) -> Outcome | None:
        due = int(job.state["phase_since"]) + int(self._config.terminating_seconds * 1000)
        return Outcome(Phase.TERMINATED, due) if now_ms >= due else None

    def needs_stop(self, job: JobView) -> bool:
        return False

    def stop(self, job: JobView, grace_seconds: float) -> None:
        return None

    def finished(self, job: JobView, outcome: Outcome) -> None:
        if job.start_time is None:
            return  # never ran: no log
        lines = [f"[ModelArts Service Log] training job ended: {outcome.phase}"]
        statuses = {s["task"]: s for s in outcome.task_statuses or []}
        for task in job.tasks:
            status = statuses.get(task)
            text = status["message"] if status else ("exited with code 0" if outcome.phase is Phase.COMPLETED else "")
            _write_log(self._mapper.local_path(log_object(job, task)), [*lines, f"{task}: {text}".rstrip(": ")])

    def sample(self, job: JobView, now_ms: int) -> None:
        return None

    def metric_values(self, job: JobView, task: str, minutes: int) -> dict[str, list[float]]:
        seed = zlib.crc32(f"{job.id}/{task}".encode())
        cpu = [round(30 + 10 * math.sin(seed % 7 + i) + (seed >> (i % 16)) % 5, 3) for i in range(minutes)]
        mem = [round(min(95.0, 0.5 + 0.1 * i + (seed % 10) / 100), 3) for i in range(minutes)]
        values = {"cpuUsage": cpu, "memUsage": mem}
        gpu = job.flavor_type == "GPU"
        npu = job.flavor_type == "Ascend"
        values["gpuUtil"] = [round(60 + 20 * math.sin(i), 3) for i in range(minutes)] if gpu else _no_data(minutes)
        values["gpuMemUsage"] = [40.0] * minutes if gpu else _no_data(minutes)
        values["npuUtil"] = [round(55 + 15 * math.cos(i), 3) for i in range(minutes)] if npu else _no_data(minutes)
        values["npuMemUsage"] = [35.0] * minutes if npu else _no_data(minutes)
        return values

    def discard(self, job: JobView) -> None:
        _discard_hosted_logs(job, self._mapper)


# --- local ------------------------------------------------------------------------------------------


@dataclass
class _LocalPlan:
    """A job's launch inputs, resolved to local paths."""

    code_dir: Path | None
    boot_file: Path | None
    command: str
    hyperparameters: list[tuple[str, str]]
    inputs: dict[str, Path] = field(default_factory=dict)
    outputs: dict[str, Path] = field(default_factory=dict)
    environments: dict[str, str] = field(default_factory=dict)


class LocalExecutor:
    """Jobs run as local processes through ``runner.LocalRunner``: one process per task."""

    mode = "local"
    real_processes = True

    def __init__(self, config: ServerConfig, mapper: ObsMapper, store: Store, runner: LocalRunner) -> None:
        self._config = config.local
        self._mapper = mapper
        self._store = store
        self.runner = runner
        self.durations = PhaseDurations(self._config.creating_seconds, self._config.pending_seconds)

    def _plan(self, job: JobView) -> _LocalPlan:
        algorithm = job.doc.get("algorithm", {})

        def local(value: Any) -> Path | None:
            return self._mapper.local_path(parse_obs_path(value)) if isinstance(value, str) and value else None

        plan = _LocalPlan(
            code_dir=local(algorithm.get("code_dir")),
            boot_file=local(algorithm.get("boot_file")),
            command=str(algorithm.get("command") or ""),
            hyperparameters=[(p["name"], str(p.get("value", ""))) for p in algorithm.get("parameters") or []],
        )
        for channel in algorithm.get("inputs") or []:
            url = (channel.get("remote") or {}).get("obs", {}).get("obs_url")
            if url:
                plan.inputs[channel["name"]] = self._mapper.local_path(parse_obs_path(url))
        for channel in algorithm.get("outputs") or []:
            url = (channel.get("remote") or {}).get("obs", {}).get("obs_url")
            if url:
                plan.outputs[channel["name"]] = self._mapper.local_path(parse_obs_path(url))
        envs = algorithm.get("environments") or {}
        if isinstance(envs, list):  # the response types it as a list of maps
            envs = {k: v for item in envs for k, v in item.items()}
        plan.environments = {str(k): str(v) for k, v in envs.items()}
        return plan

    def prepare(self, job: JobView) -> str | None:
        algorithm = job.doc.get("algorithm", {})
        plan = self._plan(job)
        if plan.boot_file is not None:
            if plan.code_dir is None or not plan.code_dir.is_dir():
                return f"code directory {algorithm.get('code_dir')} (local folder {plan.code_dir}) does not exist"
            if not plan.boot_file.is_file():
                return f"boot file {algorithm.get('boot_file')} (local file {plan.boot_file}) does not exist"
        elif not plan.command:
            return "the job has neither a boot file nor a command to run"
        return None

    def _launches(self, job: JobView) -> list[TaskLaunch]:
        plan = self._plan(job)
        log_dir = self._mapper.local_path(log_folder(job))
        if plan.boot_file is not None and plan.code_dir is not None and not plan.command:
            return build_launches(
                job_id=job.id,
                node_count=job.node_count,
                code_dir=plan.code_dir,
                boot_file=plan.boot_file,
                python=self._config.python,
                hyperparameters=plan.hyperparameters,
                inputs=plan.inputs,
                outputs=plan.outputs,
                environments=plan.environments,
                log_dir=log_dir,
            )
        # A custom-image style job: run its command with a shell, in the code dir if there is one.
        cwd = plan.code_dir if plan.code_dir is not None and plan.code_dir.is_dir() else log_dir
        for path in plan.outputs.values():
            path.mkdir(parents=True, exist_ok=True)
        args = [f"--{k}={v}" for k, v in plan.hyperparameters]
        args += [f"--{k}={v}" for k, v in [*plan.inputs.items(), *plan.outputs.items()]]
        port = find_free_port() if job.node_count > 1 else None
        launches = []
        for rank, task in enumerate(job.tasks):
            env = task_environment(
                job_id=job.id,
                rank=rank,
                node_count=job.node_count,
                code_dir=cwd,
                log_dir=log_dir,
                master_port=port,
                environments=plan.environments,
            )
            launches.append(
                TaskLaunch(
                    task=task,
                    rank=rank,
                    world_size=job.node_count,
                    argv=["/bin/sh", "-c", " ".join([plan.command, *(shlex.quote(a) for a in args)])],
                    cwd=cwd,
                    env=env,
                    log_path=log_dir / f"modelarts-job-{job.id}-{task}.log",
                )
            )
        return launches

    def start(self, job: JobView, at_ms: int) -> None:
        launches = self._launches(job)
        try:
            self.runner.start(job.id, launches)
        except ValueError as exc:
            # After a crash between starting and saving, the processes may already run: adopt them.
            log.warning("job %s: %s; adopting the running processes", job.id, exc)
        job.state["launched"] = True
        # A first sample right away: a short job may end before the ticker's first one.
        self.sample(job, at_ms)

    def _poll(self, job: JobView) -> list[Any] | None:
        try:
            return list(self.runner.poll(job.id))
        except KeyError:
            return None

    def check_running(self, job: JobView, now_ms: int) -> Outcome | None:
        states = self._poll(job)
        if states is None:
            return Outcome(
                Phase.ABNORMAL,
                now_ms,
                secondary="Lost",
                message="the job's processes are unknown to the local runner",
                end_reason="processes lost",
            )
        if any(s.running for s in states):
            return None
        at = _finished_at(states, job.start_time, now_ms)
        statuses = [{"task": s.task, "exit_code": s.exit_code, "message": s.message} for s in states]
        if any(s.exit_code == EXIT_CODE_LOST for s in states):
            return Outcome(
                Phase.ABNORMAL,
                at,
                secondary="Lost",
                task_statuses=statuses,
                message="the processes ended while the server was down; their exit status is unknown",
                end_reason="processes lost",
            )
        failed = [s for s in states if s.exit_code != 0]
        if not failed:
            return Outcome(Phase.COMPLETED, at)
        first = failed[0]
        return Outcome(
            Phase.FAILED,
            at,
            task_statuses=[st for st in statuses if st["exit_code"] != 0],
            message=f"{first.task} {first.message}",
            end_reason=f"exit with {first.exit_code}",
            end_related_task=first.task,
        )

    def check_terminating(self, job: JobView, now_ms: int) -> Outcome | None:
        if not job.state.get("launched"):
            return Outcome(Phase.TERMINATED, now_ms)
        states = self._poll(job)
        if states is None:
            return Outcome(Phase.TERMINATED, now_ms)
        if any(s.running for s in states):
            return None
        statuses = [{"task": s.task, "exit_code": s.exit_code, "message": s.message} for s in states]
        return Outcome(Phase.TERMINATED, _finished_at(states, job.start_time, now_ms), task_statuses=statuses)

    def needs_stop(self, job: JobView) -> bool:
        if not job.state.get("launched"):
            return False
        states = self._poll(job)
        return states is not None and any(s.running for s in states)

    def stop(self, job: JobView, grace_seconds: float) -> None:
        with contextlib.suppress(KeyError):
            self.runner.terminate(job.id, grace_seconds)

    def finished(self, job: JobView, outcome: Outcome) -> None:
        return None

    def sample(self, job: JobView, now_ms: int) -> None:
        start = job.start_time
        if start is None:
            return
        try:
            usage = self.runner.sample(job.id)
        except KeyError:
            return
        minute = max(0, (now_ms - start) // 60000)
        for task, (cpu, mem) in usage.items():
            self._store.add_sample(job.id, task, minute, cpu, mem)

    def metric_values(self, job: JobView, task: str, minutes: int) -> dict[str, list[float]]:
        averages = self._store.minute_averages(job.id, task)
        cpu = [round(averages[i][0], 3) if i in averages else NO_DATA for i in range(minutes)]
        mem = [round(averages[i][1], 3) if i in averages else NO_DATA for i in range(minutes)]
        # Local processes have no accelerators.
        return {
            "cpuUsage": cpu,
            "memUsage": mem,
            "gpuUtil": _no_data(minutes),
            "gpuMemUsage": _no_data(minutes),
            "npuUtil": _no_data(minutes),
            "npuMemUsage": _no_data(minutes),
        }

    def discard(self, job: JobView) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.runner.discard(job.id, self._config.terminate_grace_seconds)
        _discard_hosted_logs(job, self._mapper)


def _finished_at(states: list[Any], start_ms: int | None, now_ms: int) -> int:
    ends = [s.finished_at for s in states if getattr(s, "finished_at", None)]
    at = int(max(ends) * 1000) if ends else now_ms
    if start_ms is not None:
        at = max(at, start_ms)
    return min(at, now_ms)
