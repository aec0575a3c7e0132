"""The training-job phase machine, as data (the one place that defines it).

    Creating --(creating_seconds)--> Pending/Queuing --(pending_seconds)--> Running --> Completed | Failed
    Creating | Pending | Running --(terminate)--> Terminating --> Terminated
    Creating | Pending | Running --> Abnormal/CreateFailed | Abnormal/Lost

Creating and Pending end after a configured time (``TIMED``). How Running ends is up to the executor:
the simulated one after ``running_seconds`` with the configured outcome, the local one when the
processes exit. Terminating ends when the executor has stopped the job. The code that advances jobs
(``phase_machine.py``) asks this module what is allowed; it never hard-codes a transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    """``status.phase`` values."""

    CREATING = "Creating"
    PENDING = "Pending"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    TERMINATING = "Terminating"
    TERMINATED = "Terminated"
    ABNORMAL = "Abnormal"


#: The usual ``secondary_phase`` of each phase (the API calls it internal; clients should not rely on it).
SECONDARY: dict[Phase, str] = {
    Phase.CREATING: "Creating",
    Phase.PENDING: "Queuing",
    Phase.RUNNING: "Running",
    Phase.COMPLETED: "Completed",
    Phase.FAILED: "Failed",
    Phase.TERMINATING: "Terminating",
    Phase.TERMINATED: "Terminated",
    Phase.ABNORMAL: "CreateFailed",
}

TERMINAL: frozenset[Phase] = frozenset({Phase.COMPLETED, Phase.FAILED, Phase.TERMINATED, Phase.ABNORMAL})

#: Only these phases may be terminated (ModelArts.2796 otherwise).
TERMINABLE: frozenset[Phase] = frozenset({Phase.CREATING, Phase.PENDING, Phase.RUNNING})

#: Outcomes the admin API may force.
FORCEABLE: frozenset[Phase] = frozenset({Phase.COMPLETED, Phase.FAILED, Phase.ABNORMAL})

#: Every allowed transition.
TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.CREATING: frozenset({Phase.PENDING, Phase.TERMINATING, Phase.ABNORMAL}),
    Phase.PENDING: frozenset({Phase.RUNNING, Phase.TERMINATING, Phase.ABNORMAL}),
    Phase.RUNNING: frozenset({Phase.COMPLETED, Phase.FAILED, Phase.TERMINATING, Phase.ABNORMAL}),
    Phase.TERMINATING: frozenset({Phase.TERMINATED, Phase.ABNORMAL}),
    Phase.COMPLETED: frozenset(),
    Phase.FAILED: frozenset(),
    Phase.TERMINATED: frozenset(),
    Phase.ABNORMAL: frozenset(),
}


@dataclass(frozen=True)
class TimedStep:
    """A phase that ends by itself after a configured duration."""

    phase: Phase
    duration_key: str  # attribute of PhaseDurations
    next_phase: Phase


TIMED: dict[Phase, TimedStep] = {
    Phase.CREATING: TimedStep(Phase.CREATING, "creating_seconds", Phase.PENDING),
    Phase.PENDING: TimedStep(Phase.PENDING, "pending_seconds", Phase.RUNNING),
}


@dataclass(frozen=True)
class PhaseDurations:
    """How long the timed phases last (seconds), per execution mode."""

    creating_seconds: float
    pending_seconds: float

    def seconds(self, step: TimedStep) -> float:
        return float(getattr(self, step.duration_key))


#: Event level and message of each phase entry, recorded for GET .../events.
EVENTS: dict[Phase, tuple[str, str]] = {
    Phase.CREATING: ("Info", "Training job created."),
    Phase.PENDING: ("Info", "Training job is queuing for resources."),
    Phase.RUNNING: ("Info", "Training job started running."),
    Phase.COMPLETED: ("Info", "Training job completed."),
    Phase.FAILED: ("Error", "Training job failed."),
    Phase.TERMINATING: ("Warning", "Training job is being terminated."),
    Phase.TERMINATED: ("Warning", "Training job terminated."),
    Phase.ABNORMAL: ("Error", "Training job is abnormal."),
}

#: ``running_records[].end_reason`` by the phase that ended the run.
END_REASONS: dict[Phase, str] = {
    Phase.COMPLETED: "job completed",
    Phase.FAILED: "job failed",
    Phase.TERMINATED: "job terminated",
    Phase.ABNORMAL: "job abnormal",
}


class TransitionError(RuntimeError):
    """A transition the phase machine does not allow (a bug in the caller)."""


def check_transition(current: Phase, target: Phase) -> None:
    if target not in TRANSITIONS[current]:
        raise TransitionError(f"{current} -> {target} is not a valid phase transition")
