"""Stored training jobs, their events and metric samples: the one place a ``TrainingJob`` is written to
SQLite and read back.

A job row holds the columns that are queried (project, workspace, name, kind, algorithm name, creation
time, phase, deletion time, and ``wake_at``: when the ticker must next look at it) next to the wire
document and the phase-machine state as JSON. The state's JSON keys are those of earlier versions, so a
data dir written by them still loads.

Every query is bounded by an index or by what it returns: a job by id, a name within a workspace, the
jobs that are due, a search's page; nothing here loads all jobs to find a few.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ..store import Store
from .job_model import ForcedOutcome, JobEvent, RunningRecord, TaskStatus, TrainingJob
from .job_search import TAG_CONDITION, Condition
from .phases import TERMINAL, Phase

_TERMINAL = tuple(str(p) for p in TERMINAL)
_TERMINAL_MARKS = ",".join("?" for _ in _TERMINAL)

#: Search filter keys -> columns (the keys are checked by ``job_search.py``).
_COLUMNS = {
    "name": "name",
    "algorithm_name": "algorithm_name",
    "phase": "phase",
    "kind": "kind",
    "create_time": "create_time",
}

#: How ``like`` lower-cases a column: job names are ASCII (``validation.NAME``), so SQLite's own ``lower``
#: does; an inline algorithm's name may not be, so Python's does.
_LOWER = {"name": "lower", "algorithm_name": "unicode_lower"}


class Match(NamedTuple):
    """A job that matches a search, as far as sorting needs it."""

    id: str
    name: str
    create_time: int
    phase: str


WakeAt = Callable[[TrainingJob], "int | None"]


class JobStore:
    """The ``jobs`` and ``events`` tables (``delete`` also forgets the job's metric samples).

    ``wake_at`` computes, for a job about to be saved, when the ticker must look at it next (None: never
    again); the phase machine knows.
    """

    def __init__(self, store: Store, wake_at: WakeAt) -> None:
        self._store = store
        self._wake_at = wake_at

    # --- jobs ---------------------------------------------------------------------------------------------

    def save(self, job: TrainingJob) -> None:
        """Write the job and its new events (call inside a store transaction when it must be atomic).

        A new job is inserted; a stored one is updated in what can change (phase, deletion, wake-up time,
        state, and the document only when it was changed), so a job purged meanwhile is not brought back.
        """
        state = json.dumps(_state(job))
        if not job.stored:
            self._store.execute(
                "INSERT INTO jobs (id, project_id, workspace_id, name, kind, algorithm_name, create_time, phase,"
                " deleted_at, wake_at, doc, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.id,
                    job.project_id,
                    job.workspace_id,
                    job.name,
                    job.kind,
                    job.algorithm_name,
                    job.create_time,
                    str(job.phase),
                    job.deleted_at,
                    self._wake_at(job),
                    json.dumps(job.document),
                    state,
                ),
            )
            job.stored = True
        else:
            document = json.dumps(job.document) if job.document_changed else None
            self._store.execute(
                "UPDATE jobs SET phase=?, deleted_at=?, wake_at=?, state=?, doc=coalesce(?, doc) WHERE id=?",
                (str(job.phase), job.deleted_at, self._wake_at(job), state, document, job.id),
            )
        job.document_changed = False
        for event in job.new_events:
            self._store.execute(
                "INSERT INTO events (job_id, time_ms, level, message, source) VALUES (?, ?, ?, ?, ?)",
                (job.id, event.time_ms, event.level, event.message, event.source),
            )
        job.new_events.clear()

    def get(self, job_id: str, project_id: str | None = None) -> TrainingJob | None:
        if project_id is None:
            rows = self._store.query("SELECT id, project_id, doc, state FROM jobs WHERE id=?", (job_id,))
        else:
            rows = self._store.query(
                "SELECT id, project_id, doc, state FROM jobs WHERE id=? AND project_id=?", (job_id, project_id)
            )
        return _job(rows[0]) if rows else None

    def name_taken(self, project_id: str, workspace_id: str, name: str) -> bool:
        """Whether a job that is not being deleted has this name in the workspace."""
        rows = self._store.query(
            "SELECT 1 FROM jobs WHERE project_id=? AND workspace_id=? AND name=? AND deleted_at IS NULL LIMIT 1",
            (project_id, workspace_id, name),
        )
        return bool(rows)

    def active_in_project(self, project_id: str) -> list[TrainingJob]:
        """The project's jobs that are neither in a terminal phase (as stored) nor being deleted."""
        rows = self._store.query(
            f"SELECT id, project_id, doc, state FROM jobs WHERE project_id=? AND deleted_at IS NULL"
            f" AND phase NOT IN ({_TERMINAL_MARKS})",
            (project_id, *_TERMINAL),
        )
        return [_job(r) for r in rows]

    def active(self) -> list[TrainingJob]:
        """Every job not in a terminal phase (as stored)."""
        rows = self._store.query(
            f"SELECT id, project_id, doc, state FROM jobs WHERE phase NOT IN ({_TERMINAL_MARKS})", _TERMINAL
        )
        return [_job(r) for r in rows]

    def due_ids(self, now_ms: int, limit: int) -> list[str]:
        """The jobs the ticker must look at now, the most overdue first."""
        rows = self._store.query("SELECT id FROM jobs WHERE wake_at <= ? ORDER BY wake_at LIMIT ?", (now_ms, limit))
        return [str(r["id"]) for r in rows]

    def due_in_workspace(self, project_id: str, workspace_id: str, now_ms: int) -> list[TrainingJob]:
        """The workspace's jobs that may change phase by now (what a search must advance first)."""
        rows = self._store.query(
            f"SELECT id, project_id, doc, state FROM jobs WHERE wake_at <= ? AND project_id=? AND workspace_id=?"
            f" AND phase NOT IN ({_TERMINAL_MARKS})",
            (now_ms, project_id, workspace_id, *_TERMINAL),
        )
        return [_job(r) for r in rows]

    def wake_all(self) -> None:
        """Have the ticker look at every job that may still change, once (wake times depend on the config)."""
        self._store.execute(
            f"UPDATE jobs SET wake_at = 0 WHERE phase NOT IN ({_TERMINAL_MARKS}) OR deleted_at IS NOT NULL",
            _TERMINAL,
        )

    def count(self, project_id: str, workspace_id: str) -> int:
        """Jobs in the workspace."""
        rows = self._store.query(
            "SELECT COUNT(*) AS n FROM jobs WHERE project_id=? AND workspace_id=?", (project_id, workspace_id)
        )
        return int(rows[0]["n"])

    def matches(self, project_id: str, workspace_id: str, conditions: Sequence[Condition]) -> list[Match]:
        """What matches the conditions, as the columns searches sort on (read from the index when it can be)."""
        where, params = _where(project_id, workspace_id, conditions)
        rows = self._store.query(f"SELECT id, name, create_time, phase FROM jobs WHERE {where}", params)
        return [Match(r["id"], r["name"], int(r["create_time"]), r["phase"]) for r in rows]

    def get_many(self, job_ids: Sequence[str]) -> list[TrainingJob]:
        """These jobs, in this order (those that exist)."""
        if not job_ids:
            return []
        marks = ",".join("?" for _ in job_ids)
        rows = self._store.query(f"SELECT id, project_id, doc, state FROM jobs WHERE id IN ({marks})", tuple(job_ids))
        found = {row["id"]: row for row in rows}
        return [_job(found[job_id]) for job_id in job_ids if job_id in found]

    def count_by_phase(self) -> dict[str, int]:
        rows = self._store.query("SELECT phase, COUNT(*) AS n FROM jobs GROUP BY phase")
        return {str(r["phase"]): int(r["n"]) for r in rows}

    def delete(self, job_id: str) -> None:
        """Forget a job with its events, samples and tags."""
        with self._store.transaction():
            self._store.execute("DELETE FROM jobs WHERE id=?", (job_id,))
            self._store.execute("DELETE FROM events WHERE job_id=?", (job_id,))
            self._store.execute("DELETE FROM samples WHERE job_id=?", (job_id,))
            self._store.execute("DELETE FROM job_tags WHERE job_id=?", (job_id,))

    # --- tags ---------------------------------------------------------------------------------------------

    def tags(self, job_id: str) -> dict[str, str]:
        rows = self._store.query("SELECT key, value FROM job_tags WHERE job_id=?", (job_id,))
        return {str(r["key"]): str(r["value"]) for r in rows}

    def put_tags(self, job_id: str, tags: dict[str, str]) -> None:
        """Add these tags; a key the job has already gets the new value."""
        for key, value in tags.items():
            self._store.execute(
                "INSERT INTO job_tags (job_id, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (job_id, key) DO UPDATE SET value = excluded.value",
                (job_id, key, value),
            )

    def delete_tags(self, job_id: str, keys: Sequence[str]) -> None:
        for key in keys:
            self._store.execute("DELETE FROM job_tags WHERE job_id=? AND key=?", (job_id, key))

    # --- events -------------------------------------------------------------------------------------------

    def events(self, job_id: str) -> list[JobEvent]:
        rows = self._store.query("SELECT * FROM events WHERE job_id=? ORDER BY time_ms, seq", (job_id,))
        return [JobEvent(int(r["time_ms"]), r["level"], r["message"], r["source"]) for r in rows]


class MetricSamples:
    """The ``samples`` table: per-minute CPU and memory sums of local-mode tasks."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add_sample(self, job_id: str, task: str, minute: int, cpu: float, mem: float) -> None:
        """Fold one sample into the per-minute sums (averaged when read)."""
        self._store.execute(
            "INSERT INTO samples (job_id, task, minute, cpu_sum, mem_sum, count) VALUES (?, ?, ?, ?, ?, 1)"
            " ON CONFLICT (job_id, task, minute) DO UPDATE SET cpu_sum = cpu_sum + excluded.cpu_sum,"
            " mem_sum = mem_sum + excluded.mem_sum, count = count + 1",
            (job_id, task, minute, cpu, mem),
        )

    def minute_averages(self, job_id: str, task: str) -> dict[int, tuple[float, float]]:
        rows = self._store.query("SELECT * FROM samples WHERE job_id=? AND task=?", (job_id, task))
        return {int(r["minute"]): (r["cpu_sum"] / r["count"], r["mem_sum"] / r["count"]) for r in rows}


# --- (de)serialisation -----------------------------------------------------------------------------------


def _state(job: TrainingJob) -> dict[str, Any]:
    forced = job.forced
    return {
        "mode": job.mode,
        "phase": str(job.phase),
        "secondary_phase": job.secondary_phase,
        "phase_since": job.phase_since,
        "node_count": job.node_count,
        "tasks": job.tasks,
        "start_time": job.start_time,
        "end_time": job.end_time,
        "node_count_metrics": job.node_count_metrics,
        "task_statuses": None if job.task_statuses is None else [s.to_wire() for s in job.task_statuses],
        "running_records": None if job.running_records is None else [r.to_wire() for r in job.running_records],
        "forced": None
        if forced is None
        else {
            "phase": str(forced.phase),
            "exit_code": forced.exit_code,
            "message": forced.message,
            "secondary_phase": forced.secondary_phase,
        },
        "launched": job.launched,
        "deleted_at": job.deleted_at,
        "flavor_id": job.flavor_id,
    }


def _job(row: sqlite3.Row) -> TrainingJob:
    st = json.loads(row["state"])
    forced = st.get("forced")
    statuses = st.get("task_statuses")
    records = st.get("running_records")
    return TrainingJob(
        id=row["id"],
        project_id=row["project_id"],
        document=json.loads(row["doc"]),
        mode=str(st.get("mode") or ""),
        phase=Phase(st["phase"]),
        secondary_phase=st["secondary_phase"],
        phase_since=int(st["phase_since"]),
        node_count=int(st["node_count"]),
        tasks=list(st["tasks"]),
        flavor_id=st.get("flavor_id"),
        start_time=st.get("start_time"),
        end_time=st.get("end_time"),
        node_count_metrics=st.get("node_count_metrics"),
        task_statuses=None if statuses is None else [TaskStatus(**s) for s in statuses],
        running_records=None if records is None else [RunningRecord(**r) for r in records],
        forced=None
        if not forced
        else ForcedOutcome(
            Phase(forced["phase"]),
            int(forced.get("exit_code", 1)),
            forced.get("message"),
            forced.get("secondary_phase"),
        ),
        launched=bool(st.get("launched")),
        deleted_at=st.get("deleted_at"),
        stored=True,
    )


def _where(project_id: str, workspace_id: str, conditions: Sequence[Condition]) -> tuple[str, tuple[Any, ...]]:
    clauses = ["project_id=?", "workspace_id=?"]
    params: list[Any] = [project_id, workspace_id]
    for condition in conditions:
        if condition.key == TAG_CONDITION:  # a tag key (the first value), with any of the other values
            key, *tag_values = (str(v) for v in condition.values)
            wanted = f" AND value IN ({','.join('?' for _ in tag_values)})" if tag_values else ""
            clauses.append(f"EXISTS (SELECT 1 FROM job_tags WHERE job_id = jobs.id AND key = ?{wanted})")
            params += [key, *tag_values]
            continue
        column = _COLUMNS[condition.key]
        values = list(condition.values)
        marks = ",".join("?" for _ in values)
        if condition.operator == "like":
            lower = _LOWER[condition.key]
            clauses.append("(" + " OR ".join(f"instr({lower}({column}), ?) > 0" for _ in values) + ")")
            params += [str(v).lower() for v in values]
        elif condition.operator == "between":
            clauses.append(f"{column} BETWEEN ? AND ?")
            params += values
        elif condition.operator == "not":
            clauses.append(f"{column} NOT IN ({marks})")
            params += values
        else:
            clauses.append(f"{column} IN ({marks})")
            params += values
    return " AND ".join(clauses), tuple(params)
