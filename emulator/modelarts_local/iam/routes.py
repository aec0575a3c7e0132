"""IAM's routes (``/v3``), on the main port."""

from __future__ import annotations

from starlette.routing import Route

from ..service import Service
from . import handlers
from .errors import ROUTING_ERRORS

ROUTES = [
    Route("/v3/auth/tokens", handlers.create_token, methods=["POST"]),
    Route("/v3/auth/tokens", handlers.validate_token, methods=["GET"]),
    Route("/v3/projects", handlers.list_projects, methods=["GET"]),
]

SERVICE = Service("iam", ROUTES, ROUTING_ERRORS, prefix="/v3/")
