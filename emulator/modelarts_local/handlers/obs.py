"""``GET /_obs/<bucket>/<key>``: serves objects of the mapped buckets through pre-signed URLs only."""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..backend import now
from ..obs import ObsPathError, parse_obs_path
from .common import backend


def _obs_error(status: int, reason: str, resource: str) -> Response:
    code, _, message = reason.partition(": ")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message or code)}</Message>"
        f"<Resource>{escape(resource)}</Resource></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


async def get_object(request: Request) -> Response:
    bucket = request.path_params["bucket"]
    key = request.path_params["key"]
    resource = f"/{bucket}/{key}"
    try:
        path = parse_obs_path(resource)
    except ObsPathError as exc:
        return _obs_error(400, f"InvalidURI: {exc}", resource)
    b = backend(request)
    try:
        b.signer.verify(path, dict(request.query_params), now())
    except PermissionError as exc:
        return _obs_error(403, str(exc), resource)
    try:
        local = b.mapper.local_path(path)
    except ObsPathError as exc:
        return _obs_error(400, f"InvalidURI: {exc}", resource)
    if not local.is_file():
        return _obs_error(404, "NoSuchKey: The specified key does not exist.", resource)
    disposition = request.query_params.get("response-content-disposition")
    if disposition:
        return FileResponse(local, media_type="application/octet-stream", headers={"Content-Disposition": disposition})
    return FileResponse(local, media_type="text/plain; charset=utf-8")
