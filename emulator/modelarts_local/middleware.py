"""ASGI middleware and error rendering.

Order, outermost first: request id -> fault injection (``faults.FaultMiddleware``) -> routing. The
fault middleware sees every request after it got its id, and may delay, fail, reset or swallow it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import errors

log = logging.getLogger("modelarts_local.http")

REQUEST_ID_KEY = "modelarts_local.request_id"


class RequestIdMiddleware:
    """Gives every request an id (``X-Request-Id`` on every response, ``request_id`` in APIGW errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope[REQUEST_ID_KEY] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id(request: Request) -> str:
    value: Any = request.scope.get(REQUEST_ID_KEY)
    if isinstance(value, str):
        return value
    new_id = str(uuid.uuid4())
    request.scope[REQUEST_ID_KEY] = new_id
    return new_id


def render_error(request: Request, exc: errors.ApiError) -> Response:
    rid = request_id(request)
    headers = {"X-Request-Id": rid, **exc.headers()}
    body = exc.body(rid)
    if body is None:
        return Response(status_code=exc.status, headers=headers)
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ApiError)
    return render_error(request, exc)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Starlette's routing errors (unknown path, wrong method) in the service's error vocabulary."""
    assert isinstance(exc, HTTPException)
    iam = request.url.path.startswith("/v3/")
    error: errors.ApiError
    if exc.status_code == 405:
        error = errors.IamMethodNotAllowed() if iam else errors.MethodNotAllowed(request.method)
    elif exc.status_code == 404:
        error = errors.IamNotFound(request.url.path) if iam else errors.PathNotFound(request.url.path)
    else:
        error = errors.InvalidArgument(message=str(exc.detail))
    return render_error(request, error)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return render_error(request, errors.InternalError(type(exc).__name__))
