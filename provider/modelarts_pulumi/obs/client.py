"""A small OBS object client over requests: the operations a folder upload and a download need.

It knows nothing of Pulumi. Every call either returns its result or raises :class:`~.errors.ObsError`
(``ObsTransportError`` when no answer came). Requests are the SDK's (``esdk-obs-python``): same method, path,
sub-resources, signed headers and XML bodies; ``docs/obs-local-spec.md`` lists them.

Which POSTs are retried after a read error or a 5xx, and why:

- ``POST ?delete`` (multi-object delete): yes. Deleting a deleted key succeeds, so a repeat changes nothing.
- ``POST ?uploadId`` (complete): yes. If the first attempt did assemble the object, the repeat answers
  ``NoSuchUpload``; the client then checks the object (HEAD) and accepts it when it carries the content hash the
  caller expects, so a lost answer costs one HEAD, not a failed upload.
- ``POST ?uploads`` (initiate): no. A repeat after a lost answer would open a second upload and leave the first
  one, unseen and billed, with no id to abort it by. A failure is reported instead; the caller starts over.

Connection failures (nothing sent) and 429 (refused before any work) are retried for every method.

Why one module of over 400 lines: it is one method per OBS operation (listed in ``docs/obs-local-spec.md``), each a
few lines over the signed transport (:mod:`.transport`) and the XML bodies (:mod:`.bodies`); nothing else lives here.
"""

from __future__ import annotations

import mimetypes
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

import requests

from ..settings import Settings
from .bodies import (
    DeleteResult,
    MultipartUpload,
    ObjectListing,
    ObjectSummary,
    PartInfo,
    PartListing,
    complete_multipart_body,
    delete_objects_body,
    parse_complete_multipart_upload,
    parse_copy_object,
    parse_delete_objects,
    parse_initiate_multipart_upload,
    parse_list_multipart_uploads,
    parse_list_objects,
    parse_list_parts,
    unquote_etag,
)
from .credentials import CredentialSource, credentials_from_settings
from .endpoint import ObsEndpoint, default_obs_endpoint
from .errors import ObsError
from .signer import content_md5, encode_key
from .transport import ObsRequest, ObsTransport, sdk_header_value

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self is Python 3.11+

CONTENT_SHA256 = "content-sha256"
"""Metadata name of the content's SHA-256 (hex), stored on every upload: the one comparison that works for
multipart objects, whose ETag is not an MD5."""

MAX_DELETE_KEYS = 1000  # OBS's limit per multi-object delete
_META_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class ObjectInfo:
    """What HEAD says about an object. ``etag`` is unquoted; ``metadata`` names are lower-case, without prefix."""

    key: str
    size: int
    etag: str
    content_type: str
    last_modified: str
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def content_sha256(self) -> str | None:
        return self.metadata.get(CONTENT_SHA256)


@dataclass(frozen=True)
class PutResult:
    etag: str  # unquoted
    version_id: str | None = None


def _metadata_headers(prefix: str, metadata: Mapping[str, str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in (metadata or {}).items():
        if not _META_NAME.match(name):
            raise ValueError(f"metadata name {name!r}: use letters, digits, '-' and '_' only")
        if value.strip():  # the SDK drops empty values
            headers[prefix + name.lower()] = sdk_header_value(value.strip())
    return headers


def _metadata_of(headers: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        for prefix in ("x-obs-meta-", "x-amz-meta-"):
            if lowered.startswith(prefix):
                found[unquote(lowered[len(prefix) :])] = unquote(value)
    return found


# Python's built-in table only (not the machine's /etc/mime.types), so a key gets the same type everywhere.
# The SDK guesses too, from its own shorter table (const.MIME_TYPES); no signature depends on the choice.
_CONTENT_TYPES = mimetypes.MimeTypes()


def _guess_content_type(key: str) -> str | None:
    return _CONTENT_TYPES.guess_type(key, strict=False)[0]


class ObsClient:
    """OBS for one endpoint and one set of credentials. Thread-safe; close it (or use ``with``) when done.

    ``settings`` give the credentials (AK/SK, optionally temporary with a token), timeouts, retries and TLS;
    ``endpoint`` defaults to the settings' (``modelarts:obsEndpoint``, else the region's
    ``https://obs.{region}.myhuaweicloud.com``). IAM password or token
    users pass ``credentials`` (temporary AK/SK from IAM, :mod:`.temporary_credentials`).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        endpoint: str | None = None,
        path_style: bool | None = None,
        credentials: CredentialSource | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        source = credentials or credentials_from_settings(settings)
        if source is None:
            raise ValueError(
                "OBS needs AK/SK credentials: IAM tokens are not accepted by OBS. Set accessKey/secretKey, "
                "or pass temporary credentials obtained from IAM (TemporaryCredentials)"
            )
        address = endpoint or settings.obs_endpoint or default_obs_endpoint(settings.region)
        self.endpoint = ObsEndpoint.parse(address, path_style=path_style)
        self.transport = ObsTransport(settings, self.endpoint, source, session=session, clock=clock)

    # --- buckets and listings ------------------------------------------------------------------------------

    def head_bucket(self, bucket: str) -> None:
        """Succeed if the bucket exists and is ours to use; ``NoSuchBucket`` (404) or ``AccessDenied`` (403)."""
        try:
            self.transport.send(ObsRequest("HEAD", bucket)).close()
        except ObsError as exc:
            if exc.status == 404:
                raise ObsError(
                    404,
                    "NoSuchBucket",
                    f"bucket {bucket!r} does not exist",
                    request_id=exc.request_id,
                    method="HEAD",
                    resource=f"/{bucket}",
                ) from None
            raise

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        marker: str | None = None,
        max_keys: int | None = None,
        delimiter: str | None = None,
    ) -> ObjectListing:
        """One page (at most ``max_keys``, OBS's cap is 1000) of the keys after ``marker``."""
        query: dict[str, str | None] = {}
        # The SDK's order (convertor.py trans_list_objects); empty values are left out, as it does.
        for name, value in (("prefix", prefix), ("marker", marker), ("delimiter", delimiter), ("max-keys", max_keys)):
            if value is not None and str(value).strip():
                query[name] = str(value)
        response = self.transport.send(ObsRequest("GET", bucket, query=query))
        return parse_list_objects(response.content)

    def iter_objects(
        self, bucket: str, *, prefix: str | None = None, page_size: int | None = None
    ) -> Iterator[ObjectSummary]:
        """Every object under ``prefix``, page after page."""
        marker: str | None = None
        while True:
            page = self.list_objects(bucket, prefix=prefix, marker=marker, max_keys=page_size)
            yield from page.objects
            if not page.is_truncated:
                return
            marker = page.next_marker or (page.objects[-1].key if page.objects else None)
            if marker is None:
                return

    # --- objects -------------------------------------------------------------------------------------------

    def head_object(self, bucket: str, key: str) -> ObjectInfo | None:
        """The object's size, ETag, type and metadata; None when there is no such object."""
        try:
            response = self.transport.send(ObsRequest("HEAD", bucket, key))
        except ObsError as exc:
            if exc.status == 404:
                return None
            raise
        response.close()
        headers = response.headers
        return ObjectInfo(
            key=key,
            size=int(headers.get("Content-Length", "0")),
            etag=unquote_etag(headers.get("ETag", "")),
            content_type=headers.get("Content-Type", ""),
            last_modified=headers.get("Last-Modified", ""),
            metadata=_metadata_of(headers),
        )

    def put_object(
        self,
        bucket: str,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> PutResult:
        """One PUT with ``Content-MD5`` (OBS refuses a body that does not match: ``BadDigest``)."""
        headers = {"Content-MD5": content_md5(data)}
        kind = content_type or _guess_content_type(key)
        if kind:
            headers["Content-Type"] = sdk_header_value(kind)
        headers.update(_metadata_headers(self.endpoint.style.meta_prefix, metadata))
        response = self.transport.send(ObsRequest("PUT", bucket, key, headers=headers, body=data))
        response.close()
        return PutResult(
            etag=unquote_etag(response.headers.get("ETag", "")),
            version_id=response.headers.get(self.endpoint.style.header_prefix + "version-id"),
        )

    def open_object(
        self, bucket: str, key: str, *, byte_range: tuple[int, int | None] | None = None, if_match: str | None = None
    ) -> requests.Response:
        """GET with the body left unread (``response.iter_content`` / ``response.raw``); close it when done.

        ``byte_range=(first, last)`` asks for bytes ``first..last`` inclusive (``last=None``: to the end), answered
        206. ``if_match`` (an ETag) refuses a changed object with 412 ``PreconditionFailed``.
        """
        headers: dict[str, str] = {}
        if byte_range is not None:
            first, last = byte_range
            headers["Range"] = f"bytes={first}-{'' if last is None else last}"
        if if_match is not None:
            headers["If-Match"] = f'"{unquote_etag(if_match)}"'
        return self.transport.send(ObsRequest("GET", bucket, key, headers=headers, stream=True))

    def get_object(self, bucket: str, key: str, *, byte_range: tuple[int, int | None] | None = None) -> bytes:
        """The object's bytes (or the range's), in memory."""
        with self.open_object(bucket, key, byte_range=byte_range) as response:
            return response.content

    def delete_object(self, bucket: str, key: str) -> None:
        """Delete one object; deleting a missing key succeeds, as on OBS."""
        self.transport.send(ObsRequest("DELETE", bucket, key)).close()

    def copy_object(
        self, source_bucket: str, source_key: str, bucket: str, key: str, *, metadata: Mapping[str, str] | None = None
    ) -> str:
        """Server-side copy; returns the copy's ETag. ``metadata`` replaces the source's (else it is copied)."""
        prefix = self.endpoint.style.header_prefix
        # The SDK quotes the source with safe='/' (client.py _rename_request_headers_handle).
        headers = {prefix + "copy-source": encode_key(f"/{source_bucket}/{source_key}")}
        if metadata is not None:
            headers[prefix + "metadata-directive"] = "REPLACE"
            headers.update(_metadata_headers(self.endpoint.style.meta_prefix, metadata))
        response = self.transport.send(ObsRequest("PUT", bucket, key, headers=headers))
        return parse_copy_object(response.content)

    def delete_objects(self, bucket: str, keys: Iterable[str], *, quiet: bool = False) -> DeleteResult:
        """Delete many keys, 1000 per request (``POST ?delete``); per-key failures come back in the result."""
        deleted: list[str] = []
        failures = []
        batch: list[str] = []
        for key in [*keys, None]:
            if key is not None:
                batch.append(key)
                if len(batch) < MAX_DELETE_KEYS:
                    continue
            if not batch:
                break
            body = delete_objects_body(batch, quiet=quiet)
            response = self.transport.send(
                ObsRequest(
                    "POST",
                    bucket,
                    query={"delete": None},
                    headers={"Content-MD5": content_md5(body)},  # mandatory for this call
                    body=body,
                    idempotent=True,
                )
            )
            result = parse_delete_objects(response.content)
            deleted += result.deleted
            failures += result.failures
            batch = []
        return DeleteResult(deleted, failures)

    # --- multipart ------------------------------------------------------------------------------------------

    def initiate_multipart_upload(
        self, bucket: str, key: str, *, content_type: str | None = None, metadata: Mapping[str, str] | None = None
    ) -> str:
        """Open a multipart upload; returns its upload id. Not retried after a lost answer (module doc)."""
        headers = _metadata_headers(self.endpoint.style.meta_prefix, metadata)
        kind = content_type or _guess_content_type(key)
        if kind:
            headers["Content-Type"] = sdk_header_value(kind)
        response = self.transport.send(
            ObsRequest("POST", bucket, key, query={"uploads": None}, headers=headers, idempotent=False)
        )
        return parse_initiate_multipart_upload(response.content)

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, data: bytes) -> PartInfo:
        """Upload part ``part_number`` (1..10000) with ``Content-MD5``; re-uploading a number replaces it."""
        response = self.transport.send(
            ObsRequest(
                "PUT",
                bucket,
                key,
                # The SDK's order: partNumber, then uploadId (convertor.py trans_upload_part).
                query={"partNumber": str(part_number), "uploadId": upload_id},
                headers={"Content-MD5": content_md5(data)},
                body=data,
            )
        )
        response.close()
        return PartInfo(part_number, unquote_etag(response.headers.get("ETag", "")), len(data))

    def complete_multipart_upload(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        parts: Sequence[PartInfo],
        *,
        expected_sha256: str | None = None,
    ) -> str:
        """Assemble the parts; returns the object's ETag (``<hex>-<parts>``).

        With ``expected_sha256``, a ``NoSuchUpload`` answer is checked against the object: if it already holds
        that content (an earlier attempt completed it), that is success (module doc).
        """
        body = complete_multipart_body(parts)
        try:
            response = self.transport.send(
                ObsRequest("POST", bucket, key, query={"uploadId": upload_id}, body=body, idempotent=True)
            )
        except ObsError as exc:
            if exc.code == "NoSuchUpload" and expected_sha256 is not None:
                info = self.head_object(bucket, key)
                if info is not None and info.content_sha256 == expected_sha256:
                    return info.etag
            raise
        return parse_complete_multipart_upload(response.content)

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """Discard an upload and its parts; an upload already gone is not an error."""
        try:
            self.transport.send(ObsRequest("DELETE", bucket, key, query={"uploadId": upload_id})).close()
        except ObsError as exc:
            if exc.code != "NoSuchUpload":
                raise

    def iter_multipart_uploads(self, bucket: str, *, prefix: str | None = None) -> Iterator[MultipartUpload]:
        """Every multipart upload in progress under ``prefix`` (``GET /bucket?uploads``), page after page."""
        key_marker: str | None = None
        upload_id_marker: str | None = None
        while True:
            query: dict[str, str | None] = {"uploads": None}
            # The SDK's order (convertor.py trans_list_multipart_uploads); empty values are left out.
            for name, value in (("prefix", prefix), ("key-marker", key_marker), ("upload-id-marker", upload_id_marker)):
                if value:
                    query[name] = value
            page = parse_list_multipart_uploads(self.transport.send(ObsRequest("GET", bucket, query=query)).content)
            yield from page.uploads
            if not page.is_truncated or not (page.next_key_marker or page.next_upload_id_marker):
                return
            key_marker, upload_id_marker = page.next_key_marker, page.next_upload_id_marker

    def list_parts(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        *,
        max_parts: int | None = None,
        part_number_marker: int | None = None,
    ) -> PartListing:
        """One page of the parts uploaded so far."""
        query: dict[str, str | None] = {"uploadId": upload_id}
        if max_parts is not None:
            query["max-parts"] = str(max_parts)
        if part_number_marker is not None:
            query["part-number-marker"] = str(part_number_marker)
        response = self.transport.send(ObsRequest("GET", bucket, key, query=query))
        return parse_list_parts(response.content)

    # --- misc -----------------------------------------------------------------------------------------------

    def presigned_url(self, method: str, bucket: str, key: str | None = None, *, expires_in: int = 300) -> str:
        """A URL granting ``method`` on the object for ``expires_in`` seconds (the SDK's ``createSignedUrl``)."""
        return self.transport.presigned_url(method, bucket, key, expires_in=expires_in)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["CONTENT_SHA256", "MAX_DELETE_KEYS", "ObjectInfo", "ObsClient", "PutResult"]
