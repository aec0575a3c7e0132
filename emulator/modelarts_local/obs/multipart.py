"""Multipart uploads: initiate, upload parts, list them, complete or abort, as OBS does them.

An upload and its parts are recorded in SQLite (``obs_uploads``, ``obs_parts``); the parts' bytes wait in
``DATA_DIR/obs-work/uploads/<upload id>/<part number>``, outside every bucket folder, so that nothing of an
unfinished upload is visible to a listing or a job. Completing assembles the chosen parts into a staged file,
renames it into place and forgets the upload, in one step; the object's ETag is OBS's (the S3 convention):
the MD5 of the parts' binary MD5s, then ``-<number of parts>``.

Checks at completion, in OBS's order: part numbers ascending (``InvalidPartOrder``), every part uploaded with
that ETag (``InvalidPart``), every part but the last at least ``min_part_bytes`` (``EntityTooSmall``). An
unknown, completed or aborted upload id is ``NoSuchUpload``.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..store import Store
from . import errors
from .objects import ObjectInfo, ObjectStore
from .staging import StagedFile

MAX_PART_NUMBER = 10000


@dataclass(frozen=True)
class Upload:
    upload_id: str
    bucket: str
    key: str
    content_type: str | None
    metadata: Mapping[str, str] = field(default_factory=dict)
    initiated: float = 0.0


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str  # unquoted hex MD5
    modified: float


@dataclass(frozen=True)
class UploadsListing:
    """What a listing of uploads in progress asks for: those after the markers, with keys starting with ``prefix``."""

    prefix: str = ""
    key_marker: str = ""
    upload_id_marker: str = ""
    limit: int = 1000


@dataclass(frozen=True)
class UploadsPage:
    uploads: list[Upload]
    truncated: bool


@dataclass(frozen=True)
class PartsPage:
    parts: list[Part]
    truncated: bool
    next_marker: int | None


class MultipartUploads:
    """Every multipart upload in progress, on every bucket."""

    def __init__(self, store: Store, work_dir: Path, objects: ObjectStore, min_part_bytes: int) -> None:
        self._store = store
        self._parts_root = work_dir / "uploads"
        self._objects = objects
        self._min_part_bytes = min_part_bytes

    def initiate(
        self, bucket: str, key: str, content_type: str | None, metadata: Mapping[str, str], now: float
    ) -> Upload:
        self._objects.file_for_write(bucket, key)  # a key that cannot be stored is refused now, not at the end
        upload = Upload(secrets.token_hex(16).upper(), bucket, key, content_type, dict(metadata), now)
        self._store.execute(
            "INSERT INTO obs_uploads (upload_id, bucket, key, content_type, metadata, initiated) VALUES (?,?,?,?,?,?)",
            (upload.upload_id, bucket, key, content_type, json.dumps(dict(metadata)), now),
        )
        return upload

    def get(self, upload_id: str, bucket: str, key: str) -> Upload:
        """The upload in progress with this id for this object, or NoSuchUpload."""
        rows = self._store.query(
            "SELECT upload_id, bucket, key, content_type, metadata, initiated FROM obs_uploads WHERE upload_id=?",
            (upload_id,),
        )
        if not rows or (rows[0]["bucket"], rows[0]["key"]) != (bucket, key):
            raise errors.NoSuchUpload(extra={"UploadId": upload_id})
        return _upload(rows[0])

    def in_progress(self, bucket: str, asked: UploadsListing) -> UploadsPage:
        """The bucket's uploads in progress, by key then upload id, after the markers."""
        prefix, key_marker, limit = asked.prefix, asked.key_marker, asked.limit
        rows = self._store.query(
            "SELECT upload_id, bucket, key, content_type, metadata, initiated FROM obs_uploads "
            "WHERE bucket=? AND substr(key, 1, length(?))=? AND (key>? OR (key=? AND upload_id>?)) "
            "ORDER BY key, upload_id LIMIT ?",
            (bucket, prefix, prefix, key_marker, key_marker, asked.upload_id_marker, limit + 1),
        )
        uploads = [_upload(row) for row in rows]
        return UploadsPage(uploads[:limit], len(uploads) > limit)

    def new_part_file(self, upload: Upload) -> StagedFile:
        return StagedFile(self._parts_root / upload.upload_id)

    def save_part(self, upload: Upload, number: int, staged: StagedFile, now: float) -> Part:
        """Keep a received part (replacing an earlier one of the same number)."""
        staged.close()
        part = Part(number, staged.size, staged.md5_hex, now)
        final = self._parts_root / upload.upload_id / str(number)
        with self._store.transaction():
            if not self._store.query("SELECT 1 FROM obs_uploads WHERE upload_id=?", (upload.upload_id,)):
                staged.discard()  # completed or aborted while this part was on its way
                raise errors.NoSuchUpload(extra={"UploadId": upload.upload_id})
            os.replace(staged.path, final)
            self._store.execute(
                "INSERT OR REPLACE INTO obs_parts (upload_id, part_number, size, etag, modified) VALUES (?,?,?,?,?)",
                (upload.upload_id, number, part.size, part.etag, now),
            )
        return part

    def parts(self, upload: Upload, *, marker: int, max_parts: int) -> PartsPage:
        rows = self._store.query(
            "SELECT part_number, size, etag, modified FROM obs_parts WHERE upload_id=? AND part_number>? "
            "ORDER BY part_number LIMIT ?",
            (upload.upload_id, marker, max_parts + 1),
        )
        parts = [Part(row["part_number"], row["size"], row["etag"], row["modified"]) for row in rows]
        truncated = len(parts) > max_parts
        parts = parts[:max_parts]
        return PartsPage(parts, truncated, parts[-1].number if truncated and parts else None)

    def complete(self, upload: Upload, chosen: Sequence[tuple[int, str]]) -> ObjectInfo:
        """Assemble the chosen parts (number, ETag) into the object; the upload is gone afterwards."""
        numbers = [number for number, _ in chosen]
        if any(later <= earlier for earlier, later in itertools.pairwise(numbers)):
            raise errors.InvalidPartOrder(extra={"UploadId": upload.upload_id})
        uploaded = {part.number: part for part in self._all_parts(upload)}
        for index, (number, etag) in enumerate(chosen):
            part = uploaded.get(number)
            if part is None or part.etag != etag.strip().strip('"').lower():
                raise errors.InvalidPart(extra={"UploadId": upload.upload_id, "PartNumber": str(number)})
            if index < len(chosen) - 1 and part.size < self._min_part_bytes:
                raise errors.EntityTooSmall(
                    extra={"ProposedSize": str(part.size), "MinSizeAllowed": str(self._min_part_bytes)}
                )
        staged = self._objects.new_staged(upload.bucket)
        try:
            folder = self._parts_root / upload.upload_id
            for number, _ in chosen:
                with open(folder / str(number), "rb") as source:
                    staged.write_from(source.fileno(), 0, uploaded[number].size)
            self.get(upload.upload_id, upload.bucket, upload.key)  # not completed or aborted meanwhile
            # Not inside a store transaction: commit takes the key's lock, then the store's (never the reverse).
            info = self._objects.commit(
                upload.bucket,
                upload.key,
                staged,
                etag=multipart_etag([uploaded[number].etag for number in numbers]),
                content_type=upload.content_type,
                metadata=upload.metadata,
            )
        except BaseException:
            staged.discard()
            raise
        with self._store.transaction():
            self._forget(upload.upload_id)
        return info

    def abort(self, upload: Upload) -> None:
        with self._store.transaction():
            self._forget(upload.upload_id)

    def _all_parts(self, upload: Upload) -> list[Part]:
        return self.parts(upload, marker=0, max_parts=MAX_PART_NUMBER).parts

    def _forget(self, upload_id: str) -> None:
        """Inside a transaction: the upload's records go now, its parts' files once that is committed."""
        self._store.execute("DELETE FROM obs_parts WHERE upload_id=?", (upload_id,))
        self._store.execute("DELETE FROM obs_uploads WHERE upload_id=?", (upload_id,))
        folder = self._parts_root / upload_id
        self._store.after_commit(lambda: shutil.rmtree(folder, ignore_errors=True))

    def forget_bucket(self, bucket: str) -> None:
        """A deleted bucket's uploads in progress go with it."""
        with self._store.transaction():
            for row in self._store.query("SELECT upload_id FROM obs_uploads WHERE bucket=?", (bucket,)):
                self._forget(row["upload_id"])


def _upload(row: sqlite3.Row) -> Upload:
    return Upload(
        row["upload_id"], row["bucket"], row["key"], row["content_type"], json.loads(row["metadata"]),
        float(row["initiated"]),
    )  # fmt: skip


def multipart_etag(part_etags: Sequence[str]) -> str:
    """``md5(binary MD5s of the parts, in order)-<number of parts>``, hex."""
    joined = b"".join(bytes.fromhex(etag) for etag in part_etags)
    return f"{hashlib.md5(joined).hexdigest()}-{len(part_etags)}"


def parse_part_number(value: str | None) -> int:
    """``partNumber``: 1..10000, or InvalidArgument."""
    with contextlib.suppress(TypeError, ValueError):
        number = int(value or "")
        if 1 <= number <= MAX_PART_NUMBER:
            return number
    raise errors.InvalidArgument(
        f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive", extra={"PartNumber": str(value)}
    )
