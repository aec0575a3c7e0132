"""The fault middleware: delays, fails, resets or swallows requests as the injector decides, and answers
the failures in the vocabulary of the port it guards."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ApiError
from .connection import break_connection
from .injector import Decision, FaultInjector

log = logging.getLogger("modelarts_local.faults")

_REQUEST_ID_KEY = "modelarts_local.request_id"  # set by middleware.RequestIdMiddleware


@dataclass(frozen=True)
class FaultAnswers:
    """How one port's service words the injected failures."""

    throttled: Callable[[str, int], ApiError]  # (throttle code drawn, Retry-After seconds)
    server_error: Callable[[int], ApiError]  # the 5xx status drawn
    token_expired: Callable[[], ApiError]


class FaultMiddleware:
    """Delays, fails, resets or swallows requests as the :class:`FaultInjector` decides."""

    def __init__(self, app: ASGIApp, injector: FaultInjector, answers: FaultAnswers) -> None:
        self.app = app
        self.injector = injector
        self.answers = answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.injector.config.active:
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET")).upper()
        path = str(scope.get("path", "/"))
        has_token = any(name.lower() == b"x-auth-token" for name, _ in scope.get("headers", []))
        decision = self.injector.decide(method, path, has_token=has_token)
        if decision.latency > 0:
            await asyncio.sleep(decision.latency)
        error = self._error(decision)
        if error is not None:
            await error.response(str(scope.get(_REQUEST_ID_KEY) or ""))(scope, receive, send)
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
