"""OBS handlers: HTTP in and out only.

Today: ``GET`` of an object through a pre-signed URL (the task-log links ModelArts hands out), on the main
port under ``/_obs`` and on the OBS port in path style. The OBS object API (signed requests, PUT, listing,
multipart, ...) goes here too, one handler per operation, over a domain module of this package.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..clock import now
from ..http import backend
from . import errors
from .paths import ObsPathError, parse_obs_path


async def get_presigned_object(request: Request) -> Response:
    """GET /{bucket}/{key}?AccessKeyId=..&Expires=..&Signature=..[&response-content-disposition=..]"""
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
