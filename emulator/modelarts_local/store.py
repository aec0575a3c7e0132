"""SQLite persistence under DATA_DIR: every acknowledged change is committed before the answer goes out.

One connection, shared by the request threads and the ticker, guarded by one re-entrant lock: SQLite
serialises writers anyway, and a single lock also lets the domain layer make read-check-write
sequences (duplicate names, quotas, phase changes) atomic with ``with store.transaction():``.
Documents are stored as JSON next to the few columns that are queried.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    expires_at REAL NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS algorithms (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    name TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS algorithms_by_project ON algorithms (project_id, workspace_id);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    workspace_id TEXT NOT NULL,
    name TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    phase TEXT NOT NULL,
    deleted_at INTEGER,
    doc TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_project ON jobs (project_id, workspace_id);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_job ON events (job_id, time_ms);
CREATE TABLE IF NOT EXISTS samples (
    job_id TEXT NOT NULL,
    task TEXT NOT NULL,
    minute INTEGER NOT NULL,
    cpu_sum REAL NOT NULL,
    mem_sum REAL NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (job_id, task, minute)
);
"""


@dataclass
class JobRow:
    """A stored training job: indexed columns plus the wire document and the phase-machine state."""

    id: str
    project_id: str
    workspace_id: str
    name: str
    create_time: int
    phase: str
    deleted_at: int | None
    doc: dict[str, Any]
    state: dict[str, Any]


@dataclass
class AlgorithmRow:
    id: str
    project_id: str
    workspace_id: str
    name: str
    create_time: int
    doc: dict[str, Any]


@dataclass(frozen=True)
class EventRow:
    time_ms: int
    level: str
    message: str
    source: str


class Store:
    """All persistent state of one server."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing stays uncommitted by accident.
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")  # committed means on disk, even on power loss
            self._conn.executescript(_SCHEMA)
            row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self._conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (_SCHEMA_VERSION,))
            elif row["value"] != _SCHEMA_VERSION:
                raise RuntimeError(f"{path}: schema version {row['value']} is not supported (want {_SCHEMA_VERSION})")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @property
    def lock(self) -> threading.RLock:
        """The lock behind every store call; hold it to make several calls atomic."""
        return self._lock

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All store calls inside commit together (or not at all); nested uses join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self._conn.execute("COMMIT")

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self._conn.execute(sql, params)

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # --- meta ---------------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key=?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # --- tokens -------------------------------------------------------------------------------------

    def put_token(self, token: str, expires_at: float, record: dict[str, Any]) -> None:
        self._execute(
            "INSERT OR REPLACE INTO tokens (token, expires_at, record) VALUES (?, ?, ?)",
            (token, expires_at, json.dumps(record)),
        )

    def get_token(self, token: str) -> dict[str, Any] | None:
        rows = self._query("SELECT record FROM tokens WHERE token=?", (token,))
        return json.loads(rows[0]["record"]) if rows else None

    def purge_tokens(self, expired_before: float) -> int:
        """Forget tokens that expired before the given time (keeps the table small)."""
        return self._execute("DELETE FROM tokens WHERE expires_at < ?", (expired_before,)).rowcount

    def count_tokens(self) -> int:
        return int(self._query("SELECT COUNT(*) AS n FROM tokens")[0]["n"])

    # --- algorithms ---------------------------------------------------------------------------------

    def put_algorithm(self, row: AlgorithmRow) -> None:
        self._execute(
            "INSERT OR REPLACE INTO algorithms (id, project_id, workspace_id, name, create_time, doc)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (row.id, row.project_id, row.workspace_id, row.name, row.create_time, json.dumps(row.doc)),
        )

    def get_algorithm(self, project_id: str, algorithm_id: str) -> AlgorithmRow | None:
        rows = self._query("SELECT * FROM algorithms WHERE id=? AND project_id=?", (algorithm_id, project_id))
        return _algorithm(rows[0]) if rows else None

    def find_algorithm_by_name(self, project_id: str, workspace_id: str, name: str) -> AlgorithmRow | None:
        rows = self._query(
            "SELECT * FROM algorithms WHERE project_id=? AND workspace_id=? AND name=?",
            (project_id, workspace_id, name),
        )
        return _algorithm(rows[0]) if rows else None

    def list_algorithms(self, project_id: str, workspace_id: str | None = None) -> list[AlgorithmRow]:
        if workspace_id is None:
            rows = self._query("SELECT * FROM algorithms WHERE project_id=?", (project_id,))
        else:
            rows = self._query(
                "SELECT * FROM algorithms WHERE project_id=? AND workspace_id=?", (project_id, workspace_id)
            )
        return [_algorithm(r) for r in rows]

    def delete_algorithm(self, algorithm_id: str) -> None:
        self._execute("DELETE FROM algorithms WHERE id=?", (algorithm_id,))

    def count_algorithms(self, project_id: str | None = None) -> int:
        if project_id is None:
            return int(self._query("SELECT COUNT(*) AS n FROM algorithms")[0]["n"])
        return int(self._query("SELECT COUNT(*) AS n FROM algorithms WHERE project_id=?", (project_id,))[0]["n"])

    # --- training jobs ------------------------------------------------------------------------------

    def put_job(self, row: JobRow) -> None:
        self._execute(
            "INSERT OR REPLACE INTO jobs (id, project_id, workspace_id, name, create_time, phase, deleted_at,"
            " doc, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.id,
                row.project_id,
                row.workspace_id,
                row.name,
                row.create_time,
                row.phase,
                row.deleted_at,
                json.dumps(row.doc),
                json.dumps(row.state),
            ),
        )

    def get_job(self, job_id: str, project_id: str | None = None) -> JobRow | None:
        if project_id is None:
            rows = self._query("SELECT * FROM jobs WHERE id=?", (job_id,))
        else:
            rows = self._query("SELECT * FROM jobs WHERE id=? AND project_id=?", (job_id, project_id))
        return _job(rows[0]) if rows else None

    def list_jobs(self, project_id: str, workspace_id: str | None = None) -> list[JobRow]:
        if workspace_id is None:
            rows = self._query("SELECT * FROM jobs WHERE project_id=?", (project_id,))
        else:
            rows = self._query("SELECT * FROM jobs WHERE project_id=? AND workspace_id=?", (project_id, workspace_id))
        return [_job(r) for r in rows]

    def list_jobs_needing_attention(self, terminal_phases: tuple[str, ...]) -> list[JobRow]:
        """Jobs the ticker must look at: not yet in a terminal phase, or deleted and waiting to go."""
        marks = ",".join("?" for _ in terminal_phases)
        rows = self._query(
            f"SELECT * FROM jobs WHERE phase NOT IN ({marks}) OR deleted_at IS NOT NULL", terminal_phases
        )
        return [_job(r) for r in rows]

    def count_jobs_by_phase(self) -> dict[str, int]:
        rows = self._query("SELECT phase, COUNT(*) AS n FROM jobs GROUP BY phase")
        return {str(r["phase"]): int(r["n"]) for r in rows}

    def delete_job(self, job_id: str) -> None:
        """Forget a job with its events and samples."""
        with self.transaction():
            self._conn.execute("DELETE FROM jobs WHERE id=?", (job_id,))
            self._conn.execute("DELETE FROM events WHERE job_id=?", (job_id,))
            self._conn.execute("DELETE FROM samples WHERE job_id=?", (job_id,))

    # --- events -------------------------------------------------------------------------------------

    def add_event(self, job_id: str, event: EventRow) -> None:
        self._execute(
            "INSERT INTO events (job_id, time_ms, level, message, source) VALUES (?, ?, ?, ?, ?)",
            (job_id, event.time_ms, event.level, event.message, event.source),
        )

    def list_events(self, job_id: str) -> list[EventRow]:
        rows = self._query("SELECT * FROM events WHERE job_id=? ORDER BY time_ms, seq", (job_id,))
        return [EventRow(int(r["time_ms"]), r["level"], r["message"], r["source"]) for r in rows]

    # --- metric samples -----------------------------------------------------------------------------

    def add_sample(self, job_id: str, task: str, minute: int, cpu: float, mem: float) -> None:
        """Fold one sample into the per-minute sums (averaged when read)."""
        self._execute(
            "INSERT INTO samples (job_id, task, minute, cpu_sum, mem_sum, count) VALUES (?, ?, ?, ?, ?, 1)"
            " ON CONFLICT (job_id, task, minute) DO UPDATE SET cpu_sum = cpu_sum + excluded.cpu_sum,"
            " mem_sum = mem_sum + excluded.mem_sum, count = count + 1",
            (job_id, task, minute, cpu, mem),
        )

    def minute_averages(self, job_id: str, task: str) -> dict[int, tuple[float, float]]:
        rows = self._query("SELECT * FROM samples WHERE job_id=? AND task=?", (job_id, task))
        return {int(r["minute"]): (r["cpu_sum"] / r["count"], r["mem_sum"] / r["count"]) for r in rows}


def _algorithm(row: sqlite3.Row) -> AlgorithmRow:
    return AlgorithmRow(
        id=row["id"],
        project_id=row["project_id"],
        workspace_id=row["workspace_id"],
        name=row["name"],
        create_time=int(row["create_time"]),
        doc=json.loads(row["doc"]),
    )


def _job(row: sqlite3.Row) -> JobRow:
    return JobRow(
        id=row["id"],
        project_id=row["project_id"],
        workspace_id=row["workspace_id"],
        name=row["name"],
        create_time=int(row["create_time"]),
        phase=row["phase"],
        deleted_at=None if row["deleted_at"] is None else int(row["deleted_at"]),
        doc=json.loads(row["doc"]),
        state=json.loads(row["state"]),
    )
