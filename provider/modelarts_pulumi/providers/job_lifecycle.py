"""Waiting on a job and tearing it down: the parts of the lifecycle that poll.

Both polls outlast a flaky API: a poll that still fails after the transport's own retries (throttled, 5xx, no
answer) is tried again at the next interval, until the deadline. Only then is the failure reported, so a
burst of errors does not abandon a job that was submitted (it would be left behind, unrecorded) or a
delete that is under way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ModelArtsApiError, ModelArtsError
from ..inputs import TrainingJobInputs
from ..job_summary import exit_code, summary_line
from ..wire import (
    MILESTONE_PHASES,
    PAST_MILESTONES_PHASES,
    STOPPABLE_PHASES,
    STOPPING_PHASES,
    TERMINAL_PHASES,
    TrainingJob,
)
from .log_stream import LogStream
from .polling import Deadline, poll_intervals
from .progress import progress

if TYPE_CHECKING:  # the client (and requests) is imported when a call is made, not by a preview
    from ..client import ModelArtsClient

DELETE_TIMEOUT_SECONDS = 600.0
"""How long a delete waits for the job to end and disappear (``TrainingJob(delete_timeout=...)``)."""
LOG_TAIL_LINES = 20
PROGRESS_EVERY_SECONDS = 30.0


class TrainingJobFailed(ModelArtsError):
    """The job failed, was terminated, became Abnormal, or did not reach the target in time."""


def wait_for_target(client: ModelArtsClient, job: TrainingJob, inputs: TrainingJobInputs) -> TrainingJob:
    """Poll until the job reaches ``inputs.wait_for``, showing its task logs meanwhile (``log_stream``) and a
    summary line at the end; on failure clean up (unless kept) and raise."""
    target = MILESTONE_PHASES[inputs.wait_for]
    deadline = Deadline(inputs.wait_timeout)
    job_id, name = job.metadata.id, job.metadata.name
    follows_run = inputs.wait_for != "submitted"
    stream = LogStream(client, job, inputs.log_lines_per_second if follows_run else 0)
    last_phase, last_said = "", 0.0
    for interval in poll_intervals():
        if job.phase != last_phase or deadline.elapsed - last_said >= PROGRESS_EVERY_SECONDS:
            progress(
                f"training job {name} ({job_id}): {job.phase} after {deadline.elapsed:.0f}s "
                f"(waiting for {inputs.wait_for})"
            )
            last_phase, last_said = job.phase, deadline.elapsed
        if job.phase in target or job.phase in PAST_MILESTONES_PHASES or deadline.expired:
            break
        stream.sleep(deadline, deadline.until_next_poll(interval))
        job = _poll(client, job_id, deadline, name=name) or job
        stream.seen(job)
    stream.close()
    reached = job.phase in target
    if follows_run or not reached:
        progress(summary_line(job))
    if reached:
        return job
    why = (
        f"is {job.phase}"
        if job.phase in PAST_MILESTONES_PHASES
        else f"did not reach {inputs.wait_for} within wait_timeout={inputs.wait_timeout}s (phase {job.phase})"
    )
    raise _failure(client, job, why, inputs)


def tag_new_job(client: ModelArtsClient, job: TrainingJob, inputs: TrainingJobInputs) -> None:
    """Tag a job just submitted. If that fails, the job goes too (unless ``keep_failed``): a dynamic provider
    cannot record a job that is half made."""
    try:
        client.create_training_job_tags(job.metadata.id, inputs.tags)
    except ModelArtsError as exc:
        raise _failure(client, job, f"could not be tagged ({exc})", inputs) from exc


def stop_job(client: ModelArtsClient, job: TrainingJob, *, timeout: float) -> TrainingJob:
    """Terminate a job that can still be stopped and wait (at most ``timeout`` seconds) until it has ended; a
    job that has ended already is left as it is. The job is kept: this is ``stopped=True``, not a delete."""
    job_id, name = job.metadata.id, job.metadata.name
    if job.phase not in STOPPABLE_PHASES and job.phase not in STOPPING_PHASES:
        progress(f"training job {name} ({job_id}) is already {job.phase}: nothing to stop")
        return job
    progress(f"stopping training job {name} ({job_id}, {job.phase}); it is kept")
    if job.phase in STOPPABLE_PHASES:
        _terminate(client, job_id)
    deadline = Deadline(timeout)
    for interval in poll_intervals():
        job = _poll(client, job_id, deadline, name=name) or job
        if job.phase in TERMINAL_PHASES:
            progress(summary_line(job))
            return job
        if deadline.expired:
            raise ModelArtsError(
                f"training job {name} ({job_id}) was asked to stop but is still {job.phase} after "
                f"{timeout:g}s; run `pulumi refresh` later to record how it ended"
            )
        deadline.pace(interval)
    raise AssertionError("unreachable")


def _poll(client: ModelArtsClient, job_id: str, deadline: Deadline, *, name: str) -> TrainingJob | None:
    """The job now; None when a transient failure leaves the answer for the next poll (before the deadline)."""
    try:
        return client.get_training_job(job_id)
    except ModelArtsApiError as exc:
        if not exc.is_transient or deadline.expired:
            raise
        progress(f"training job {name} ({job_id}): polling failed ({exc.status or 'no answer'}); polling again")
        return None


def _failure(client: ModelArtsClient, job: TrainingJob, why: str, inputs: TrainingJobInputs) -> TrainingJobFailed:
    """The error of a job that ``create`` gives up on, after cleaning it up as the inputs say (``keep_failed``,
    ``delete_timeout``)."""
    job_id, name = job.metadata.id, job.metadata.name
    code = exit_code(job)
    lines = [f"training job {name} ({job_id}) {why}" + (f" (exit code {code})." if code is not None else ".")]
    for status in job.status.task_statuses or []:
        lines.append(f"  task {status.task}: exit code {status.exit_code}, {status.message or 'no message'}")
    tail = _log_tail(client, job)
    if tail:
        lines.append(f"  last lines of the log of {job.tasks[0]}:")
        lines.extend(f"    {line}" for line in tail)
    if inputs.keep_failed:
        lines.append(f"  keep_failed is set: the job was kept, ID {job_id}.")
    else:
        try:
            timeout = inputs.delete_timeout or DELETE_TIMEOUT_SECONDS
            delete_job(client, job_id, name=name, timeout=timeout, phase=job.phase)
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


def delete_job(
    client: ModelArtsClient,
    job_id: str,
    *,
    name: str,
    timeout: float = DELETE_TIMEOUT_SECONDS,
    phase: str | None = None,
) -> None:
    """Terminate if still active, wait until it ended, delete, and wait until the service forgets it.

    ``phase`` is the job's phase as last seen (the state's, or the failed wait's): the first call acts on it
    instead of asking first. A stale one costs nothing but a poll: terminating a job that ended meanwhile is
    refused as not stoppable, and the polls go on from what the service says.

    Idempotent: already gone is success, and a terminate or delete that fails transiently is sent again at
    the next poll. Bounded: a job still present after ``timeout`` seconds is reported (with the phase it is
    stuck in), never waited on forever and never hidden.
    """
    deadline = Deadline(timeout)
    terminated = deleted = False
    last_error: ModelArtsApiError | None = None
    job: TrainingJob | None = None
    for interval in poll_intervals():
        try:
            if phase is None:
                job = _get(client, job_id)
                if job is None:
                    return
                phase = job.phase
            if not terminated and phase in STOPPABLE_PHASES:
                progress(f"terminating training job {name} ({job_id}, {phase})")
                if not _terminate(client, job_id):
                    return
                terminated = True
            elif not deleted and phase in TERMINAL_PHASES:
                progress(f"deleting training job {name} ({job_id}, {phase})")
                _delete(client, job_id)
                deleted = True
            last_error = None
        except ModelArtsApiError as exc:
            if not exc.is_transient:
                raise
            last_error = exc
            progress(f"training job {name} ({job_id}): {exc.status or 'no answer'} while deleting; trying again")
        if deadline.expired:
            raise ModelArtsError(_stuck(name, job_id, job, timeout, deleted=deleted, last_error=last_error))
        deadline.pace(interval)
        phase = None  # ask the service from now on


def _terminate(client: ModelArtsClient, job_id: str) -> bool:
    """Stop the job; False if it is gone already."""
    try:
        client.terminate_training_job(job_id)
    except ModelArtsApiError as exc:
        if exc.is_not_found:
            return False
        if not exc.is_not_stoppable:
            raise
        # It left the stoppable phases meanwhile: the next poll says where it is.
    return True


def _delete(client: ModelArtsClient, job_id: str) -> None:
    try:
        client.delete_training_job(job_id)
    except ModelArtsApiError as exc:
        if not exc.is_not_found:
            raise


def _stuck(
    name: str,
    job_id: str,
    job: TrainingJob | None,
    timeout: float,
    *,
    deleted: bool,
    last_error: ModelArtsApiError | None,
) -> str:
    where = f"training job {name} ({job_id})"
    if last_error is not None:
        state = f"could not be checked: the last call failed with {last_error}"
    elif deleted:
        state = f"was deleted but is still listed ({job.phase if job else 'unknown phase'})"
    else:
        state = f"is still {job.phase if job else 'present'}; it was not deleted"
    return (
        f"{where} {state} after delete_timeout={timeout:g}s. It may still be going away: check it in the "
        f"console, then run `pulumi refresh` (it drops a job that is gone) or `pulumi destroy` again."
    )


def _get(client: ModelArtsClient, job_id: str) -> TrainingJob | None:
    try:
        return client.get_training_job(job_id)
    except ModelArtsApiError as exc:
        if exc.is_not_found:
            return None
        raise
