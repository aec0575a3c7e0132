"""Stored algorithms: the indexed columns and the wire document, in and out of SQLite."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ..store import Store


@dataclass
class AlgorithmRow:
    """A stored algorithm: its indexed columns and its wire document (the AlgorithmResponse)."""

    id: str
    project_id: str
    workspace_id: str
    name: str
    create_time: int
    doc: dict[str, Any]


class AlgorithmStore:
    """The ``algorithms`` table."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def put(self, row: AlgorithmRow) -> None:
        self._store.execute(
            "INSERT OR REPLACE INTO algorithms (id, project_id, workspace_id, name, create_time, doc)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (row.id, row.project_id, row.workspace_id, row.name, row.create_time, json.dumps(row.doc)),
        )

    def get(self, project_id: str, algorithm_id: str) -> AlgorithmRow | None:
        rows = self._store.query("SELECT * FROM algorithms WHERE id=? AND project_id=?", (algorithm_id, project_id))
        return _row(rows[0]) if rows else None

    def find_by_name(self, project_id: str, workspace_id: str, name: str) -> AlgorithmRow | None:
        rows = self._store.query(
            "SELECT * FROM algorithms WHERE project_id=? AND workspace_id=? AND name=?",
            (project_id, workspace_id, name),
        )
        return _row(rows[0]) if rows else None

    def list(self, project_id: str, workspace_id: str) -> list[AlgorithmRow]:
        rows = self._store.query(
            "SELECT * FROM algorithms WHERE project_id=? AND workspace_id=?", (project_id, workspace_id)
        )
        return [_row(r) for r in rows]

    def delete(self, algorithm_id: str) -> None:
        self._store.execute("DELETE FROM algorithms WHERE id=?", (algorithm_id,))

    def count(self, project_id: str | None = None) -> int:
        if project_id is None:
            return int(self._store.query("SELECT COUNT(*) AS n FROM algorithms")[0]["n"])
        return int(self._store.query("SELECT COUNT(*) AS n FROM algorithms WHERE project_id=?", (project_id,))[0]["n"])


def _row(row: sqlite3.Row) -> AlgorithmRow:
    return AlgorithmRow(
        id=row["id"],
        project_id=row["project_id"],
        workspace_id=row["workspace_id"],
        name=row["name"],
        create_time=int(row["create_time"]),
        doc=json.loads(row["doc"]),
    )
