"""The local executor: a job runs as local processes, one per task, through ``runner.LocalRunner``, in the
folders its OBS paths map to (``obs/paths.py``). Local processes have no accelerators."""

from __future__ import annotations

import contextlib
import logging
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ServerConfig
from ..obs.paths import ObsMapper, parse_obs_path
from .execution import NO_DATA, Outcome, discard_hosted_logs, log_folder, no_data
from .job_model import TaskStatus, TrainingJob
from .job_store import MetricSamples
from .launches import TaskLaunch, build_launches, find_free_port, task_environment
from .phases import Phase, PhaseDurations
from .runner import EXIT_CODE_LOST, LocalRunner, TaskState

log = logging.getLogger("modelarts_local.execution")


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

    def __init__(self, config: ServerConfig, mapper: ObsMapper, samples: MetricSamples, runner: LocalRunner) -> None:
        self._config = config.local
        self._mapper = mapper
        self._samples = samples
        self.runner = runner
        self.durations = PhaseDurations(self._config.creating_seconds, self._config.pending_seconds)

    def _plan(self, job: TrainingJob) -> _LocalPlan:
        algorithm = job.algorithm

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

    def prepare(self, job: TrainingJob) -> str | None:
        algorithm = job.algorithm
        plan = self._plan(job)
        if plan.boot_file is not None:
            if plan.code_dir is None or not plan.code_dir.is_dir():
                return f"code directory {algorithm.get('code_dir')} (local folder {plan.code_dir}) does not exist"
            if not plan.boot_file.is_file():
                return f"boot file {algorithm.get('boot_file')} (local file {plan.boot_file}) does not exist"
        elif not plan.command:
            return "the job has neither a boot file nor a command to run"
        return None

    def _launches(self, job: TrainingJob) -> list[TaskLaunch]:
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
                    argv=["/bin/sh", "-c", " ".join([plan.command, *(shlex.quote(a) for a in args)])],
                    cwd=cwd,
                    env=env,
                    log_path=log_dir / f"modelarts-job-{job.id}-{task}.log",
                )
            )
        return launches

    def start(self, job: TrainingJob, at_ms: int) -> None:
        launches = self._launches(job)
        try:
            self.runner.start(job.id, launches)
        except ValueError as exc:
            # After a crash between starting and saving, the processes may already run: adopt them.
            log.warning("job %s: %s; adopting the running processes", job.id, exc)
        job.launched = True
        # A first sample right away: a short job may end before the ticker's first one.
        self.sample(job, at_ms)

    def _poll(self, job: TrainingJob) -> list[TaskState] | None:
        try:
            return list(self.runner.poll(job.id))
        except KeyError:
            return None

    def check_running(self, job: TrainingJob, now_ms: int) -> Outcome | None:
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
        statuses = [TaskStatus(s.task, s.exit_code, s.message) for s in states]
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
            task_statuses=[st for st in statuses if st.exit_code != 0],
            message=f"{first.task} {first.message}",
            end_reason=f"exit with {first.exit_code}",
            end_related_task=first.task,
        )

    def check_terminating(self, job: TrainingJob, now_ms: int) -> Outcome | None:
        if not job.launched:
            return Outcome(Phase.TERMINATED, now_ms)
        states = self._poll(job)
        if states is None:
            return Outcome(Phase.TERMINATED, now_ms)
        if any(s.running for s in states):
            return None
        statuses = [TaskStatus(s.task, s.exit_code, s.message) for s in states]
        return Outcome(Phase.TERMINATED, _finished_at(states, job.start_time, now_ms), task_statuses=statuses)

    def next_check(self, job: TrainingJob) -> int:
        return 0  # only polling tells whether the processes ended

    def needs_stop(self, job: TrainingJob) -> bool:
        if not job.launched:
            return False
        states = self._poll(job)
        return states is not None and any(s.running for s in states)

    def stop(self, job: TrainingJob, grace_seconds: float) -> None:
        with contextlib.suppress(KeyError):
            self.runner.terminate(job.id, grace_seconds)

    def finished(self, job: TrainingJob, outcome: Outcome) -> None:
        return None

    def settle(self, job: TrainingJob) -> None:
        return None  # the processes write their logs themselves

    def sample(self, job: TrainingJob, now_ms: int) -> None:
        start = job.start_time
        if start is None:
            return
        try:
            usage = self.runner.sample(job.id)
        except KeyError:
            return
        minute = max(0, (now_ms - start) // 60000)
        for task, (cpu, mem) in usage.items():
            self._samples.add_sample(job.id, task, minute, cpu, mem)

    def metric_values(self, job: TrainingJob, task: str, minutes: int) -> dict[str, list[float]]:
        averages = self._samples.minute_averages(job.id, task)
        cpu = [round(averages[i][0], 3) if i in averages else NO_DATA for i in range(minutes)]
        mem = [round(averages[i][1], 3) if i in averages else NO_DATA for i in range(minutes)]
        # Local processes have no accelerators.
        return {
            "cpuUsage": cpu,
            "memUsage": mem,
            "gpuUtil": no_data(minutes),
            "gpuMemUsage": no_data(minutes),
            "npuUtil": no_data(minutes),
            "npuMemUsage": no_data(minutes),
        }

    def discard(self, job: TrainingJob) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.runner.discard(job.id, self._config.terminate_grace_seconds)
        discard_hosted_logs(job, self._mapper)


def _finished_at(states: list[TaskState], start_ms: int | None, now_ms: int) -> int:
    ends = [s.finished_at for s in states if s.finished_at]
    at = int(max(ends) * 1000) if ends else now_ms
    if start_ms is not None:
        at = max(at, start_ms)
    return min(at, now_ms)
