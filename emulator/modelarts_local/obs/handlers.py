"""OBS handlers: HTTP in and out only; the work is in the domain modules of this package.

On the OBS port every request goes through :func:`dispatcher`: where it points (``addressing.py``), the SDK's
unsigned negotiation probe, the signature (``signature.py``), then the operation ``routes.py`` names for the
method, the level (service, bucket, object) and the sub-resource in the query. Errors name the bucket or object
they are about; what is left of a refused body is drained first.

On the main port: ``GET /_obs/<bucket>/<key>`` of the pre-signed task-log URLs ModelArts hands out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from ..auth import headers_from_scope
from ..clock import now
from ..http import backend, call
from . import errors
from .addressing import Addressed, address
from .bodies import parse_complete, parse_delete, quoted_etag
from .multipart import UploadsListing, parse_part_number
from .objects import Listing, ObjectInfo
from .paths import ObsPathError, parse_obs_path
from .reads import byte_range, check_conditions, http_date, overrides
from .receiving import check_md5, drain, expected_md5, read_small, receive_into
from .service import ObsService
from .signature import SIGNED_SUB_RESOURCES, ObsCaller, SignatureStyle

#: The bucket answers carry, in OBS's own header names.
_BUCKET_HEADERS = {"x-obs-storage-class": "STANDARD", "x-obs-version": "3.0"}
MAX_KEYS = 1000


@dataclass(frozen=True)
class ObsCall:
    """An authenticated request on the OBS port, and what it names."""

    request: Request
    target: Addressed
    headers: Mapping[str, str]  # lower-case names
    caller: ObsCaller
    obs: ObsService

    @property
    def bucket(self) -> str:
        assert self.target.bucket is not None
        return self.target.bucket

    @property
    def key(self) -> str:
        assert self.target.key is not None
        return self.target.key

    @property
    def style(self) -> SignatureStyle:
        return self.caller.style

    @property
    def owner(self) -> str:
        return self.caller.key.principal.domain_id

    def metadata(self) -> dict[str, str]:
        """The request's user metadata (``x-obs-meta-*`` or ``x-amz-meta-*``, by its style): names without
        the prefix, values as received."""
        prefix = self.style.meta_prefix
        return {name[len(prefix) :]: value for name, value in self.headers.items() if name.startswith(prefix)}


Operation = Callable[[ObsCall], Awaitable[Response]]
#: (level, method) -> {sub-resource in the query, or None for none: the operation}.
OperationTable = Mapping[tuple[str, str], Mapping[str | None, Operation]]

#: Query names that select no operation of their own (they go with the one chosen).
_RIDERS = {"partNumber", "versionId"}


def dispatcher(operations: OperationTable) -> Callable[[Request], Awaitable[Response]]:
    """The one endpoint of the OBS port, over the operations ``routes.py`` declares."""

    async def dispatch(request: Request) -> Response:
        obs = backend(request).obs
        target = address(request.scope, obs.domain)
        try:
            if request.method == "HEAD" and target.has("apiversion") and target.key is None:
                return await _negotiation_probe(obs, target)
            headers = headers_from_scope(request.scope["headers"])
            caller = await call(obs.authenticator.authenticate, request.method, headers, target, now())
            operation = _operation(operations, request.method, target)
            return await operation(ObsCall(request, target, headers, caller, obs))
        except errors.ObsError as exc:
            if request.method in ("PUT", "POST"):
                await drain(request)
            raise exc.about(target.resource) from None

    return dispatch


def _operation(operations: OperationTable, method: str, target: Addressed) -> Operation:
    level = "service" if target.bucket is None else "bucket" if target.key is None else "object"
    by_sub_resource = operations.get((level, method), {})
    asked = [name for name in target.query if _selects_operation(name) and name not in _RIDERS]
    for name in asked:
        if name in by_sub_resource:
            return by_sub_resource[name]
    if not asked and None in by_sub_resource:
        return by_sub_resource[None]
    raise errors.MethodNotAllowed(extra={"Method": method, "ResourceType": level.upper()})


def _selects_operation(name: str) -> bool:
    lowered = name.lower()
    return lowered in SIGNED_SUB_RESOURCES and not lowered.startswith("response-")


async def _negotiation_probe(obs: ObsService, target: Addressed) -> Response:
    """``HEAD /?apiversion`` (unsigned): the SDK asks which signature a bucket takes; 404 for a missing bucket."""
    if target.bucket is not None and not await call(obs.buckets.exists, target.bucket):
        return Response(status_code=404)
    return Response(status_code=200, headers={"x-obs-api": "3.0"})


# --- service and buckets ----------------------------------------------------------------------------------


async def list_buckets(c: ObsCall) -> Response:
    buckets = await call(c.obs.buckets.all)
    return _xml(c.obs.documents.list_buckets(buckets, owner=c.owner, region=c.obs.region))


async def head_bucket(c: ObsCall) -> Response:
    await call(c.obs.buckets.folder, c.bucket)
    return Response(status_code=200, headers={"x-obs-bucket-location": c.obs.region, **_BUCKET_HEADERS})


async def create_bucket(c: ObsCall) -> Response:
    await read_small(c.request)  # the optional location document: one region here
    await call(c.obs.buckets.create, c.bucket)
    return Response(status_code=200, headers={"Location": f"/{c.bucket}"})


async def delete_bucket(c: ObsCall) -> Response:
    await call(c.obs.delete_bucket, c.bucket)
    return Response(status_code=204)


async def list_objects(c: ObsCall) -> Response:
    query = c.target.query
    asked = Listing(
        prefix=query.get("prefix") or "",
        marker=query.get("marker") or "",
        delimiter=query.get("delimiter") or "",
        max_keys=_bounded_int(query.get("max-keys"), "max-keys", default=MAX_KEYS, cap=MAX_KEYS),
    )
    encoding = query.get("encoding-type")
    if encoding not in (None, "url"):
        raise errors.InvalidArgument(
            "Invalid Encoding Method specified in Request", extra={"ArgumentName": "encoding-type"}
        )
    await call(c.obs.buckets.folder, c.bucket)
    page = await call(c.obs.objects.list, c.bucket, asked)
    return _xml(c.obs.documents.list_objects(c.bucket, asked, page, owner=c.owner, url_encoded=encoding == "url"))


async def delete_objects(c: ObsCall) -> Response:
    """POST /<bucket>?delete: ``Content-MD5`` is required and checked; a missing key counts as deleted."""
    await call(c.obs.buckets.folder, c.bucket)
    expected = expected_md5(c.headers)
    if expected is None:
        raise errors.InvalidRequest("Missing required header for this request: Content-MD5")
    body = await read_small(c.request)
    check_md5(expected, hashlib.md5(body).digest())
    quiet, keys = parse_delete(body)
    deleted, failed = await call(c.obs.delete_objects, c.bucket, keys)
    return _xml(c.obs.documents.delete_result(deleted, failed, quiet))


# --- objects ----------------------------------------------------------------------------------------------


async def put_object(c: ObsCall) -> Response:
    """PUT /<bucket>/<key>: the body becomes the object (a copy when ``x-*-copy-source`` names one)."""
    source = c.headers.get(c.style.prefix + "copy-source")
    if source is not None:
        return await _copy_object(c, source)
    objects = c.obs.objects
    await call(objects.file_for_write, c.bucket, c.key)
    expected = expected_md5(c.headers)
    staged = await call(objects.new_staged, c.bucket)
    try:
        await receive_into(c.request, staged, c.obs.max_put_bytes)
        check_md5(expected, staged.md5_digest)
        info = await call(
            objects.commit,
            c.bucket,
            c.key,
            staged,
            etag=staged.md5_hex,
            content_type=c.headers.get("content-type"),
            metadata=c.metadata(),
        )
    except BaseException:
        staged.discard()
        raise
    return Response(status_code=200, headers={"ETag": quoted_etag(info.etag)})


async def _copy_object(c: ObsCall, source: str) -> Response:
    path = unquote(source.partition("?")[0]).lstrip("/")
    source_bucket, _, source_key = path.partition("/")
    if not source_bucket or not source_key:
        raise errors.InvalidArgument(f"Copy Source must mention the source bucket and key: {source}")
    await read_small(c.request)
    directive = c.headers.get(c.style.prefix + "metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise errors.InvalidArgument(f"Unknown metadata directive: {directive}")
    replace = (c.headers.get("content-type"), c.metadata()) if directive == "REPLACE" else None
    try:
        info = await call(c.obs.copy, source_bucket, source_key, c.bucket, c.key, replace)
    except errors.NoSuchKey as exc:
        raise exc.about(f"/{source_bucket}/{source_key}") from None
    return _xml(c.obs.documents.copy_result(info))


async def get_object(c: ObsCall) -> Response:
    opened = await call(c.obs.objects.open, c.bucket, c.key)
    try:
        info = opened.info
        check_conditions(c.headers, info)
        headers = {**_object_headers(info, c.style), **overrides(c.target.query)}
        chosen = byte_range(c.headers.get("range"), info.size)
    except BaseException:
        opened.close()
        raise
    start, length, status = 0, info.size, 200
    if chosen is not None:
        first, last = chosen
        start, length, status = first, last - first + 1, 206
        headers["Content-Range"] = f"bytes {first}-{last}/{info.size}"
    headers["Content-Length"] = str(length)
    return StreamingResponse(opened.chunks(start, length), status_code=status, headers=headers)


async def head_object(c: ObsCall) -> Response:
    info = await call(c.obs.objects.head, c.bucket, c.key)
    check_conditions(c.headers, info)
    return Response(status_code=200, headers={**_object_headers(info, c.style), "Content-Length": str(info.size)})


async def delete_object(c: ObsCall) -> Response:
    await call(c.obs.objects.delete, c.bucket, c.key)
    return Response(status_code=204)


# --- multipart uploads -------------------------------------------------------------------------------------


async def list_multipart_uploads(c: ObsCall) -> Response:
    query = c.target.query
    asked = UploadsListing(
        prefix=query.get("prefix") or "",
        key_marker=query.get("key-marker") or "",
        upload_id_marker=query.get("upload-id-marker") or "",
        limit=_bounded_int(query.get("max-uploads"), "max-uploads", default=MAX_KEYS, cap=MAX_KEYS),
    )
    await call(c.obs.buckets.folder, c.bucket)
    page = await call(c.obs.uploads.in_progress, c.bucket, asked)
    return _xml(c.obs.documents.list_uploads(c.bucket, asked, page, owner=c.owner))


async def initiate_multipart_upload(c: ObsCall) -> Response:
    await read_small(c.request)
    upload = await call(c.obs.uploads.initiate, c.bucket, c.key, c.headers.get("content-type"), c.metadata(), now())
    return _xml(c.obs.documents.initiate_result(upload))


async def upload_part(c: ObsCall) -> Response:
    number = parse_part_number(c.target.query.get("partNumber"))
    upload = await call(c.obs.uploads.get, c.target.query.get("uploadId") or "", c.bucket, c.key)
    expected = expected_md5(c.headers)
    staged = await call(c.obs.uploads.new_part_file, upload)
    try:
        await receive_into(c.request, staged, c.obs.max_put_bytes)
        check_md5(expected, staged.md5_digest)
        part = await call(c.obs.uploads.save_part, upload, number, staged, now())
    except BaseException:
        staged.discard()
        raise
    return Response(status_code=200, headers={"ETag": quoted_etag(part.etag)})


async def list_parts(c: ObsCall) -> Response:
    upload = await call(c.obs.uploads.get, c.target.query.get("uploadId") or "", c.bucket, c.key)
    max_parts = _bounded_int(c.target.query.get("max-parts"), "max-parts", default=MAX_KEYS, cap=MAX_KEYS)
    marker = _bounded_int(c.target.query.get("part-number-marker"), "part-number-marker", default=0, cap=None)
    page = await call(c.obs.uploads.parts, upload, marker=marker, max_parts=max_parts)
    return _xml(c.obs.documents.list_parts(upload, page, marker=marker, max_parts=max_parts, owner=c.owner))


async def complete_multipart_upload(c: ObsCall) -> Response:
    upload = await call(c.obs.uploads.get, c.target.query.get("uploadId") or "", c.bucket, c.key)
    chosen = parse_complete(await read_small(c.request))
    info = await call(c.obs.uploads.complete, upload, chosen)
    return _xml(c.obs.documents.complete_result(_location(c), c.bucket, info))


async def abort_multipart_upload(c: ObsCall) -> Response:
    upload = await call(c.obs.uploads.get, c.target.query.get("uploadId") or "", c.bucket, c.key)
    await call(c.obs.uploads.abort, upload)
    return Response(status_code=204)


# --- the main port's pre-signed log URLs -------------------------------------------------------------------


async def get_presigned_object(request: Request) -> Response:
    """GET /_obs/{bucket}/{key}?AccessKeyId=..&Expires=..&Signature=..[&response-content-disposition=..]"""
    resource = f"/{request.path_params['bucket']}/{request.path_params['key']}"
    try:
        path = parse_obs_path(resource)
    except ObsPathError as exc:
        raise errors.InvalidUri(str(exc), resource=resource) from None
    b = backend(request)
    b.signer.verify(path, dict(request.query_params), now())
    try:
        local = b.mapper.local_path(path)
    except ObsPathError as exc:
        raise errors.InvalidUri(str(exc), resource=resource) from None
    if not local.is_file():
        raise errors.NoSuchKey(resource=resource)
    disposition = request.query_params.get("response-content-disposition")
    if disposition:
        return FileResponse(local, media_type="application/octet-stream", headers={"Content-Disposition": disposition})
    return FileResponse(local, media_type="text/plain; charset=utf-8")


# --- helpers -----------------------------------------------------------------------------------------------


def _object_headers(info: ObjectInfo, style: SignatureStyle) -> dict[str, str]:
    headers = {
        "ETag": quoted_etag(info.etag),
        "Last-Modified": http_date(info.last_modified),
        "Content-Type": info.content_type,
        "Accept-Ranges": "bytes",
    }
    for name, value in info.metadata.items():
        # Header values travel as bytes: send back exactly those received.
        headers[style.meta_prefix + name] = value.encode("utf-8", errors="surrogateescape").decode("latin-1")
    return headers


def _location(c: ObsCall) -> str:
    host = c.headers.get("host", "")
    scheme = c.request.url.scheme
    key = quote(c.key, safe="/~")
    return f"{scheme}://{host}/{key}" if c.target.virtual_host else f"{scheme}://{host}/{c.bucket}/{key}"


def _bounded_int(value: str | None, name: str, *, default: int, cap: int | None) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit():
        raise errors.InvalidArgument(
            f"Provided {name} not an integer or within integer range", extra={"ArgumentName": name}
        )
    number = int(value)
    return min(number, cap) if cap is not None else number


def _xml(document: bytes, status: int = 200) -> Response:
    return Response(document, status_code=status, media_type="application/xml")
