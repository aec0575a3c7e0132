"""OBS's errors, in OBS's XML shape (one small class per code), and what the shared machinery answers on
the OBS port (routing failures, injected faults).

::

    <?xml version="1.0" encoding="UTF-8"?>
    <Error><Code>NoSuchKey</Code><Message>...</Message><Resource>/bucket/key</Resource>
    <RequestId>...</RequestId><HostId>...</HostId></Error>

with ``Content-Type: application/xml`` and ``x-obs-request-id`` (``obs-api.md`` §4, ``docs/obs-local-spec.md``
§5). A HEAD answer carries no body (the HTTP server drops it).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.responses import Response

from ..errors import ApiError
from ..faults import FaultAnswers
from ..service import RoutingErrors

REQUEST_ID_HEADER = "x-obs-request-id"
HOST_ID = "modelarts-local"


class ObsError(ApiError):
    """An OBS error answer; ``resource`` is the bucket or object it is about."""

    def __init__(self, *args: object, message: str | None = None, resource: str = "") -> None:
        super().__init__(*args, message=message)
        self.resource = resource

    def response(self, request_id: str) -> Response:
        parts = [f"<Code>{escape(self.code)}</Code>", f"<Message>{escape(self.message)}</Message>"]
        if self.resource:
            parts.append(f"<Resource>{escape(self.resource)}</Resource>")
        parts += [f"<RequestId>{escape(request_id)}</RequestId>", f"<HostId>{HOST_ID}</HostId>"]
        body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
        return Response(
            body, status_code=self.status, media_type="application/xml", headers={REQUEST_ID_HEADER: request_id}
        )


class InvalidUri(ObsError):
    status = 400
    code = "InvalidURI"
    template = "Couldn't parse the specified URI: %s"


class AccessDenied(ObsError):
    status = 403
    code = "AccessDenied"
    template = "%s"


class InvalidAccessKeyId(ObsError):
    status = 403
    code = "InvalidAccessKeyId"
    template = "The OBS Access Key Id you provided does not exist in our records."


class RequestTimeTooSkewed(ObsError):
    status = 403
    code = "RequestTimeTooSkewed"
    template = "%s"


class SignatureDoesNotMatch(ObsError):
    status = 403
    code = "SignatureDoesNotMatch"
    template = "The request signature we calculated does not match the signature you provided."


class NoSuchKey(ObsError):
    status = 404
    code = "NoSuchKey"
    template = "The specified key does not exist."


class MethodNotAllowed(ObsError):
    status = 405
    code = "MethodNotAllowed"
    template = "The specified method is not allowed against this resource."


class InternalError(ObsError):
    status = 500
    code = "InternalError"
    template = "We encountered an internal error. Please try again. (%s)"


class ServiceUnavailable(ObsError):
    status = 503
    code = "ServiceUnavailable"
    template = "Please reduce your request rate."


class SlowDown(ObsError):
    """OBS's throttling: 503 (OBS sends no ``Retry-After``)."""

    status = 503
    code = "SlowDown"
    template = "Please reduce your request rate."


FAULT_ANSWERS = FaultAnswers(
    throttled=lambda code, retry_after: SlowDown(),
    server_error=lambda status: InternalError("injected fault") if status == 500 else ServiceUnavailable(),
    token_expired=lambda: AccessDenied("Access Denied"),
)

ROUTING_ERRORS = RoutingErrors(
    # No route yet for bucket-level calls or the object API: answered as calls the resource does not allow.
    not_found=lambda path: MethodNotAllowed(resource=path),
    method_not_allowed=lambda method: MethodNotAllowed(),
    bad_request=lambda detail: InvalidUri(detail),
    internal=InternalError,
)
