"""The error answer every service shares, and the API gateway's errors.

One small class per wire error, carrying its HTTP status, code and message template; each service
keeps its own in its package (``training/errors.py``: ModelArts ``{"error_code", "error_msg"}``;
``iam/errors.py``: IAM's ``{"error": {...}}``; ``obs/errors.py``: OBS's XML). An error renders itself
(:meth:`ApiError.response`), so whoever catches one, the exception handlers or the fault middleware,
answers it the same way.

The gateway's errors live here because the gateway stands in front of every service: authentication
(``APIGW.0301``, raised by the shared ``auth.py``) and the throttling and backend errors that fault
injection imitates.
"""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.responses import JSONResponse, Response

REQUEST_ID_HEADER = "X-Request-Id"


class ApiError(Exception):
    """An error answer. Subclasses set ``status``, ``code`` and ``template`` and know their body shape."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = ""
    template: ClassVar[str] = ""

    def __init__(self, *args: object, message: str | None = None) -> None:
        if message is None:
            message = self.template % args if args else self.template.replace("%s", "").replace("%d", "")
        self.message = message
        super().__init__(f"{self.code}: {message}")

    def response(self, request_id: str) -> Response:
        """The whole answer, with the request id in the service's header."""
        raise NotImplementedError


class JsonError(ApiError):
    """An error in the ``{"error_code", "error_msg"}`` shape of Huawei Cloud's JSON APIs."""

    def body(self, request_id: str) -> dict[str, Any] | None:
        """The JSON body, or None for statuses that carry none."""
        return {"error_code": self.code, "error_msg": self.message}

    def headers(self) -> dict[str, str]:
        return {}

    def response(self, request_id: str) -> Response:
        headers = {REQUEST_ID_HEADER: request_id, **self.headers()}
        body = self.body(request_id)
        if body is None:
            return Response(status_code=self.status, headers=headers)
        return JSONResponse(body, status_code=self.status, headers=headers)


# --- the API gateway ------------------------------------------------------------------------------------


class GatewayError(JsonError):
    """An error of the API gateway, in front of the service: the body also carries ``request_id``."""

    def body(self, request_id: str) -> dict[str, Any] | None:
        return {"error_code": self.code, "error_msg": self.message, "request_id": request_id}


class AuthenticationFailed(GatewayError):
    """``APIGW.0301``: the credentials were refused before the service was reached."""

    status = 401
    code = "APIGW.0301"
    prefix: ClassVar[str] = "Incorrect IAM authentication information: "

    def __init__(self, *args: object, message: str | None = None) -> None:
        super().__init__(*args, message=message)
        self.message = self.prefix + self.message


class AuthInfoMissing(AuthenticationFailed):
    template = "x-auth-token not found"


class TokenUndecryptable(AuthenticationFailed):
    template = "decrypt token fail"


class TokenExpired(AuthenticationFailed):
    template = "token expires"


class AccessKeyNotFound(AuthenticationFailed):
    template = "Get secretKey failed,ak:%s,err:ak not exist"


class SignatureMismatch(AuthenticationFailed):
    # The documented text, plus the reason after a comma as the gateway does.
    template = "verify aksk signature fail, %s"


class SecurityTokenMismatch(AuthenticationFailed):
    template = "verify security token fail"


class AccessKeyLocked(AuthenticationFailed):
    # An AK/SK pair that failed more than five times in a row is refused for five minutes (APIG FAQ).
    template = "AK access failed to reach the limit,forbidden."


class Throttled(JsonError):
    """A 429 that says when to try again (``Retry-After``)."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class GatewayThrottled(Throttled, GatewayError):
    status = 429
    code = "APIGW.0308"
    template = "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute"


class BackendUnavailable(GatewayError):
    status = 502
    code = "APIG.0202"
    template = "Backend unavailable"


class BackendTimeout(GatewayError):
    status = 504
    code = "APIG.0203"
    template = "Backend timeout"


class LoadBalancerUnavailable(ApiError):
    """503 from a load balancer in front of everything: an HTML page and no error code at all."""

    status = 503
    page = (
        b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
        b"<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
    )

    def response(self, request_id: str) -> Response:
        return Response(self.page, status_code=503, media_type="text/html", headers={REQUEST_ID_HEADER: request_id})
