"""Parallel transfers: a set of local files into OBS, and a prefix of OBS into a local folder.

Upload (:func:`upload_files`):

- one bounded thread pool (``workers``) runs every request: single PUTs, multipart initiations, parts and
  completions, so a big file's parts and many small files share the same workers and nothing waits on itself;
- files up to ``multipart_threshold`` go up in one PUT with ``Content-MD5``; bigger ones in parts of
  ``part_size`` (the SDK's ``uploadFile`` default, 9 MiB), each with its own ``Content-MD5``;
- every object gets its SHA-256 as metadata (``x-obs-meta-content-sha256``);
- objects already there with the same content are skipped: one listing of the keys' common prefix gives
  sizes and ETags; a single-part object matches when its ETag is the file's MD5, a multipart one (ETag
  ``<hex>-N``) when HEAD shows the same SHA-256 metadata;
- on the first failure nothing new is started, running requests finish, every multipart upload not completed
  is aborted, and :class:`TransferError` names the file. Objects already uploaded stay: they are whole, and the
  next run skips them.

Each request is retried by the transport (see :mod:`.transport`), so a 5xx or a dropped connection costs a
retry, not the transfer. Each worker holds at most one part (or one small file) in memory.

Download (:func:`download_prefix`): every object under a prefix, in parallel, each written to a temporary file
next to its target and renamed into place when complete and checked (size, and MD5 for single-part objects).
A body cut off mid-way is resumed with a ranged GET (``If-Match`` the listed ETag), up to ``max_retries`` times.

Why one module of over 400 lines: upload and download share the worker pool's rules, the skip/resume checks
(size, MD5, SHA-256 metadata) and :class:`TransferError`; the single requests they make live in :mod:`.client`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import requests

from ..errors import ModelArtsError
from .bodies import ObjectSummary, PartInfo
from .client import CONTENT_SHA256, ObsClient
from .errors import ObsError

logger = logging.getLogger("modelarts_pulumi.obs.transfer")

MIB = 1024 * 1024
DEFAULT_PART_SIZE = 9 * MIB  # esdk-obs-python uploadFile(partSize=9 MiB)
DEFAULT_MULTIPART_THRESHOLD = DEFAULT_PART_SIZE  # a file that fits in one SDK-sized part is one PUT
DEFAULT_WORKERS = 8
MIN_PART_SIZE = 100 * 1024  # OBS: every part but the last is at least 100 KiB
MAX_PART_SIZE = 5 * 1024 * MIB
MAX_PARTS = 10000
_READ_CHUNK = MIB
_DOWNLOAD_CHUNK = 64 * 1024  # the SDK's read size; a cut-off body loses at most this much to a resume


class TransferError(ModelArtsError):
    """An upload or download failed; ``path`` and ``key`` name the file and object, ``__cause__`` says why."""

    def __init__(self, message: str, *, path: Path | None, key: str) -> None:
        self.path = path
        self.key = key
        super().__init__(message)


@dataclass(frozen=True)
class TransferConfig:
    """Parallelism and multipart sizes. Part size is clamped as the SDK clamps it (100 KiB..5 GiB, and raised so
    that a file needs at most 10,000 parts)."""

    workers: int = DEFAULT_WORKERS
    part_size: int = DEFAULT_PART_SIZE
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if not MIN_PART_SIZE <= self.part_size <= MAX_PART_SIZE:
            raise ValueError(
                f"part_size must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes, got {self.part_size}"
            )
        if self.multipart_threshold < 0:
            raise ValueError(f"multipart_threshold must not be negative, got {self.multipart_threshold}")

    def part_size_for(self, size: int) -> int:
        return max(self.part_size, -(-size // MAX_PARTS))


@dataclass(frozen=True)
class UploadItem:
    """A local file and the object key it goes to; its SHA-256 (hex) when the caller already read it (a big
    file is then read once less)."""

    path: Path
    key: str
    sha256: str | None = None


@dataclass
class TransferReport:
    """What a transfer did: keys transferred and skipped (unchanged), and their bytes."""

    transferred: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    bytes_transferred: int = 0
    bytes_skipped: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, key: str, size: int, *, skipped: bool) -> None:
        with self._lock:
            if skipped:
                self.skipped.append(key)
                self.bytes_skipped += size
            else:
                self.transferred.append(key)
                self.bytes_transferred += size


def file_hash(path: Path, algorithm: str) -> str:
    """The hex digest of a file (``md5``, ``sha256``), read in chunks."""
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(_READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _common_prefix(keys: Iterable[str]) -> str:
    prefix = posixpath.commonprefix(list(keys))
    return prefix[: prefix.rfind("/") + 1]


@dataclass
class _Multipart:
    item: UploadItem
    size: int
    sha256: str
    upload_id: str
    part_size: int
    parts: dict[int, PartInfo] = field(default_factory=dict)

    @property
    def part_count(self) -> int:
        return max(1, -(-self.size // self.part_size))


@dataclass(eq=False)
class _Uploader:
    """Runs one upload: tasks on the pool, their follow-ups (continuations) in the calling thread."""

    client: ObsClient
    bucket: str
    config: TransferConfig
    existing: Mapping[str, ObjectSummary]
    pool: ThreadPoolExecutor
    report: TransferReport = field(default_factory=TransferReport, init=False)
    pending: dict[Future[Any], tuple[UploadItem, Callable[[Any], None]]] = field(default_factory=dict, init=False)
    finished: queue.SimpleQueue[Future[Any]] = field(default_factory=queue.SimpleQueue, init=False)
    open_uploads: dict[str, _Multipart] = field(default_factory=dict, init=False)  # key -> not yet completed
    _open_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def submit(self, item: UploadItem, task: Callable[[], Any], then: Callable[[Any], None]) -> None:
        future = self.pool.submit(task)
        self.pending[future] = (item, then)
        # Each finished (or cancelled) future queues itself: taking the next one costs the same whatever the
        # number pending (concurrent.futures.wait would watch every pending future on each call).
        future.add_done_callback(self.finished.put)

    def run(self, items: list[UploadItem]) -> TransferReport:
        sizes = []
        for item in items:  # every file is looked at before anything is sent
            try:
                sizes.append(item.path.stat().st_size)
            except OSError as exc:
                raise TransferError(
                    f"cannot read {item.path}: {exc.strerror or exc}", path=item.path, key=item.key
                ) from exc
        for item, size in zip(items, sizes, strict=True):
            if size > self.config.multipart_threshold:
                self.submit(item, partial(self._start_multipart, item), self._after_start)
            else:
                self.submit(item, partial(self._put_single, item), _ignore)
        failure: tuple[UploadItem, BaseException] | None = None
        while self.pending:
            future = self.finished.get()
            item, then = self.pending.pop(future)
            if future.cancelled():
                continue
            error = future.exception()
            if error is not None:
                if failure is None:
                    failure = (item, error)
                    for other in list(self.pending):
                        other.cancel()  # not started yet: never start
                continue
            if failure is None:
                then(future.result())
        if failure is not None:
            self._abort_open_uploads()
            item, error = failure
            raise _transfer_error(item, error) from error
        return self.report

    # --- single PUT ----------------------------------------------------------------------------------------

    def _put_single(self, item: UploadItem) -> None:
        data = item.path.read_bytes()
        md5 = hashlib.md5(data).hexdigest()
        known = self.existing.get(item.key)
        if known is not None and known.size == len(data) and known.etag == md5:
            self.report.add(item.key, len(data), skipped=True)
            return
        sha256 = item.sha256 or hashlib.sha256(data).hexdigest()
        self.client.put_object(self.bucket, item.key, data, metadata={CONTENT_SHA256: sha256})
        self.report.add(item.key, len(data), skipped=False)

    # --- multipart -----------------------------------------------------------------------------------------

    def _unchanged(self, item: UploadItem, size: int, sha256: str) -> bool:
        known = self.existing.get(item.key)
        if known is None or known.size != size:
            return False
        if not known.is_multipart:  # put in one piece (by another tool): its ETag is its MD5
            return known.etag == file_hash(item.path, "md5")
        info = self.client.head_object(self.bucket, item.key)
        return info is not None and info.content_sha256 == sha256

    def _start_multipart(self, item: UploadItem) -> _Multipart | None:
        size = item.path.stat().st_size
        sha256 = item.sha256 or file_hash(item.path, "sha256")
        if self._unchanged(item, size, sha256):
            self.report.add(item.key, size, skipped=True)
            return None
        upload_id = self.client.initiate_multipart_upload(self.bucket, item.key, metadata={CONTENT_SHA256: sha256})
        upload = _Multipart(item, size, sha256, upload_id, self.config.part_size_for(size))
        with self._open_lock:
            self.open_uploads[item.key] = upload
        return upload

    def _after_start(self, upload: _Multipart | None) -> None:
        if upload is None:
            return
        for number in range(1, upload.part_count + 1):
            self.submit(upload.item, partial(self._put_part, upload, number), partial(self._after_part, upload))

    def _put_part(self, upload: _Multipart, number: int) -> PartInfo:
        offset = (number - 1) * upload.part_size
        with upload.item.path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(upload.part_size)
        if len(data) != min(upload.part_size, upload.size - offset):
            raise OSError(f"{upload.item.path} changed size during the upload")
        return self.client.upload_part(self.bucket, upload.item.key, upload.upload_id, number, data)

    def _after_part(self, upload: _Multipart, part: PartInfo) -> None:
        upload.parts[part.part_number] = part
        if len(upload.parts) == upload.part_count:
            self.submit(upload.item, partial(self._complete, upload), _ignore)

    def _complete(self, upload: _Multipart) -> None:
        self.client.complete_multipart_upload(
            self.bucket,
            upload.item.key,
            upload.upload_id,
            list(upload.parts.values()),
            expected_sha256=upload.sha256,
        )
        with self._open_lock:
            self.open_uploads.pop(upload.item.key, None)
        self.report.add(upload.item.key, upload.size, skipped=False)

    def _abort_open_uploads(self) -> None:
        with self._open_lock:
            uploads = list(self.open_uploads.values())
            self.open_uploads.clear()
        for upload in uploads:
            try:
                self.client.abort_multipart_upload(self.bucket, upload.item.key, upload.upload_id)
            except ObsError as exc:
                logger.warning("could not abort the multipart upload of %s: %s", upload.item.key, exc)


def _ignore(_: Any) -> None:
    return None


def _transfer_error(item: UploadItem, error: BaseException) -> TransferError:
    if isinstance(error, OSError) and not isinstance(error, ObsError):
        reason = error.strerror or str(error)
        return TransferError(f"cannot read {item.path}: {reason}", path=item.path, key=item.key)
    return TransferError(f"upload of {item.path} to {item.key!r} failed: {error}", path=item.path, key=item.key)


def existing_objects(client: ObsClient, bucket: str, keys: Iterable[str]) -> dict[str, ObjectSummary]:
    """The objects already under the keys' common prefix, by key (one paged listing)."""
    wanted = set(keys)
    if not wanted:
        return {}
    return {
        obj.key: obj for obj in client.iter_objects(bucket, prefix=_common_prefix(wanted) or None) if obj.key in wanted
    }


def upload_files(
    client: ObsClient,
    bucket: str,
    items: Iterable[UploadItem],
    *,
    config: TransferConfig | None = None,
    skip_unchanged: bool = True,
) -> TransferReport:
    """Upload files in parallel, skipping those already there with the same content (module doc)."""
    todo = list(items)
    keys = [item.key for item in todo]
    duplicates = sorted({key for key in keys if keys.count(key) > 1}) if len(set(keys)) != len(keys) else []
    if duplicates:
        raise ValueError(f"two files map to the same object key: {', '.join(duplicates[:5])}")
    config = config or TransferConfig()
    existing = existing_objects(client, bucket, keys) if skip_unchanged else {}
    with ThreadPoolExecutor(config.workers, thread_name_prefix="obs-upload") as pool:
        return _Uploader(client, bucket, config, existing, pool).run(todo)


# --- download -----------------------------------------------------------------------------------------------


def _target(destination: Path, prefix: str, key: str) -> Path:
    relative = key[len(prefix) :].lstrip("/")
    target = (destination / relative).resolve()
    root = destination.resolve()
    if not relative or not target.is_relative_to(root):
        raise TransferError(f"object key {key!r} would be written outside {destination}", path=None, key=key)
    return target


def _download_one(client: ObsClient, bucket: str, obj: ObjectSummary, target: Path, max_resumes: int) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    md5 = hashlib.md5()
    written = 0
    resumes = 0
    try:
        with partial.open("wb") as handle:
            while True:
                byte_range = (written, None) if written else None
                try:
                    with client.open_object(bucket, obj.key, byte_range=byte_range, if_match=obj.etag) as response:
                        if byte_range is not None and response.status_code != 206:
                            # The range was ignored: the whole object comes again, so start the file over.
                            handle.seek(0)
                            handle.truncate()
                            md5, written = hashlib.md5(), 0
                        for chunk in response.iter_content(_DOWNLOAD_CHUNK):
                            handle.write(chunk)
                            md5.update(chunk)
                            written += len(chunk)
                    break
                except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                    resumes += 1
                    if resumes > max_resumes:
                        raise ObsError(
                            0,
                            type(exc).__name__,
                            "the download broke off too often",
                            method="GET",
                            resource=f"/{bucket}/{obj.key}",
                        ) from None
                    logger.debug("GET /%s/%s broke off after %d bytes; resuming", bucket, obj.key, written)
        if written != obj.size:
            raise ObsError(
                0, "IncompleteBody", f"got {written} of {obj.size} bytes", method="GET", resource=f"/{bucket}/{obj.key}"
            )
        if not obj.is_multipart and md5.hexdigest() != obj.etag:
            raise ObsError(
                0,
                "BadDigest",
                "the downloaded bytes do not match the object's ETag",
                method="GET",
                resource=f"/{bucket}/{obj.key}",
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def download_prefix(
    client: ObsClient,
    bucket: str,
    prefix: str,
    destination: Path,
    *,
    config: TransferConfig | None = None,
) -> TransferReport:
    """Download every object under ``prefix`` into ``destination`` (keys relative to the prefix become paths).

    Keys ending in ``/`` (folder markers) are skipped; a key that would land outside ``destination`` is refused.
    """
    config = config or TransferConfig()
    objects = [obj for obj in client.iter_objects(bucket, prefix=prefix or None) if not obj.key.endswith("/")]
    targets = {obj.key: _target(destination, prefix, obj.key) for obj in objects}
    report = TransferReport()
    max_resumes = client.transport.settings.max_retries
    with ThreadPoolExecutor(config.workers, thread_name_prefix="obs-download") as pool:
        futures = {
            pool.submit(_download_one, client, bucket, obj, targets[obj.key], max_resumes): obj for obj in objects
        }
        first_error: tuple[ObjectSummary, BaseException] | None = None
        for future in futures:
            error = future.exception()
            obj = futures[future]
            if error is None:
                report.add(obj.key, obj.size, skipped=False)
            elif first_error is None:
                first_error = (obj, error)
                for other in futures:
                    other.cancel()
        if first_error is not None:
            obj, error = first_error
            raise TransferError(
                f"download of {obj.key!r} failed: {error}", path=targets[obj.key], key=obj.key
            ) from error
    return report


__all__ = [
    "DEFAULT_MULTIPART_THRESHOLD",
    "DEFAULT_PART_SIZE",
    "DEFAULT_WORKERS",
    "TransferConfig",
    "TransferError",
    "TransferReport",
    "UploadItem",
    "download_prefix",
    "existing_objects",
    "file_hash",
    "upload_files",
]
