"""The local admin API (``/_local/...``): health for readiness, a state summary, test hooks. It is no
Huawei service: it answers in the ModelArts shape, with ``ModelArtsLocal.*`` codes.

Everything but ``/_local/health`` needs the header ``X-Local-Admin-Secret`` with the server's admin
secret (from the config, or generated into ``DATA_DIR/admin-secret``).

Fault injection (``faults/``): ``GET /_local/faults`` answers ``{enabled, config, seed, since,
counters: {kind: n}, by_detail: {"error.503": n, "throttle.APIGW.0308": n, ...}, requests: {"METHOD /path":
n}}``; ``PUT /_local/faults`` replaces the configuration with its body (the config file's ``faults`` object)
and starts the counters afresh; ``DELETE /_local/faults`` turns faults off and keeps the counters readable.
``GET /_local/faults/requests?since=EPOCH`` answers ``{requests: [[epoch seconds, "METHOD /path"], ...]}``:
when each counted request arrived (after ``since``), for measuring how often a client calls.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response

from . import __version__
from .clock import now_ms
from .faults import FaultConfigError, parse_faults
from .http import backend, call, json_response
from .service import Service, routes
from .training import errors
from .training.handlers import json_body

ADMIN_HEADER = "x-local-admin-secret"


def require_admin(request: Request) -> None:
    sent = request.headers.get(ADMIN_HEADER, "")
    if not hmac.compare_digest(sent.encode(), backend(request).admin_secret.encode()):
        raise errors.AdminForbidden()


async def health(request: Request) -> Response:
    """Readiness: no authentication, no secrets."""
    b = backend(request)
    return json_response({"status": "ok", "version": __version__, "mode": b.config.mode})


async def state(request: Request) -> Response:
    require_admin(request)
    b = backend(request)
    by_phase = await call(b.jobs.count_by_phase)
    return json_response(
        {
            "version": __version__,
            "mode": b.config.mode,
            "data_dir": str(b.config.data_dir),
            "algorithms": await call(b.algorithms.count),
            "training_jobs": {"total": sum(by_phase.values()), "by_phase": by_phase},
            "tokens": await call(b.tokens.count),
        }
    )


async def job_outcome(request: Request) -> Response:
    """Force a simulated job's outcome now: body ``{"phase": "Completed"|"Failed"|"Abnormal", ...}``."""
    require_admin(request)
    body = await json_body(request)
    job_id = request.path_params["training_job_id"]
    return json_response(await call(backend(request).jobs.force_outcome, job_id, body, now_ms()))


async def get_faults(request: Request) -> Response:
    """The fault configuration in force (with the seed in use) and what was injected so far."""
    require_admin(request)
    return json_response(backend(request).faults.snapshot())


async def get_fault_requests(request: Request) -> Response:
    """When each counted request arrived, after ``?since=`` (epoch seconds; default: all that are kept)."""
    require_admin(request)
    raw = request.query_params.get("since", "0")
    try:
        since = float(raw)
    except ValueError as exc:
        raise errors.InvalidArgument(message=f"since: expected epoch seconds, got {raw!r}") from exc
    arrivals = backend(request).faults.arrivals_since(since)
    return json_response({"requests": [[at, key] for at, key in arrivals]})


async def put_faults(request: Request) -> Response:
    """Replace the fault configuration (body: the config file's ``faults`` object); counters restart."""
    require_admin(request)
    body = await json_body(request)
    try:
        config = parse_faults(body)
    except FaultConfigError as exc:
        raise errors.InvalidArgument(message=str(exc)) from exc
    injector = backend(request).faults
    injector.configure(config)
    return json_response(injector.snapshot())


async def delete_faults(request: Request) -> Response:
    """No more faults; the counters stay readable until the next PUT."""
    require_admin(request)
    injector = backend(request).faults
    injector.disable()
    return json_response(injector.snapshot())


ROUTES = routes(
    {
        "/_local/health": {"GET": health},
        "/_local/state": {"GET": state},
        "/_local/jobs/{training_job_id}/outcome": {"POST": job_outcome},
        "/_local/faults": {"GET": get_faults, "PUT": put_faults, "DELETE": delete_faults},
        "/_local/faults/requests": {"GET": get_fault_requests},
    }
)

SERVICE = Service("local-admin", ROUTES, errors.ROUTING_ERRORS, prefix="/_local/")
