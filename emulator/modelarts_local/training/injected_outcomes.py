"""Fault injection's ``job_outcomes``: new simulated jobs whose name matches a rule end Failed or Abnormal,
at once or ``after_seconds`` later.

An ASGI middleware inside the fault middleware: it watches the answers of ``POST .../training-jobs``
(even those the fault middleware then drops: the job was created all the same), asks the injector whether
a rule picks the new job, and forces the outcome through the admin path of the job service.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..faults import FaultInjector, JobOutcomeRule

log = logging.getLogger("modelarts_local.faults")

CREATE_PATH = "/v2/*/training-jobs"

#: Ends the job (by id) as the rule says.
ForceOutcome = Callable[[str, JobOutcomeRule], Awaitable[None]]


class JobOutcomeMiddleware:
    """Applies the ``job_outcomes`` rules to the jobs that creates answer."""

    def __init__(self, app: ASGIApp, injector: FaultInjector, force_outcome: ForceOutcome) -> None:
        self.app = app
        self.injector = injector
        self.force_outcome = force_outcome
        self._pending: set[asyncio.Task[None]] = set()  # delayed outcomes, kept alive until they ran

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http"
            and self.injector.config.job_outcomes
            and scope.get("method") == "POST"
            and fnmatch.fnmatchcase(str(scope.get("path", "")), CREATE_PATH)
        ):
            await self.app(scope, receive, send)
            return
        status = 0
        body = bytearray()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        if 200 <= status < 300:
            await self._created(bytes(body))

    async def _created(self, body: bytes) -> None:
        try:
            metadata = json.loads(body)["metadata"]
            job_id, name = str(metadata["id"]), str(metadata["name"])
        except (ValueError, KeyError, TypeError):
            return
        rule = self.injector.outcome_for(name)
        if rule is None:
            return

        async def apply() -> None:
            try:
                await self.force_outcome(job_id, rule)
                self.injector.count("job_outcome", f"job_outcome.{rule.phase}")
            except Exception as exc:  # the job may be gone or already ended: nothing to inject then
                log.info("fault: job outcome for %s not applied: %s", job_id, exc)

        if rule.after_seconds <= 0:
            await apply()
            return

        async def later() -> None:
            await asyncio.sleep(rule.after_seconds)
            await apply()

        task = asyncio.get_running_loop().create_task(later())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
