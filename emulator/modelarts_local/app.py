"""The route table: one server answers IAM (``/v3``), ModelArts (``/v2/{project_id}``), pre-signed
object URLs (``/_obs``) and the local admin API (``/_local``)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import admin, errors
from .backend import Backend, Ticker, now_ms
from .faults import FaultInjector, FaultMiddleware, JobOutcomeRule, capture_connection
from .handlers import iam, modelarts, obs
from .middleware import (
    RequestIdMiddleware,
    api_error_handler,
    http_exception_handler,
    unexpected_error_handler,
)

log = logging.getLogger("modelarts_local.app")

V2 = "/v2/{project_id}"
JOB = V2 + "/training-jobs/{training_job_id}"

ROUTES = [
    # IAM
    Route("/v3/auth/tokens", iam.create_token, methods=["POST"]),
    Route("/v3/auth/tokens", iam.validate_token, methods=["GET"]),
    Route("/v3/projects", iam.list_projects, methods=["GET"]),
    # catalog
    Route(V2 + "/training-job-flavors", modelarts.list_flavors, methods=["GET"]),
    Route(V2 + "/training-job-engines", modelarts.list_engines, methods=["GET"]),
    # algorithms
    Route(V2 + "/algorithms", modelarts.create_algorithm, methods=["POST"]),
    Route(V2 + "/algorithms", modelarts.list_algorithms, methods=["GET"]),
    Route(V2 + "/algorithms/{algorithm_id}", modelarts.get_algorithm, methods=["GET"]),
    Route(V2 + "/algorithms/{algorithm_id}", modelarts.update_algorithm, methods=["PUT"]),
    Route(V2 + "/algorithms/{algorithm_id}", modelarts.delete_algorithm, methods=["DELETE"]),
    # training jobs
    Route(V2 + "/training-jobs", modelarts.create_training_job, methods=["POST"]),
    Route(V2 + "/training-job-searches", modelarts.search_training_jobs, methods=["POST"]),
    Route(JOB, modelarts.get_training_job, methods=["GET"]),
    Route(JOB, modelarts.update_training_job, methods=["PUT"]),
    Route(JOB, modelarts.delete_training_job, methods=["DELETE"]),
    Route(JOB + "/actions", modelarts.training_job_action, methods=["POST"]),
    Route(JOB + "/tasks", modelarts.list_training_job_tasks, methods=["GET"]),
    Route(JOB + "/tasks/{task_id}/logs/url", modelarts.training_job_log_url, methods=["GET"]),
    Route(JOB + "/tasks/{task_id}/logs/preview", modelarts.training_job_log_preview, methods=["GET"]),
    Route(JOB + "/metrics/{task_id}", modelarts.training_job_metrics, methods=["GET"]),
    Route(JOB + "/events", modelarts.training_job_events, methods=["GET"]),
    # pre-signed object URLs (log links)
    Route("/_obs/{bucket}/{key:path}", obs.get_object, methods=["GET"]),
    # local administration
    Route("/_local/health", admin.health, methods=["GET"]),
    Route("/_local/state", admin.state, methods=["GET"]),
    Route("/_local/jobs/{training_job_id}/outcome", admin.job_outcome, methods=["POST"]),
    Route("/_local/faults", admin.get_faults, methods=["GET"]),
    Route("/_local/faults", admin.put_faults, methods=["PUT"]),
    Route("/_local/faults", admin.delete_faults, methods=["DELETE"]),
]


class _App(Starlette):
    """Starlette that first remembers the client connection, for the faults that break it (reset, drop).

    Only here is ``send`` still the server's own (uvicorn's); every middleware after this wraps it.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            capture_connection(scope, send)
        await super().__call__(scope, receive, send)


def create_app(backend: Backend, *, run_ticker: bool = True, extra_middleware: Sequence[Middleware] = ()) -> Starlette:
    """The ASGI app over a backend; the ticker runs while the app is up (lifespan).

    Fault injection (``faults.FaultMiddleware``, configured by ``config.faults`` and ``/_local/faults``) sits
    right after the request id; ``extra_middleware`` comes after it, before the routing.
    """
    injector = FaultInjector(backend.config.faults)

    async def force_outcome(job_id: str, rule: JobOutcomeRule) -> None:
        body = {"phase": rule.phase, "exit_code": rule.exit_code, "message": rule.message}
        await run_in_threadpool(backend.jobs.force_outcome, job_id, body, now_ms())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ticker = Ticker(backend)
        if run_ticker:
            ticker.start()
        try:
            yield
        finally:
            ticker.stop()
            try:
                backend.jobs.shutdown(now_ms)
            finally:
                backend.close()

    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(FaultMiddleware, injector=injector, on_job_created=force_outcome),
        *extra_middleware,
    ]
    app = _App(
        routes=ROUTES,
        middleware=middleware,
        exception_handlers={
            errors.ApiError: api_error_handler,
            HTTPException: http_exception_handler,
            Exception: unexpected_error_handler,
        },
        lifespan=lifespan,
    )
    # An API answers a trailing slash it does not know with 404, not a redirect.
    app.router.redirect_slashes = False
    app.state.backend = backend
    app.state.faults = injector
    return app
