"""IAM's routes (``/v3``), on the main port."""

from __future__ import annotations

from ..service import Service, routes
from . import handlers
from .errors import ROUTING_ERRORS

ROUTES = routes(
    {
        "/v3/auth/tokens": {"POST": handlers.create_token, "GET": handlers.validate_token},
        "/v3/projects": {"GET": handlers.list_projects},
    }
)

SERVICE = Service("iam", ROUTES, ROUTING_ERRORS, prefix="/v3/")
