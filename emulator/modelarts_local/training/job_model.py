"""A training job as the service keeps it: a typed model, and its wire view (``to_wire``).

The job is its wire document without ``status`` (``kind``, ``metadata``, ``algorithm``, ``spec``, as
expanded at create) plus the phase-machine state, typed here. ``job_store.py`` is the one place that
writes it to SQLite and reads it back; ``phase_machine.py`` the one place that moves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .phases import Phase


@dataclass
class TaskStatus:
    """How one task ended (``status.task_statuses[]``)."""

    task: str
    exit_code: int | None  # None: unknown
    message: str

    def to_wire(self) -> dict[str, Any]:
        return {"task": self.task, "exit_code": self.exit_code, "message": self.message}


@dataclass
class RunningRecord:
    """One run of the job (``status.running_records[]``); ``end_*`` once it ended."""

    start_at: int  # epoch seconds
    xpu_start_at: int
    start_type: str = "init_or_rescheduled"
    end_at: int | None = None
    end_reason: str | None = None
    end_related_task: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "start_at": self.start_at,
            "xpu_start_at": self.xpu_start_at,
            "start_type": self.start_type,
        }
        if self.end_at is not None:
            wire["end_at"] = self.end_at
            wire["end_reason"] = self.end_reason
        if self.end_related_task:
            wire["end_related_task"] = self.end_related_task
        return wire


@dataclass(frozen=True)
class ForcedOutcome:
    """An outcome the admin API (or fault injection) ordered for a simulated job, applied at its next advance."""

    phase: Phase
    exit_code: int
    message: str | None = None
    secondary_phase: str | None = None


@dataclass(frozen=True)
class JobEvent:
    """One entry of ``GET .../events``."""

    time_ms: int
    level: str
    message: str
    source: str = "Job"


@dataclass
class TrainingJob:
    """One training job: its wire document and its phase-machine state."""

    id: str
    project_id: str
    document: dict[str, Any]  # the wire document without status
    mode: str  # the execution mode it was created in: "simulated" | "local"
    phase: Phase
    secondary_phase: str
    phase_since: int  # when the current phase began (epoch ms)
    node_count: int
    tasks: list[str]
    flavor_id: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    node_count_metrics: list[list[int]] | None = None  # [[epoch ms, running nodes], ...]
    task_statuses: list[TaskStatus] | None = None
    running_records: list[RunningRecord] | None = None
    forced: ForcedOutcome | None = None
    launched: bool = False  # local mode: its processes were started
    deleted_at: int | None = None
    #: Events of changes not saved yet; ``job_store.JobStore.save`` writes them with the job.
    new_events: list[JobEvent] = field(default_factory=list, compare=False, repr=False)
    #: Whether the store holds the job already, and whether its document changed since it was read.
    stored: bool = field(default=False, compare=False, repr=False)
    document_changed: bool = field(default=False, compare=False, repr=False)

    # --- fields of the document that the store indexes and the code reads ---------------------------------

    @property
    def name(self) -> str:
        return str(self.document["metadata"]["name"])

    @property
    def workspace_id(self) -> str:
        return str(self.document["metadata"]["workspace_id"])

    @property
    def create_time(self) -> int:
        return int(self.document["metadata"]["create_time"])

    @property
    def kind(self) -> str:
        return str(self.document["kind"])

    @property
    def algorithm(self) -> dict[str, Any]:
        found: dict[str, Any] = self.document.get("algorithm") or {}
        return found

    @property
    def spec(self) -> dict[str, Any]:
        found: dict[str, Any] = self.document.get("spec") or {}
        return found

    @property
    def algorithm_name(self) -> str:
        return str(self.algorithm.get("name") or "")

    @property
    def flavor_type(self) -> str:
        resource = self.spec.get("resource", {})
        return str(resource.get("flavor_detail", {}).get("flavor_type", "CPU"))

    def describe(self, text: str) -> None:
        """A new ``metadata.description``: the one part of the document that changes after create."""
        self.document["metadata"]["description"] = text
        self.document_changed = True

    def record(self, event: JobEvent) -> None:
        self.new_events.append(event)

    def duration(self, now_ms: int) -> int:
        """Milliseconds it ran (so far), 0 before it started."""
        if self.start_time is None:
            return 0
        return max(0, (self.end_time or now_ms) - self.start_time)

    def to_wire(self, now_ms: int) -> dict[str, Any]:
        """The job as the API answers it. It shares the document's parts: serialise it, do not change it."""
        status: dict[str, Any] = {
            "phase": str(self.phase),
            "secondary_phase": self.secondary_phase,
            "duration": self.duration(now_ms),
            "start_time": self.start_time or 0,
            "node_count_metrics": self.node_count_metrics,
            "tasks": list(self.tasks),
        }
        if self.task_statuses:
            status["task_statuses"] = [s.to_wire() for s in self.task_statuses]
        if self.running_records:
            status["running_records"] = [r.to_wire() for r in self.running_records]
        doc = self.document
        wire: dict[str, Any] = {
            "kind": doc["kind"],
            "metadata": doc["metadata"],
            "status": status,
            "algorithm": doc["algorithm"],
            "spec": doc["spec"],
        }
        for key, value in doc.items():
            wire.setdefault(key, value)
        return wire
