"""What a training job amounts to, in a few words: how long it ran, the node-seconds it used, how each task
ended, and one line that says all of it. Shared by the provider (the last line of a wait in ``pulumi up``)
and the command-line tool; it knows nothing of Pulumi."""

from __future__ import annotations

from dataclasses import dataclass

from .wire import TrainingJob


@dataclass(frozen=True)
class TaskEnd:
    """How one task ended: its exit code (None while it runs, or when the service does not say) and message."""

    task: str
    exit_code: int | None
    message: str


def task_ends(job: TrainingJob) -> list[TaskEnd]:
    """One entry per task. The service reports statuses of failed tasks; a Completed job's tasks all exited 0
    (that is what Completed means), so they get 0 even when the service lists no status for them."""
    statuses = {s.task: s for s in job.status.task_statuses or []}
    out = []
    for task in job.tasks:
        status = statuses.get(task)
        exit_code = status.exit_code if status else (0 if job.phase == "Completed" else None)
        out.append(TaskEnd(task, exit_code, (status.message or "") if status else ""))
    return out


def exit_code(job: TrainingJob) -> int | None:
    """The first task's exit code, once known."""
    ends = task_ends(job)
    return ends[0].exit_code if ends else None


def node_count(job: TrainingJob) -> int:
    resource = job.spec.resource if job.spec else None
    return (resource.node_count if resource else None) or 1


def node_seconds(job: TrainingJob) -> float:
    """Run time times nodes: what the job used (and what a pay-per-use flavor bills)."""
    return (job.status.duration or 0) / 1000 * node_count(job)


def human_duration(milliseconds: int | float | None) -> str:
    """``1h02m``, ``3m05s``, ``42s``; ``-`` before the job ran."""
    if not milliseconds:
        return "-"
    seconds = round(milliseconds / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


def summary_line(job: TrainingJob) -> str:
    """``training job NAME (ID): Completed after 1m05s, 2 nodes, 130 node-seconds, exit code 0``."""
    nodes = node_count(job)
    code = exit_code(job)
    return (
        f"training job {job.metadata.name} ({job.metadata.id}): {job.phase} after "
        f"{human_duration(job.status.duration)}, {nodes} node{'s' if nodes != 1 else ''}, "
        f"{node_seconds(job):.0f} node-seconds, exit code {'-' if code is None else code}"
    )
