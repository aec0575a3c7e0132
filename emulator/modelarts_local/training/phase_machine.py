"""Moves training jobs through the phases that ``phases.py`` declares, on a real clock.

Jobs advance in two ways that give the same result: lazily, whenever a job is read, and by the ticker
(``housekeeping.py``). A timed transition is dated at its due time, not at the moment it is noticed, so
timestamps do not depend on when anybody looked. ``wake_at`` says when a job can next change by itself,
so that the ticker and searches look only at jobs that are due.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..config import ServerConfig
from .execution import Executor, Outcome
from .job_model import ForcedOutcome, JobEvent, RunningRecord, TaskStatus, TrainingJob
from .phases import END_REASONS, EVENTS, SECONDARY, TERMINAL, TIMED, Phase, check_transition


class PhaseMachine:
    """Applies the due transitions of a job; the executors say how a run starts and ends."""

    def __init__(self, config: ServerConfig, executors: Mapping[str, Executor]) -> None:
        self._config = config
        self._executors = dict(executors)

    def executor(self, job: TrainingJob) -> Executor:
        """The executor of the mode the job was created in (it keeps it across restarts)."""
        return self._executors.get(job.mode, self._executors[self._config.mode])

    # --- when ---------------------------------------------------------------------------------------------

    def wake_at(self, job: TrainingJob) -> int | None:
        """When the job can next change without a request (epoch ms; 0 = at once), or None: never again.

        A deleted job that has ended wakes when its linger is over, to be purged.
        """
        if job.phase in TERMINAL:
            if job.deleted_at is None:
                return None
            return job.deleted_at + int(self._config.delete_linger_seconds * 1000)
        if job.forced is not None:
            return 0
        executor = self.executor(job)
        step = TIMED.get(job.phase)
        if step is not None:
            return job.phase_since + int(executor.durations.seconds(step) * 1000)
        due = executor.next_check(job)
        auto_stop = self._auto_stop_due(job)
        return due if auto_stop is None else min(due, auto_stop)

    # --- advancing ----------------------------------------------------------------------------------------

    def advance(self, job: TrainingJob, now_ms: int) -> bool:
        """Apply every transition that is due at ``now_ms``; whether the job changed (then save it)."""
        executor = self.executor(job)
        changed = False
        for _ in range(16):  # each round makes at most one transition; the machine has fewer phases
            phase = job.phase
            if phase in TERMINAL:
                break
            if job.forced is not None and phase is not Phase.TERMINATING:
                self._apply_forced(job, job.forced, executor, now_ms)
                changed = True
                continue
            step = TIMED.get(phase)
            if step is not None:
                due = job.phase_since + int(executor.durations.seconds(step) * 1000)
                if now_ms < due:
                    break
                if step.next_phase is Phase.RUNNING:
                    problem = executor.prepare(job)
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
                outcome = executor.check_running(job, now_ms)
            elif phase is Phase.TERMINATING:
                outcome = executor.check_terminating(job, now_ms)
            if outcome is None:
                break
            self._finish(job, executor, outcome)
            changed = True
        return changed

    def terminate(self, job: TrainingJob, at_ms: int, detail: str) -> None:
        """Creating, Pending or Running -> Terminating (the caller checked the phase allows it)."""
        self._transition(job, Phase.TERMINATING, at_ms, detail=detail)

    # --- transitions --------------------------------------------------------------------------------------

    def _start(self, job: TrainingJob, executor: Executor, at_ms: int) -> None:
        self._transition(job, Phase.RUNNING, at_ms)
        executor.start(job, at_ms)

    def _apply_forced(self, job: TrainingJob, forced: ForcedOutcome, executor: Executor, now_ms: int) -> None:
        job.forced = None
        if forced.phase is Phase.ABNORMAL:
            secondary = forced.secondary_phase or (
                "CreateFailed" if job.phase in (Phase.CREATING, Phase.PENDING) else "Unknown"
            )
            self._finish(job, executor, Outcome(Phase.ABNORMAL, now_ms, secondary=secondary, message=forced.message))
            return
        if job.phase in (Phase.CREATING, Phase.PENDING):
            if job.phase is Phase.CREATING:
                self._transition(job, Phase.PENDING, now_ms)
            self._start(job, executor, now_ms)
        if forced.phase is Phase.COMPLETED:
            self._finish(job, executor, Outcome(Phase.COMPLETED, now_ms, message=forced.message))
            return
        code = forced.exit_code
        task = job.tasks[0]
        message = forced.message or f"exited with code {code}"
        self._finish(
            job,
            executor,
            Outcome(
                Phase.FAILED,
                now_ms,
                task_statuses=[TaskStatus(task, code, message)],
                message=f"{task} {message}",
                end_reason=f"exit with {code}",
                end_related_task=task,
            ),
        )

    def _finish(self, job: TrainingJob, executor: Executor, outcome: Outcome) -> None:
        if outcome.task_statuses is not None:
            job.task_statuses = outcome.task_statuses
        self._transition(
            job,
            outcome.phase,
            outcome.at_ms,
            secondary=outcome.secondary,
            detail=outcome.message,
            end_reason=outcome.end_reason,
            end_related_task=outcome.end_related_task,
        )
        executor.finished(job, outcome)

    def _transition(
        self,
        job: TrainingJob,
        target: Phase,
        at_ms: int,
        *,
        secondary: str | None = None,
        detail: str | None = None,
        end_reason: str | None = None,
        end_related_task: str | None = None,
    ) -> None:
        check_transition(job.phase, target)
        # Never date a change before the previous one (clock steps, forced outcomes).
        at_ms = max(at_ms, job.phase_since)
        job.phase = target
        job.secondary_phase = secondary or SECONDARY[target]
        job.phase_since = at_ms
        metrics = job.node_count_metrics or [[job.create_time, 0]]
        metrics.append([at_ms, job.node_count if target is Phase.RUNNING else 0])
        job.node_count_metrics = metrics
        if target is Phase.RUNNING:
            job.start_time = at_ms
            job.running_records = [RunningRecord(start_at=at_ms // 1000, xpu_start_at=at_ms // 1000)]
        if target in TERMINAL:
            if job.start_time is not None:
                job.end_time = at_ms
            records = job.running_records or []
            if records and records[-1].end_at is None:
                records[-1].end_at = at_ms // 1000
                records[-1].end_reason = end_reason or END_REASONS[target]
                if end_related_task:
                    records[-1].end_related_task = end_related_task
        level, message = EVENTS[target]
        if target is Phase.RUNNING:
            message = f"{message} {job.node_count} node(s): {', '.join(job.tasks)}."
        if detail:
            message = f"{message} {detail}"
        job.record(JobEvent(at_ms, level, message))

    def _auto_stop_due(self, job: TrainingJob) -> int | None:
        auto_stop = job.spec.get("auto_stop")
        if not auto_stop or job.start_time is None:
            return None
        return int(job.start_time + auto_stop["duration"] * self._config.auto_stop_hour_seconds * 1000)
