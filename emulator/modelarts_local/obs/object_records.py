"""What OBS knows of an object that its file does not say: the ETag, the content type and the user metadata.

The bytes of an object are its file in the bucket folder, so that a local-mode job reads exactly what was
uploaded. The rest lives here, in the SQLite store, keyed by bucket and key, and never in the bucket folder,
which stays exactly what the user (and the job) put there.

A record holds the *stat signature* of the file it describes (inode, size, modification and change times in
nanoseconds). When the file is changed by other means (a job writing its outputs, a user editing a file), the
signature no longer matches: the record is stale, the object is described afresh from its content (ETag = MD5,
``binary/octet-stream``, no metadata), and that description is recorded in its place, so that the MD5 of an
unchanged file is computed once. Every write, rename or ``chmod`` changes the change time, which no program can
set back, so a changed file is never mistaken for the recorded one.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat as stat_module
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..store import Store

DEFAULT_CONTENT_TYPE = "binary/octet-stream"


def stat_signature(st: os.stat_result) -> str:
    """What identifies one version of a file: ``inode:size:mtime_ns:ctime_ns``."""
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def is_regular(st: os.stat_result) -> bool:
    return stat_module.S_ISREG(st.st_mode)


@dataclass(frozen=True)
class ObjectRecord:
    """The recorded description of one version of an object's file."""

    signature: str
    etag: str  # unquoted: hex MD5, or "<hex>-<parts>" for a multipart upload
    content_type: str | None = None  # None: not given by an upload
    metadata: Mapping[str, str] = field(default_factory=dict)  # lower-case names, without the x-*-meta- prefix


class ObjectRecords:
    """The ``obs_objects`` table: one record per bucket and key."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, bucket: str, key: str) -> ObjectRecord | None:
        rows = self._store.query(
            "SELECT stat, etag, content_type, metadata FROM obs_objects WHERE bucket=? AND key=?", (bucket, key)
        )
        return _record(rows[0]) if rows else None

    def get_many(self, bucket: str, keys: Iterable[str]) -> dict[str, ObjectRecord]:
        wanted = list(keys)
        found: dict[str, ObjectRecord] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._store.query(
                f"SELECT key, stat, etag, content_type, metadata FROM obs_objects WHERE bucket=? AND key IN ({marks})",
                (bucket, *chunk),
            )
            found.update((row["key"], _record(row)) for row in rows)
        return found

    def put(self, bucket: str, key: str, record: ObjectRecord) -> None:
        self._store.execute(
            "INSERT OR REPLACE INTO obs_objects (bucket, key, stat, etag, content_type, metadata) VALUES (?,?,?,?,?,?)",
            (bucket, key, record.signature, record.etag, record.content_type, json.dumps(dict(record.metadata))),
        )

    def delete(self, bucket: str, key: str) -> None:
        self._store.execute("DELETE FROM obs_objects WHERE bucket=? AND key=?", (bucket, key))

    def delete_bucket(self, bucket: str) -> None:
        self._store.execute("DELETE FROM obs_objects WHERE bucket=?", (bucket,))


def _record(row: sqlite3.Row) -> ObjectRecord:
    content_type = row["content_type"]
    return ObjectRecord(
        signature=str(row["stat"]),
        etag=str(row["etag"]),
        content_type=None if content_type is None else str(content_type),
        metadata=json.loads(str(row["metadata"])),
    )
