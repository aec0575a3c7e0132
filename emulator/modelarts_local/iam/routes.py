"""IAM's routes (``/v3`` and ``/v3.0``), on the main port."""

from __future__ import annotations

from ..service import Service, routes
from . import PREFIXES, handlers
from .errors import ROUTING_ERRORS

ROUTES = routes(
    {
        "/v3/auth/tokens": {"POST": handlers.create_token, "GET": handlers.validate_token},
        "/v3/projects": {"GET": handlers.list_projects},
        "/v3.0/OS-CREDENTIAL/securitytokens": {"POST": handlers.create_temporary_credentials},
    }
)

SERVICE = Service("iam", ROUTES, ROUTING_ERRORS, prefix=PREFIXES)
