"""Request ids and error rendering, the same for every port.

Order, outermost first: request id -> fault injection (``faults.FaultMiddleware``) -> the port's own
middleware -> routing. Every error is an ``errors.ApiError`` that renders itself; routing failures and
unexpected exceptions are worded by the service the path belongs to (``service.RoutingErrors``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import errors
from .ids import new_id
from .service import Service, service_of

log = logging.getLogger("modelarts_local.http")

REQUEST_ID_KEY = "modelarts_local.request_id"


class RequestIdMiddleware:
    """Gives every request an id, sent back in ``header`` (``X-Request-Id``; OBS: ``x-obs-request-id``, 32 hex),
    with the headers ``also`` derives from it on every answer of the port (OBS: ``x-obs-id-2``, ``Server``)."""

    def __init__(
        self,
        app: ASGIApp,
        header: str = errors.REQUEST_ID_HEADER,
        make_id: Callable[[], str] = new_id,
        also: Callable[[str], Sequence[tuple[bytes, bytes]]] = lambda request_id: (),
    ) -> None:
        self.app = app
        self.header = header.lower().encode()
        self.make_id = make_id
        self.also = also

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.make_id()
        scope[REQUEST_ID_KEY] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == self.header for name, _ in headers):
                    headers.append((self.header, request_id.encode()))
                headers.extend(self.also(request_id))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id_of(scope: Scope) -> str:
    value: Any = scope.get(REQUEST_ID_KEY)
    return value if isinstance(value, str) else ""


def _services(request: Request) -> Sequence[Service]:
    found: Sequence[Service] = request.app.state.services
    return found


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ApiError)
    return exc.response(request_id_of(request.scope))


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Starlette's routing errors (unknown path, wrong method) in the vocabulary of the path's service."""
    assert isinstance(exc, HTTPException)
    vocabulary = service_of(request.url.path, _services(request)).errors
    error: errors.ApiError
    if exc.status_code == 405:
        error = vocabulary.method_not_allowed(request.method)
    elif exc.status_code == 404:
        error = vocabulary.not_found(request.url.path)
    else:
        error = vocabulary.bad_request(str(exc.detail))
    return error.response(request_id_of(request.scope))


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    vocabulary = service_of(request.url.path, _services(request)).errors
    return vocabulary.internal(type(exc).__name__).response(request_id_of(request.scope))
