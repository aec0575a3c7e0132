"""What every service's handlers share: the backend, authentication, the thread pool, JSON in and out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .auth import Caller, RawRequest, headers_from_scope
from .backend import Backend
from .clock import now

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


async def authenticated_caller(request: Request) -> tuple[Caller, RawRequest]:
    """The caller of an authenticated call (token or AK/SK), and the request as the signature covered it."""
    raw = await raw_request(request)
    auth = backend(request).auth
    if auth.needs_store(raw):
        return await call(auth.authenticate, raw, now()), raw
    return auth.authenticate(raw, now()), raw


def json_object(raw: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (each service words that error its own way)."""
    try:
        value = json.loads(raw.decode("utf-8")) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(data, status_code=status, headers=headers)


def empty_response(status: int) -> Response:
    return Response(status_code=status)


def base_url(request: Request) -> str:
    """This server as the client reached it (for URLs pointing back here)."""
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}"
