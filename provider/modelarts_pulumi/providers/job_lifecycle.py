"""Waiting on a job and tearing it down: the parts of the lifecycle that poll."""

from __future__ import annotations

from ..client import ModelArtsClient
from ..errors import ModelArtsApiError, ModelArtsError
from ..inputs import TrainingJobInputs
from ..wire import STOPPABLE_PHASES, TERMINAL_PHASES, TrainingJob
from .common import Deadline, poll_intervals, progress

# What each `wait_for` target accepts as reached.
REACHED = {
    "submitted": frozenset({"Pending", "Running", "Completed"}),
    "running": frozenset({"Running", "Completed"}),
    "completed": frozenset({"Completed"}),
}
FAILED = frozenset({"Failed", "Abnormal", "Terminated", "Terminating"})
DELETE_TIMEOUT_SECONDS = 600.0
LOG_TAIL_LINES = 20
PROGRESS_EVERY_SECONDS = 30.0


class TrainingJobFailed(ModelArtsError):
    """The job failed, was terminated, became Abnormal, or did not reach the target in time."""


def wait_for_target(client: ModelArtsClient, job: TrainingJob, inputs: TrainingJobInputs) -> TrainingJob:
    """Poll until the job reaches ``inputs.wait_for``; on failure clean up (unless kept) and raise."""
    target = REACHED[inputs.wait_for]
    deadline = Deadline(inputs.wait_timeout)
    job_id, name = job.metadata.id, job.metadata.name
    last_phase, last_said = "", 0.0
    for interval in poll_intervals():
        if job.phase != last_phase or deadline.elapsed - last_said >= PROGRESS_EVERY_SECONDS:
            progress(
                f"training job {name} ({job_id}): {job.phase} after {deadline.elapsed:.0f}s "
                f"(waiting for {inputs.wait_for})"
            )
            last_phase, last_said = job.phase, deadline.elapsed
        if job.phase in target:
            return job
        if job.phase in FAILED or deadline.expired:
            why = (
                f"is {job.phase}"
                if job.phase in FAILED
                else f"did not reach {inputs.wait_for} within wait_timeout={inputs.wait_timeout}s (phase {job.phase})"
            )
            raise _failure(client, job, why, keep=inputs.keep_failed)
        deadline.sleep(interval)
        job = client.get_training_job(job_id)
    raise AssertionError("unreachable")


def _failure(client: ModelArtsClient, job: TrainingJob, why: str, *, keep: bool) -> TrainingJobFailed:
    job_id, name = job.metadata.id, job.metadata.name
    lines = [f"training job {name} ({job_id}) {why}."]
    for status in job.status.task_statuses or []:
        lines.append(f"  task {status.task}: exit code {status.exit_code}, {status.message or 'no message'}")
    tail = _log_tail(client, job)
    if tail:
        lines.append(f"  last lines of the log of {job.tasks[0]}:")
        lines.extend(f"    {line}" for line in tail)
    if keep:
        lines.append(f"  keep_failed is set: the job was kept, ID {job_id}.")
    else:
        try:
            delete_job(client, job_id, name=name)
            lines.append("  The job was terminated and deleted; nothing was left behind.")
        except ModelArtsError as exc:
            lines.append(f"  Cleaning up failed, the job may be left behind (ID {job_id}): {exc}")
    return TrainingJobFailed("\n".join(lines))


def _log_tail(client: ModelArtsClient, job: TrainingJob) -> list[str]:
    if not job.tasks:
        return []
    try:
        content = client.get_log_preview(job.metadata.id, job.tasks[0]).content
    except ModelArtsError:
        return []
    return content.rstrip("\n").splitlines()[-LOG_TAIL_LINES:]


def delete_job(client: ModelArtsClient, job_id: str, *, name: str, timeout: float = DELETE_TIMEOUT_SECONDS) -> None:
    """Terminate if still active, wait until it ended, delete, and wait until the service forgets it.

    Already gone is success. A job still present at the timeout is reported, not hidden.
    """
    deadline = Deadline(timeout)
    job = _get(client, job_id)
    if job is None:
        return
    if job.phase in STOPPABLE_PHASES:
        progress(f"terminating training job {name} ({job_id}, {job.phase})")
        try:
            client.terminate_training_job(job_id)
        except ModelArtsApiError as exc:
            # 2796: it left the stoppable phases meanwhile; 2775: gone. Either way, go on.
            if exc.error_code not in ("ModelArts.2796", "ModelArts.2878") and not exc.is_not_found:
                raise
    for interval in poll_intervals():
        job = _get(client, job_id)
        if job is None:
            return
        if job.phase in TERMINAL_PHASES:
            break
        if deadline.expired:
            raise ModelArtsError(
                f"training job {name} ({job_id}) is still {job.phase} after {timeout:.0f}s; it was not deleted"
            )
        deadline.sleep(interval)
    progress(f"deleting training job {name} ({job_id}, {job.phase})")
    try:
        client.delete_training_job(job_id)
    except ModelArtsApiError as exc:
        if not exc.is_not_found:
            raise
    for interval in poll_intervals():
        if _get(client, job_id) is None:
            return
        if deadline.expired:
            raise ModelArtsError(f"training job {name} ({job_id}) was deleted but is still listed after {timeout:.0f}s")
        deadline.sleep(interval)


def _get(client: ModelArtsClient, job_id: str) -> TrainingJob | None:
    try:
        return client.get_training_job(job_id)
    except ModelArtsApiError as exc:
        if exc.is_not_found:
            return None
        raise
