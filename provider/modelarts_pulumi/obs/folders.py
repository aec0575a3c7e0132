"""A content-addressed folder in OBS that several users may share: put it, check it, let it go.

The folder ``/<bucket>/<prefix><name>/`` is named after its content (:mod:`modelarts_pulumi.content`), so two
users who upload the same content to the same prefix (two stacks, or a replacement of the same resource) get the
same folder and the same objects. Each user holds it with a marker object beside it,
``<prefix>.holders/<name>/<holder id>.json``, naming the user (``holder``, e.g. ``project/stack/resource``) and
the instance that wrote it (the resource's ID). The content's objects are deleted only by the last holder to go:

- :func:`publish` checks the bucket, writes the marker *first* (so a holder that is letting go at the same moment
  sees it and keeps the objects), uploads what is not there yet, then lists again and uploads what is still
  missing (a holder that listed the markers just before ours and deleted the objects during our upload). If
  anything fails, it lets go again (:func:`release`), so a failed upload leaves nothing of its own behind.
- :func:`release` deletes the marker, if it is still this instance's (a replacement of the same resource may
  have taken it over), and then, if no other marker remains, the content's objects (listed by the caller) and
  the multipart uploads left open under the folder (by a run that failed or was killed).
- :func:`missing` tells what a refresh finds gone: the marker, or some of the objects.

Knows nothing of Pulumi.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelArtsError
from .client import ObsClient
from .errors import ObsError
from .transfer import TransferConfig, TransferReport, UploadItem, existing_objects, upload_files

logger = logging.getLogger("modelarts_pulumi.obs.folders")

HOLDERS_FOLDER = ".holders"
"""The folder, beside the content folders of a prefix, that holds the markers of who uses which."""


class FolderError(ModelArtsError):
    """A folder could not be put or let go; the message names the input or object concerned."""


def holder_id(holder: str) -> str:
    """The marker's file name for a holder: the first 16 hex digits of its SHA-256 (any text is safe as a key)."""
    return hashlib.sha256(holder.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FolderPlace:
    """Where a content folder lives: ``/<bucket>/<prefix><name>/``, its markers beside it."""

    bucket: str
    prefix: str  # "" or ends with "/"
    name: str

    @property
    def path(self) -> str:
        """The folder as ModelArts takes it: ``/bucket/prefix/name/``."""
        return f"/{self.bucket}/{self.prefix}{self.name}/"

    def key(self, relative: str) -> str:
        """The object key of a file of the folder."""
        return f"{self.prefix}{self.name}/{relative}"

    @property
    def holders_prefix(self) -> str:
        return f"{self.prefix}{HOLDERS_FOLDER}/{self.name}/"

    def marker_key(self, holder: str) -> str:
        return f"{self.holders_prefix}{holder_id(holder)}.json"


def _marker(holder: str, instance: str) -> bytes:
    return json.dumps(
        {"holder": holder, "instance": instance, "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
        sort_keys=True,
    ).encode()


def _marker_instance(client: ObsClient, place: FolderPlace, holder: str) -> str | None:
    """The instance named by the holder's marker; None when there is no marker."""
    try:
        data = client.get_object(place.bucket, place.marker_key(holder))
    except ObsError as exc:
        if exc.status == 404:
            return None
        raise
    try:
        return str(json.loads(data)["instance"])
    except (ValueError, KeyError, TypeError):
        return ""  # not ours to read: someone else's object at our marker's key


def check_bucket(client: ObsClient, bucket: str) -> None:
    """A bucket that does not exist, or is not ours, as an error naming it and the endpoint."""
    try:
        client.head_bucket(bucket)
    except ObsError as exc:
        where = f"at {client.endpoint}"
        if exc.status == 404:
            raise FolderError(
                f"bucket: the OBS bucket {bucket!r} does not exist {where}; create it first "
                "(or check modelarts:obsEndpoint)"
            ) from None
        if exc.status == 403:
            raise FolderError(
                f"bucket: access to the OBS bucket {bucket!r} {where} is denied ({exc.code}); check its policy and "
                "the credentials"
            ) from None
        raise


def publish(
    client: ObsClient,
    place: FolderPlace,
    files: Sequence[tuple[str, Path]],
    *,
    holder: str,
    instance: str,
    sha256: Mapping[str, str] | None = None,
    inside_source: Callable[[], bool] = lambda: False,
    config: TransferConfig | None = None,
) -> TransferReport:
    """Put ``files`` (``(path in the folder, local file)``) into the folder and hold it for ``holder``; ``sha256``
    gives the files' digests by path when the caller already read them.

    ``inside_source`` is asked once the marker is written: True when the marker shows up in the source itself,
    i.e. the bucket is a local folder that contains the source's destination (the upload would change the
    source). Then nothing is uploaded and the marker is removed again.
    """
    check_bucket(client, place.bucket)
    known = sha256 or {}
    items = [UploadItem(path, place.key(relative), known.get(relative)) for relative, path in files]
    client.put_object(place.bucket, place.marker_key(holder), _marker(holder, instance))
    try:
        if inside_source():
            raise FolderError(
                f"prefix: the folder {place.path} would be inside the source being uploaded (the bucket "
                f"{place.bucket!r} is served from a local folder that holds the source): every upload would change "
                "the source and its hash; choose a prefix outside the source"
            )
        report = upload_files(client, place.bucket, items, config=config)
        gone = _absent(client, place.bucket, items)
        if gone:  # deleted while we uploaded, by a holder letting go at the same moment: once more
            logger.info("%d objects of %s vanished during the upload; uploading them again", len(gone), place.path)
            upload_files(client, place.bucket, gone, config=config, skip_unchanged=False)
            still = _absent(client, place.bucket, items)
            if still:
                raise FolderError(f"{len(still)} files of {place.path} are missing after the upload: {still[0].key}")
        return report
    except Exception as exc:
        try:
            release(client, place, [relative for relative, _ in files], holder=holder, instance=instance)
        except (ModelArtsError, OSError) as cleanup:
            raise FolderError(
                f"{exc}; cleaning up {place.path} failed too ({cleanup}): the next `pulumi up` completes it"
            ) from exc
        raise


def _absent(client: ObsClient, bucket: str, items: Iterable[UploadItem]) -> list[UploadItem]:
    wanted = list(items)
    present = existing_objects(client, bucket, [item.key for item in wanted])
    return [item for item in wanted if item.key not in present]


def release(client: ObsClient, place: FolderPlace, files: Sequence[str], *, holder: str, instance: str) -> bool:
    """Let go of the folder; delete its ``files`` (paths in the folder) if nobody else holds it. True when they
    were deleted. A bucket that is gone has nothing left to delete."""
    try:
        current = _marker_instance(client, place, holder)
        if current is not None and current != instance:
            logger.info("%s is held by another instance of %s (%s); keeping it", place.path, holder, current)
            return False
        client.delete_object(place.bucket, place.marker_key(holder))
        others = [obj.key for obj in client.iter_objects(place.bucket, prefix=place.holders_prefix)]
        if others:
            logger.info("%s is still held by %d others; keeping its files", place.path, len(others))
            return False
        result = client.delete_objects(place.bucket, [place.key(relative) for relative in files], quiet=True)
        # Uploads a failed or killed run left open (invisible, yet billed): nobody is completing them now.
        for upload in list(client.iter_multipart_uploads(place.bucket, prefix=place.key(""))):
            client.abort_multipart_upload(place.bucket, upload.key, upload.upload_id)
    except ObsError as exc:
        if exc.code == "NoSuchBucket" or (exc.status == 404 and not exc.code):
            return False
        raise
    if result.failures:
        first = result.failures[0]
        raise FolderError(
            f"could not delete {len(result.failures)} files of {place.path}, e.g. {first.key}: {first.code} "
            f"{first.message}"
        )
    return True


def missing(client: ObsClient, place: FolderPlace, files: Sequence[str], *, holder: str, instance: str) -> list[str]:
    """What is gone from the folder: the holder's marker (``.holders/...``, also when another instance took it
    over) and the ``files`` that are not there; empty when all is in place."""
    gone: list[str] = []
    try:
        if _marker_instance(client, place, holder) != instance:
            gone.append(place.marker_key(holder))
        present = existing_objects(client, place.bucket, [place.key(relative) for relative in files])
    except ObsError as exc:
        if exc.code == "NoSuchBucket":
            return [place.path]
        raise
    return gone + [relative for relative in files if place.key(relative) not in present]


__all__ = [
    "HOLDERS_FOLDER",
    "FolderError",
    "FolderPlace",
    "check_bucket",
    "holder_id",
    "missing",
    "publish",
    "release",
]
