"""IAM's errors, in the keystone shape: ``{"error": {"code": 401, "message": "...", "title": "Unauthorized"}}``."""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import JsonError
from ..service import RoutingErrors


class KeystoneError(JsonError):
    """An IAM error in the keystone shape."""

    title: ClassVar[str] = "Bad Request"

    def body(self, request_id: str) -> dict[str, Any] | None:
        return {"error": {"code": self.status, "message": self.message, "title": self.title}}


class IamBadRequest(KeystoneError):
    status = 400
    title = "Bad Request"
    template = "The request body is invalid: %s"


class IamUnauthorized(KeystoneError):
    status = 401
    title = "Unauthorized"
    template = "The request you have made requires authentication."


class IamNotFound(KeystoneError):
    status = 404
    title = "Not Found"
    template = "Could not find %s."


class IamMethodNotAllowed(KeystoneError):
    status = 405
    title = "Method Not Allowed"
    template = "The method is not allowed for the requested URL."


class IamInternalError(KeystoneError):
    status = 500
    title = "Internal Server Error"
    template = "An unexpected error prevented the server from fulfilling your request (%s)."


ROUTING_ERRORS = RoutingErrors(
    not_found=IamNotFound,
    method_not_allowed=lambda method: IamMethodNotAllowed(),
    bad_request=IamBadRequest,
    internal=IamInternalError,
)
