"""How a training job runs once it reaches Running: the executor protocol, and what both executors share.

The phase machine (``phases.py``, ``phase_machine.py``) decides *when* a job moves; an executor answers
the questions only it can: may the job start, start it, has it ended and how, stop it, when to look at
it again, and what are its per-minute metrics. Two exist: ``simulated.py`` (no process) and
``local_executor.py`` (real local processes).
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from typing import Protocol

from ..obs.paths import ObsMapper, ObsPath, parse_obs_path
from .job_model import TaskStatus, TrainingJob
from .phases import Phase, PhaseDurations

HOSTED_LOG_BUCKET = "modelarts-local-logs"
METRIC_NAMES = ("cpuUsage", "memUsage", "gpuUtil", "gpuMemUsage", "npuUtil", "npuMemUsage")

NO_DATA: float = -1  # an int at run time: JSON -1, not -1.0
"""A minute without a sample; written ``-1`` (an integer), as the service writes it (modelarts_03_0407)."""


@dataclass(frozen=True)
class Outcome:
    """How a run ended (or, for Terminating, that the stop is complete)."""

    phase: Phase
    at_ms: int
    secondary: str | None = None
    task_statuses: list[TaskStatus] | None = None
    message: str | None = None
    end_reason: str | None = None
    end_related_task: str | None = None


class Executor(Protocol):
    """One execution mode."""

    mode: str
    durations: PhaseDurations
    real_processes: bool

    def prepare(self, job: TrainingJob) -> str | None:
        """Why the job cannot start (it then becomes Abnormal/CreateFailed), or None."""

    def start(self, job: TrainingJob, at_ms: int) -> None:
        """The job has just entered Running."""

    def check_running(self, job: TrainingJob, now_ms: int) -> Outcome | None:
        """How the run ended, or None while it goes on."""

    def check_terminating(self, job: TrainingJob, now_ms: int) -> Outcome | None:
        """Terminated (with task statuses) once the job is fully stopped, else None."""

    def next_check(self, job: TrainingJob) -> int:
        """When ``check_running`` / ``check_terminating`` may next answer something new (epoch ms; 0 = always)."""

    def needs_stop(self, job: TrainingJob) -> bool:
        """Whether processes must still be stopped (done outside the store lock)."""

    def stop(self, job: TrainingJob, grace_seconds: float) -> None:
        """Stop whatever runs (blocking)."""

    def finished(self, job: TrainingJob, outcome: Outcome) -> None:
        """The job has reached a terminal phase."""

    def settle(self, job: TrainingJob) -> None:
        """Wait until what the job's transitions wrote (another thread may still be writing it) is written."""

    def sample(self, job: TrainingJob, now_ms: int) -> None:
        """Record a metrics sample of a running job."""

    def metric_values(self, job: TrainingJob, task: str, minutes: int) -> dict[str, list[float]]:
        """Per-minute values of the six metric series."""

    def discard(self, job: TrainingJob) -> None:
        """Forget whatever the executor keeps about a deleted job."""


def log_folder(job: TrainingJob) -> ObsPath:
    """Where the job's task logs go: ``log_export_path.obs_url`` if given, else the hosted log bucket."""
    export = job.spec.get("log_export_path") or {}
    url = export.get("obs_url")
    if isinstance(url, str) and url:
        path = parse_obs_path(url)
        key = path.key if path.key == "" or path.key.endswith("/") else path.key + "/"
        return ObsPath(path.bucket, key)
    return ObsPath(HOSTED_LOG_BUCKET, f"{job.project_id}/{job.id}/")


def log_name(job: TrainingJob, task: str) -> str:
    """A task log's file name, as ModelArts names it."""
    return f"modelarts-job-{job.id}-{task}.log"


def log_object(job: TrainingJob, task: str) -> ObsPath:
    folder = log_folder(job)
    return ObsPath(folder.bucket, folder.key + log_name(job, task))


def no_data(minutes: int) -> list[float]:
    return [NO_DATA] * minutes


def discard_hosted_logs(job: TrainingJob, mapper: ObsMapper) -> None:
    folder = log_folder(job)
    if folder.bucket == HOSTED_LOG_BUCKET:  # logs exported to the user's bucket stay: they are user data
        with contextlib.suppress(OSError):
            shutil.rmtree(mapper.local_path(folder))
