"""Helpers shared by the handlers: the backend, authentication, JSON in and out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..auth import Caller, RawRequest, headers_from_scope
from ..backend import Backend, now
from ..iam import Principal
from ..validation import parse_json_object

P = ParamSpec("P")
T = TypeVar("T")


def backend(request: Request) -> Backend:
    found: Backend = request.app.state.backend
    return found


async def call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a (blocking) domain call in the thread pool, off the event loop."""
    return await run_in_threadpool(fn, *args, **kwargs)


async def raw_request(request: Request) -> RawRequest:
    body = await request.body()
    return RawRequest(
        method=request.method,
        raw_path=request.scope.get("raw_path") or request.scope["path"].encode(),
        query_string=request.scope.get("query_string", b""),
        headers=headers_from_scope(request.scope["headers"]),
        body=body,
    )


async def authenticated_caller(request: Request) -> Caller:
    """The caller of any authenticated call (IAM or ModelArts)."""
    raw = await raw_request(request)
    return await call(backend(request).auth.authenticate, raw, now())


async def project_principal(request: Request) -> Principal:
    """The caller of a ``/v2/{project_id}/...`` call, checked against the URL's project."""
    raw = await raw_request(request)
    auth = backend(request).auth
    caller = await call(auth.authenticate, raw, now())
    return auth.authorize_project(caller, request.path_params["project_id"], raw.headers)


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object (ModelArts.2787 otherwise); any Content-Type is accepted."""
    return parse_json_object(await request.body())


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(data, status_code=status, headers=headers)


def empty_response(status: int) -> Response:
    return Response(status_code=status)


def base_url(request: Request) -> str:
    """This server as the client reached it (for URLs pointing back here)."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"
