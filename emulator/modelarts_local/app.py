"""The ASGI apps, assembled from the services' route tables.

- The main port (``create_app``): IAM (``/v3``), ModelArts (``/v2/{project_id}``), pre-signed object URLs
  (``/_obs``) and the local admin API (``/_local``).
- The OBS port (``create_obs_app``, ``serve --obs-port``): the OBS endpoint, as ``obs.{region}.myhuaweicloud.com``
  is one of its own.

Both share one backend (store, identities, fault injector). Middleware, outermost first: the request id
(in the port's header), fault injection (answering in the port's vocabulary), the port's own middleware,
then the routing. Errors render themselves; routing failures are worded by the path's service.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send

from . import admin, errors
from .backend import Backend
from .clock import now_ms
from .faults import FaultMiddleware, JobOutcomeRule, capture_connection
from .iam.routes import SERVICE as IAM
from .ids import new_obs_request_id
from .middleware import RequestIdMiddleware, api_error_handler, http_exception_handler, unexpected_error_handler
from .obs import errors as obs_errors
from .obs.addressing import fault_target
from .obs.routes import PRESIGNED_SERVICE as OBS_PRESIGNED
from .obs.routes import SERVICE as OBS
from .service import Service
from .training import errors as modelarts_errors
from .training.injected_outcomes import JobOutcomeMiddleware
from .training.routes import SERVICE as MODELARTS

#: The main port's services; a path none of the prefixed ones claims belongs to ModelArts.
MAIN_PORT_SERVICES: tuple[Service, ...] = (IAM, OBS_PRESIGNED, admin.SERVICE, MODELARTS)


class _App(Starlette):
    """Starlette that first remembers the client connection, for the faults that break it (reset, drop).

    Only here is ``send`` still the server's own (uvicorn's); every middleware after this wraps it.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            capture_connection(scope, send)
        await super().__call__(scope, receive, send)


def create_app(backend: Backend) -> Starlette:
    """The main port's app over a backend."""

    async def force_outcome(job_id: str, rule: JobOutcomeRule) -> None:
        body = {"phase": rule.phase, "exit_code": rule.exit_code, "message": rule.message}
        await run_in_threadpool(backend.jobs.force_outcome, job_id, body, now_ms())

    outcomes = Middleware(JobOutcomeMiddleware, injector=backend.faults, force_outcome=force_outcome)
    request_ids = Middleware(RequestIdMiddleware, header=errors.REQUEST_ID_HEADER)
    faults = Middleware(FaultMiddleware, injector=backend.faults, answers=modelarts_errors.FAULT_ANSWERS)
    return _assemble(backend, MAIN_PORT_SERVICES, [request_ids, faults, outcomes])


def create_obs_app(backend: Backend) -> Starlette:
    """The OBS port's app over the same backend: OBS's headers on every answer, OBS's words for faults."""
    request_ids = Middleware(
        RequestIdMiddleware,
        header=obs_errors.REQUEST_ID_HEADER,
        make_id=new_obs_request_id,
        also=obs_errors.answer_headers,
    )
    faults = Middleware(
        FaultMiddleware,
        injector=backend.faults,
        answers=obs_errors.FAULT_ANSWERS,
        port="obs",
        target=fault_target(backend.obs.domain),
    )
    return _assemble(backend, (OBS,), [request_ids, faults])


def _assemble(backend: Backend, services: Sequence[Service], middleware: Sequence[Middleware]) -> Starlette:
    """An app over the services' routes; ``middleware`` outermost first: request ids, faults, the port's own."""
    app = _App(
        routes=[route for service in services for route in service.routes],
        middleware=list(middleware),
        exception_handlers={
            errors.ApiError: api_error_handler,
            HTTPException: http_exception_handler,
            Exception: unexpected_error_handler,
        },
    )
    # An API answers a trailing slash it does not know with 404, not a redirect.
    app.router.redirect_slashes = False
    app.state.backend = backend
    app.state.services = tuple(services)
    return app
