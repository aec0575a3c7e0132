"""SQLite persistence under DATA_DIR: the on-disk format (schema and migrations) and transactions.

Every service keeps its rows through a small repository of its own (``identity.TokenStore``,
``training/algorithm_store.py``, ``training/job_store.py``); this module owns the file, the schema they
share and the one connection.

One connection, shared by the request threads and the ticker, guarded by one re-entrant lock: SQLite
serialises writers anyway, and holding the lock across ``with store.transaction():`` makes a
read-check-write sequence (duplicate names, quotas, phase changes) atomic. The transaction is opened
(``BEGIN IMMEDIATE``) by its first write, so a block that only reads costs no transaction at all; that is
safe because nothing else writes the file (one server per data dir).

Durability: WAL with ``synchronous=NORMAL``. A commit is in the WAL, in the operating system's hands,
before the answer goes out, so a crash or kill of the server loses nothing acknowledged; only an
operating-system crash or power loss could lose the last commits (``FULL`` would fsync every commit for
that, a cost a local stand-in for a cloud service has no need to pay).

Work that must follow a commit but need not hold the store (writing files) is registered with
``after_commit``: it runs once the outermost transaction has committed, outside the lock, in order, and
is dropped (``on_rollback`` runs instead) if the transaction or its savepoint is rolled back.

Background work (the ticker) keeps out of the requests' way: it checkpoints the WAL on a connection of its
own (``checkpoint``), not inside some request's commit, and it steps aside between its batches when a
request had to wait for the store (``step_aside``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "2"

#: The WAL size (pages of 4 KiB) at which a commit checkpoints by itself, when checkpoint() has not.
_AUTOCHECKPOINT_PAGES = 10_000
#: How long background work leaves the store to waiting requests between its batches.
_STEP_ASIDE_SECONDS = 0.002

#: The phases after which a job never changes again (``training/phases.py`` is the authority; the
#: migration below needs them as literals because it runs before any service is built).
_TERMINAL_PHASES = "('Completed', 'Failed', 'Terminated', 'Abnormal')"

#: The tables. A table added later (``temporary_keys``, the ``obs_*`` ones) needs no new schema version: it is
#: created on the next start, empty, which is what an older data dir had.
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
    state TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    algorithm_name TEXT NOT NULL DEFAULT '',
    wake_at INTEGER
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_job ON events (job_id, time_ms);
CREATE TABLE IF NOT EXISTS temporary_keys (
    access_key TEXT PRIMARY KEY,
    expires_at REAL NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS obs_objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    stat TEXT NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT,
    metadata TEXT NOT NULL,
    PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS obs_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    content_type TEXT,
    metadata TEXT NOT NULL,
    initiated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS obs_parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified REAL NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);
CREATE TABLE IF NOT EXISTS job_tags (
    job_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (job_id, key)
);
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

#: Indexes of the current schema: jobs by workspace and name, carrying what searches filter and sort on
#: most (unique names and search by name read this index alone), and the ticker's "which jobs are due".
_INDEXES = """
CREATE INDEX IF NOT EXISTS jobs_by_name ON jobs (project_id, workspace_id, name, create_time, phase, id);
CREATE INDEX IF NOT EXISTS jobs_by_wake_at ON jobs (wake_at);
"""

#: From schema 1: the columns search filters on, and the ticker's wake-up time (0: look at it at once).
_MIGRATE_1_TO_2 = f"""
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN algorithm_name TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN wake_at INTEGER;
UPDATE jobs SET kind = coalesce(json_extract(doc, '$.kind'), ''),
    algorithm_name = coalesce(json_extract(doc, '$.algorithm.name'), ''),
    wake_at = CASE WHEN phase NOT IN {_TERMINAL_PHASES} OR deleted_at IS NOT NULL THEN 0 END;
DROP INDEX IF EXISTS jobs_by_project;
"""


class Store:
    """The SQLite file of one server: one connection, one lock, lazily opened transactions."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0  # nesting of transaction() blocks
        self._writing = False  # whether the current block has begun its write transaction
        self._contended = False  # whether a caller had to wait for the lock since step_aside() last looked
        self._after_commit: list[tuple[Callable[[], None], Callable[[], None]]] = []  # (then, on_rollback)
        self._checkpointer: sqlite3.Connection | None = None
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing stays uncommitted by accident.
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        # Search filters compare names case-insensitively, beyond ASCII (SQLite's lower() is ASCII only).
        self._conn.create_function("unicode_lower", 1, _lower, deterministic=True)
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            # checkpoint() normally keeps the WAL short; this is the safety net when nobody calls it.
            self._conn.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")
            self._migrate()

    def _migrate(self) -> None:
        fresh = self._conn.execute("SELECT name FROM sqlite_master WHERE name='meta'").fetchone() is None
        self._conn.executescript(_SCHEMA)
        row = self._conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = SCHEMA_VERSION if fresh or row is None else str(row["value"])
        if version == "1":
            self._conn.executescript(f"BEGIN; {_MIGRATE_1_TO_2} COMMIT;")
            version = "2"
        if version != SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: schema version {version} is not supported (want {SCHEMA_VERSION})")
        self._conn.executescript(_INDEXES)
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (version,))

    def close(self) -> None:
        with self._lock:
            if self._checkpointer is not None:
                self._checkpointer.close()
            self._conn.close()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if not self._lock.acquire(blocking=False):
            self._contended = True
            self._lock.acquire()
        try:
            yield
        finally:
            self._lock.release()

    def step_aside(self) -> None:
        """For background work between two of its batches: if a request waited for the store meanwhile, let it
        (and the others waiting) have it for a moment."""
        if self._contended:
            self._contended = False
            time.sleep(_STEP_ASIDE_SECONDS)
        else:
            time.sleep(0)

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the database, without waiting for anyone (``PASSIVE``), on a connection
        of its own so that requests go on meanwhile. Call it from one background thread."""
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Store calls inside see one state and commit together (or not at all); nested uses join the outer one."""
        with self._locked():
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                yield
                if self._writing:
                    self._conn.execute("COMMIT")
            except BaseException:
                if self._writing and self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                self._drop_after_commit(0)
                raise
            finally:
                self._depth = 0
                self._writing = False
            then, self._after_commit = self._after_commit, []
        _run_all(run for run, _ in then)  # committed; the lock is free again

    def after_commit(self, run: Callable[[], None], on_rollback: Callable[[], None] = lambda: None) -> None:
        """Run ``run`` once the enclosing transaction has committed, outside the lock (at once outside one);
        if it is rolled back instead, ``on_rollback``."""
        with self._locked():
            if self._depth:
                self._after_commit.append((run, on_rollback))
                return
        run()

    def _drop_after_commit(self, keep: int) -> None:
        dropped, self._after_commit = self._after_commit[keep:], self._after_commit[:keep]
        _run_all(on_rollback for _, on_rollback in dropped)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction block: the store calls inside are undone alone if they raise (then re-raised),
        while the rest of the block's transaction goes on."""
        with self._lock:
            if not self._depth:
                raise RuntimeError("a savepoint needs an enclosing transaction()")
            self._begin()
            self._conn.execute("SAVEPOINT item")
            registered = len(self._after_commit)
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK TO item")
                self._conn.execute("RELEASE item")
                self._drop_after_commit(registered)
                raise
            self._conn.execute("RELEASE item")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """A write: inside a transaction block it joins (or begins) the block's transaction."""
        with self._locked():
            if self._depth:
                self._begin()
            return self._conn.execute(sql, params)

    def _begin(self) -> None:
        if not self._writing:
            self._conn.execute("BEGIN IMMEDIATE")
            self._writing = True

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._locked():
            return self._conn.execute(sql, params).fetchall()


def _run_all(calls: Iterable[Callable[[], None]]) -> None:
    """Run every call, even when one raises; then raise the first error."""
    error: BaseException | None = None
    for call in calls:
        try:
            call()
        except BaseException as exc:
            error = error or exc
    if error is not None:
        raise error


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value
