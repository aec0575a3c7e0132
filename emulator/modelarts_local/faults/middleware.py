"""The fault middleware: delays, fails, resets, swallows or cuts short requests as the injector decides, and
answers the failures in the vocabulary of the port it guards."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ApiError
from ..middleware import request_id_of
from .connection import break_connection
from .injector import Decision, FaultInjector

log = logging.getLogger("modelarts_local.faults")


@dataclass(frozen=True)
class FaultAnswers:
    """How one port's service words the injected failures."""

    throttled: Callable[[str, int], ApiError]  # (throttle code drawn, Retry-After seconds)
    server_error: Callable[[int], ApiError]  # the 5xx status drawn
    token_expired: Callable[[], ApiError]


def scope_path(scope: Scope) -> str:
    return str(scope.get("path", "/"))


@dataclass(eq=False)
class FaultMiddleware:
    """Delays, fails, resets, swallows or cuts short requests as the :class:`FaultInjector` decides.

    ``port`` names the port for rules that filter on it; ``target`` gives the path rules match (the request's
    path by default; the OBS port puts the bucket of a virtual-host request in front)."""

    app: ASGIApp
    injector: FaultInjector
    answers: FaultAnswers
    port: str = "main"
    target: Callable[[Scope], str] = scope_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.injector.config.active:
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET")).upper()
        path = self.target(scope)
        has_token = any(name.lower() == b"x-auth-token" for name, _ in scope.get("headers", []))
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        decision = self.injector.decide(method, path, has_token=has_token, port=self.port, query=query)
        if decision.latency > 0:
            await asyncio.sleep(decision.latency)
        error = self._error(decision)
        if error is not None:
            await error.response(request_id_of(scope))(scope, receive, send)
            return
        if decision.kind == "reset":
            log.info("fault: reset %s %s", method, path)
            await break_connection(scope, reset=True)
            return
        if decision.kind == "drop":
            log.info("fault: drop the answer of %s %s", method, path)
            await self.app(scope, receive, _swallow)
            await break_connection(scope, reset=False)
            return
        if decision.kind == "truncate":
            log.info("fault: cut the answer of %s %s after %d bytes", method, path, decision.truncate_after)
            await self.app(scope, receive, _Truncating(scope, send, decision.truncate_after))
            return
        await self.app(scope, receive, send)

    def _error(self, decision: Decision) -> ApiError | None:
        if decision.kind == "throttle":
            return self.answers.throttled(decision.code, decision.retry_after)
        if decision.kind == "error":
            return self.answers.server_error(decision.status)
        if decision.kind == "token_expiry":
            return self.answers.token_expired()
        return None


async def _swallow(message: Message) -> None:
    """A ``send`` that writes nothing: the handler's answer is lost."""


class _Truncating:
    """A ``send`` that passes a successful answer on until ``budget`` body bytes have gone out, then closes the
    connection: the client has the whole head (``Content-Length`` included) and a body cut short. Error answers
    go out whole."""

    def __init__(self, scope: Scope, send: Send, budget: int) -> None:
        self._scope = scope
        self._send = send
        self._budget = budget
        self._passing = True
        self._closed = False

    async def __call__(self, message: Message) -> None:
        if self._closed:
            return
        if message["type"] == "http.response.start":
            self._passing = int(message.get("status", 200)) >= 300
            await self._send(message)
            return
        if self._passing or message["type"] != "http.response.body":
            await self._send(message)
            return
        body = bytes(message.get("body", b""))
        if len(body) < self._budget or (len(body) == self._budget and not message.get("more_body", False)):
            self._budget -= len(body)
            await self._send(message)  # within the budget (or the whole answer fits: nothing to cut)
            return
        await self._send({"type": "http.response.body", "body": body[: self._budget], "more_body": True})
        self._closed = True
        await break_connection(self._scope, reset=False)
