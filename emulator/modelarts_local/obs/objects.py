"""Objects as files: object ``k`` of bucket ``b`` is the file ``<folder of b>/k``, so that what is uploaded is
exactly what a local-mode job reads, and what a job writes is an object.

- **Writes** are staged out of sight (``staging.py``) and renamed into place once whole; the ETag, content type
  and metadata are recorded at the same time (``object_records.py``), under a per-key lock so that the record
  always describes the file that won.
- **Reads** open the file once and describe *that* file (its stat signature against the record), so a file
  replaced meanwhile is never mixed with the other's description; a file changed by other means is described
  from its content.
- **Keys** that cannot be a file are refused on writes (``InvalidArgument``) and are missing on reads: a key
  ending in ``/`` (a folder marker), with an empty, ``.`` or ``..`` segment, or a NUL; a key whose folder is an
  object, or that is a folder of objects. Deleting an object removes the folders it leaves empty, since OBS has
  no folders.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from . import errors
from .buckets import Buckets
from .listing import Listed, list_keys
from .object_records import DEFAULT_CONTENT_TYPE, ObjectRecord, ObjectRecords, is_regular, stat_signature
from .staging import IN_BUCKET_STAGING, StagedFile, StagingArea

MAX_KEY_BYTES = 1024
MAX_SEGMENT_BYTES = 255  # a file name, on the file systems we run on
_READ_CHUNK = 256 * 1024


@dataclass(frozen=True)
class ObjectInfo:
    """An object as OBS describes it."""

    key: str
    size: int
    last_modified: float  # epoch seconds
    etag: str  # unquoted
    content_type: str = DEFAULT_CONTENT_TYPE
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass
class OpenObject:
    """An object opened for reading: its file descriptor and its description. ``close`` it (or let
    :meth:`chunks` run to the end)."""

    fd: int
    info: ObjectInfo
    _closed: bool = False

    def chunks(self, start: int, length: int) -> Iterator[bytes]:
        """``length`` bytes from ``start``, in chunks; closes the file at the end, or if abandoned."""
        try:
            while length > 0:
                data = os.pread(self.fd, min(_READ_CHUNK, length), start)
                if not data:
                    return
                start += len(data)
                length -= len(data)
                yield data
        finally:
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self.fd)


@dataclass(frozen=True)
class Listing:
    """What a listing asks for: keys after ``marker`` starting with ``prefix``, rolled up at ``delimiter``."""

    prefix: str = ""
    marker: str = ""
    delimiter: str = ""
    max_keys: int = 1000


@dataclass(frozen=True)
class ListPage:
    """One page of a listing: objects and common prefixes in key order, and where the next page starts."""

    objects: list[ObjectInfo]
    common_prefixes: list[str]
    truncated: bool
    next_marker: str | None


class _KeyLocks:
    """A lock per (bucket, key), striped: renaming a file into place and recording it happen as one step."""

    def __init__(self, stripes: int = 64) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    def of(self, bucket: str, key: str) -> threading.Lock:
        return self._locks[hash((bucket, key)) % len(self._locks)]


class ObjectStore:
    """Objects of every bucket, as files in the bucket folders."""

    def __init__(self, buckets: Buckets, records: ObjectRecords, staging: StagingArea) -> None:
        self._buckets = buckets
        self._records = records
        self._staging = staging
        self._locks = _KeyLocks()

    # --- keys -----------------------------------------------------------------------------------------

    def file_for_write(self, bucket: str, key: str) -> Path:
        """The file an object will be written to; KeyTooLongError, or InvalidArgument for a key that cannot be one."""
        size = len(key.encode("utf-8", errors="surrogatepass"))
        if size > MAX_KEY_BYTES:
            raise errors.KeyTooLong(extra={"Size": str(size), "MaxSizeAllowed": str(MAX_KEY_BYTES)})
        problem = key_problem(key)
        if problem is not None:
            raise errors.InvalidArgument(f"The object key {key!r} cannot be stored by the local OBS: {problem}")
        return self._inside(bucket, key)

    def _file_for_read(self, bucket: str, key: str) -> Path:
        if key_problem(key) is not None:
            raise errors.NoSuchKey(extra={"Key": key})
        return self._inside(bucket, key)

    def _inside(self, bucket: str, key: str) -> Path:
        root = self._buckets.folder(bucket)
        path = root / key
        # No "." or ".." segment can lead out; a link to a folder elsewhere could.
        parent = path.parent.resolve()
        if parent != root.resolve() and root.resolve() not in parent.parents:
            raise errors.InvalidArgument(f"The object key {key!r} leads out of the bucket folder through a link")
        return path

    # --- writing --------------------------------------------------------------------------------------

    def new_staged(self, bucket: str) -> StagedFile:
        """A staged file for a new object of ``bucket`` (rename it into place with :meth:`commit`)."""
        return self._staging.new_file(self._buckets.folder(bucket))

    def commit(
        self,
        bucket: str,
        key: str,
        staged: StagedFile,
        *,
        etag: str,
        content_type: str | None,
        metadata: Mapping[str, str],
    ) -> ObjectInfo:
        """Rename a whole, checked staged file into place as the object, and record its description."""
        target = self.file_for_write(bucket, key)
        staged.close()
        with self._locks.of(bucket, key):
            self._rename_into_place(staged, target, key)
            st = os.stat(target, follow_symlinks=False)
            self._records.put(bucket, key, ObjectRecord(stat_signature(st), etag, content_type, dict(metadata)))
        return ObjectInfo(key, st.st_size, st.st_mtime, etag, content_type or DEFAULT_CONTENT_TYPE, dict(metadata))

    def _rename_into_place(self, staged: StagedFile, target: Path, key: str) -> None:
        for attempt in range(2):
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged.path, target)
                return
            except FileNotFoundError:  # a delete removed the emptied folder meanwhile: once more
                if attempt:
                    raise
            except (NotADirectoryError, FileExistsError):
                staged.discard()
                raise errors.InvalidArgument(
                    f"The object key {key!r} cannot be stored by the local OBS: a folder on its path is an object"
                ) from None
            except IsADirectoryError:
                staged.discard()
                raise errors.InvalidArgument(
                    f"The object key {key!r} cannot be stored by the local OBS: it is a folder of other objects"
                ) from None

    # --- reading --------------------------------------------------------------------------------------

    def open(self, bucket: str, key: str) -> OpenObject:
        """The object opened for reading, or NoSuchKey."""
        path = self._file_for_read(bucket, key)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.EISDIR, errno.ENAMETOOLONG):
                raise errors.NoSuchKey(extra={"Key": key}) from None
            raise
        try:
            st = os.fstat(fd)
            if not is_regular(st):
                raise errors.NoSuchKey(extra={"Key": key})
            return OpenObject(fd, self._describe(bucket, key, st, path, fd))
        except BaseException:
            os.close(fd)
            raise

    def head(self, bucket: str, key: str) -> ObjectInfo:
        opened = self.open(bucket, key)
        opened.close()
        return opened.info

    def _describe(self, bucket: str, key: str, st: os.stat_result, path: Path, fd: int) -> ObjectInfo:
        record = self._records.get(bucket, key)
        signature = stat_signature(st)
        if record is None or record.signature != signature:
            record = self._record_content(bucket, key, path, signature, _md5_of(fd))
        return _info(key, st, record)

    def _record_content(self, bucket: str, key: str, path: Path, signature: str, md5: str) -> ObjectRecord:
        """A file changed by other means (or never seen): described by its content, and recorded as such if it is
        still the file at the key."""
        record = ObjectRecord(signature, md5)
        with self._locks.of(bucket, key), contextlib.suppress(OSError):
            if stat_signature(os.stat(path, follow_symlinks=False)) == signature:
                self._records.put(bucket, key, record)
        return record

    # --- deleting -------------------------------------------------------------------------------------

    def delete(self, bucket: str, key: str) -> None:
        """Delete an object; nothing happens for a missing one. Folders left empty go too."""
        if key_problem(key) is not None:
            return
        path = self._inside(bucket, key)
        with self._locks.of(bucket, key):
            with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
                path.unlink()
            self._records.delete(bucket, key)
        self._remove_empty_folders(path.parent, self._buckets.folder(bucket))

    @staticmethod
    def _remove_empty_folders(folder: Path, root: Path) -> None:
        while folder != root and root in folder.parents:
            try:
                folder.rmdir()
            except OSError:  # not empty (or gone): the folders above are not empty either
                return
            folder = folder.parent

    # --- listing --------------------------------------------------------------------------------------

    def list(self, bucket: str, asked: Listing) -> ListPage:
        """One page of the bucket's listing (``listing.py``), each object described."""
        items = list_keys(
            self._buckets.folder(bucket),
            prefix=asked.prefix,
            marker=asked.marker,
            delimiter=asked.delimiter,
            hidden=frozenset({IN_BUCKET_STAGING}),
        )
        page = list(islice(items, asked.max_keys + 1))
        truncated = len(page) > asked.max_keys
        page = page[: asked.max_keys]
        files = [item for item in page if not item.is_prefix]
        records = self._records.get_many(bucket, [item.key for item in files])
        described = {item.key: self._listed_info(bucket, item, records.get(item.key)) for item in files}
        return ListPage(
            objects=[info for info in described.values() if info is not None],
            common_prefixes=[item.key for item in page if item.is_prefix],
            truncated=truncated,
            next_marker=page[-1].key if truncated and page else None,
        )

    def _listed_info(self, bucket: str, item: Listed, record: ObjectRecord | None) -> ObjectInfo | None:
        assert item.stat is not None
        signature = stat_signature(item.stat)
        if record is not None and record.signature == signature:
            return _info(item.key, item.stat, record)
        try:
            opened = self.open(bucket, item.key)  # reads and records its content's MD5
        except errors.NoSuchKey:
            return None  # gone since the folder was read
        opened.close()
        return opened.info


def key_problem(key: str) -> str | None:
    """Why a key cannot be a file in a bucket folder, or None."""
    if len(key.encode("utf-8", errors="surrogatepass")) > MAX_KEY_BYTES:
        return f"it is longer than {MAX_KEY_BYTES} bytes"
    if key.endswith("/"):
        return "a key ending in '/' is a folder marker, and the local OBS keeps no folder markers"
    if "\x00" in key:
        return "it contains a NUL character"
    segments = key.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return "it has an empty, '.' or '..' segment"
    if segments[0] == IN_BUCKET_STAGING:
        return f"{IN_BUCKET_STAGING}/ is where the local OBS stages uploads"
    if any(len(segment.encode("utf-8", errors="surrogatepass")) > MAX_SEGMENT_BYTES for segment in segments):
        return f"one of its segments is too long for a file name (more than {MAX_SEGMENT_BYTES} bytes)"
    return None


def _info(key: str, st: os.stat_result, record: ObjectRecord) -> ObjectInfo:
    return ObjectInfo(
        key, st.st_size, st.st_mtime, record.etag, record.content_type or DEFAULT_CONTENT_TYPE, dict(record.metadata)
    )


def _md5_of(fd: int) -> str:
    digest = hashlib.md5()
    offset = 0
    while data := os.pread(fd, 1024 * 1024, offset):
        digest.update(data)
        offset += len(data)
    return digest.hexdigest()
