"""The simulated executor: no process runs; Running lasts ``simulated.running_seconds`` and ends with the
configured outcome. Logs and metrics are synthesised."""

from __future__ import annotations

import math
import zlib

from ..config import ServerConfig
from ..obs.paths import ObsMapper
from .execution import Outcome, discard_hosted_logs, log_folder, log_name, no_data
from .job_model import TaskStatus, TrainingJob
from .log_files import LogFiles
from .phases import Phase, PhaseDurations


class SimulatedExecutor:
    """No process: Running lasts ``running_seconds`` and ends with the configured outcome."""

    mode = "simulated"
    real_processes = False

    def __init__(self, config: ServerConfig, mapper: ObsMapper, logs: LogFiles) -> None:
        self._config = config.simulated
        self._mapper = mapper
        self._logs = logs
        self.durations = PhaseDurations(self._config.creating_seconds, self._config.pending_seconds)

    def prepare(self, job: TrainingJob) -> str | None:
        return None

    def start(self, job: TrainingJob, at_ms: int) -> None:
        resource = job.spec.get("resource", {})
        for rank, task in enumerate(job.tasks):
            self._logs.append(
                job.id,
                log_folder(job),
                log_name(job, task),
                [
                    f"[ModelArts Service Log] training job {job.name} ({job.id}) started on {task}",
                    f"[ModelArts Service Log] flavor {resource.get('flavor_id', '-')}, "
                    f"rank {rank} of {job.node_count} (simulated by modelarts-local)",
                    "epoch 1: loss=0.6931",
                ],
            )

    def check_running(self, job: TrainingJob, now_ms: int) -> Outcome | None:
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
                task_statuses=[TaskStatus(job.tasks[0], code, f"exited with code {code}")],
                end_reason=f"exit with {code}",
                end_related_task=job.tasks[0],
            )
        if outcome is Phase.ABNORMAL:
            return Outcome(Phase.ABNORMAL, due, secondary="Unknown", message="simulated abnormal outcome")
        return Outcome(Phase.COMPLETED, due)

    def check_terminating(self, job: TrainingJob, now_ms: int) -> Outcome | None:
        due = job.phase_since + int(self._config.terminating_seconds * 1000)
        return Outcome(Phase.TERMINATED, due) if now_ms >= due else None

    def next_check(self, job: TrainingJob) -> int:
        if job.phase is Phase.TERMINATING:
            return job.phase_since + int(self._config.terminating_seconds * 1000)
        return (job.start_time or 0) + int(self._config.running_seconds * 1000)

    def needs_stop(self, job: TrainingJob) -> bool:
        return False

    def stop(self, job: TrainingJob, grace_seconds: float) -> None:
        return None

    def finished(self, job: TrainingJob, outcome: Outcome) -> None:
        if job.start_time is None:
            return  # never ran: no log
        lines = [f"[ModelArts Service Log] training job ended: {outcome.phase}"]
        statuses = {s.task: s for s in outcome.task_statuses or []}
        for task in job.tasks:
            status = statuses.get(task)
            text = status.message if status else ("exited with code 0" if outcome.phase is Phase.COMPLETED else "")
            self._logs.append(job.id, log_folder(job), log_name(job, task), [*lines, f"{task}: {text}".rstrip(": ")])

    def settle(self, job: TrainingJob) -> None:
        self._logs.settle(job.id)

    def sample(self, job: TrainingJob, now_ms: int) -> None:
        return None

    def metric_values(self, job: TrainingJob, task: str, minutes: int) -> dict[str, list[float]]:
        seed = zlib.crc32(f"{job.id}/{task}".encode())
        cpu = [round(30 + 10 * math.sin(seed % 7 + i) + (seed >> (i % 16)) % 5, 3) for i in range(minutes)]
        mem = [round(min(95.0, 0.5 + 0.1 * i + (seed % 10) / 100), 3) for i in range(minutes)]
        values = {"cpuUsage": cpu, "memUsage": mem}
        gpu = job.flavor_type == "GPU"
        npu = job.flavor_type == "Ascend"
        values["gpuUtil"] = [round(60 + 20 * math.sin(i), 3) for i in range(minutes)] if gpu else no_data(minutes)
        values["gpuMemUsage"] = [40.0] * minutes if gpu else no_data(minutes)
        values["npuUtil"] = [round(55 + 15 * math.cos(i), 3) for i in range(minutes)] if npu else no_data(minutes)
        values["npuMemUsage"] = [35.0] * minutes if npu else no_data(minutes)
        return values

    def discard(self, job: TrainingJob) -> None:
        discard_hosted_logs(job, self._mapper)
