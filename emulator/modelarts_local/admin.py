"""The local admin API (``/_local/...``): health for readiness, a state summary, test hooks.

Everything but ``/_local/health`` needs the header ``X-Local-Admin-Secret`` with the server's admin
secret (from the config, or generated into ``DATA_DIR/admin-secret``). Fault injection (429/5xx rates,
latency, resets, dropped responses, early token expiry) is meant to arrive as one middleware module
configured through this API; see ``app.py`` for where it plugs in.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response

from . import __version__, errors
from .backend import now_ms
from .handlers.common import backend, call, json_body, json_response

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
            "algorithms": await call(b.store.count_algorithms),
            "training_jobs": {"total": sum(by_phase.values()), "by_phase": by_phase},
            "tokens": await call(b.store.count_tokens),
        }
    )


async def job_outcome(request: Request) -> Response:
    """Force a simulated job's outcome now: body ``{"phase": "Completed"|"Failed"|"Abnormal", ...}``."""
    require_admin(request)
    body = await json_body(request)
    job_id = request.path_params["training_job_id"]
    return json_response(await call(backend(request).jobs.force_outcome, job_id, body, now_ms()))
