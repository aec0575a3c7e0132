"""OBS's errors, in OBS's XML shape (one small class per code), and what the shared machinery answers on
the OBS port (routing failures, injected faults).

::

    <?xml version="1.0" encoding="UTF-8"?>
    <Error><Code>NoSuchKey</Code><Message>...</Message><Resource>/bucket/key</Resource>
    <RequestId>...</RequestId><HostId>...</HostId>[<Key>...</Key>]</Error>

with ``Content-Type: application/xml`` and ``x-obs-request-id`` (``obs-api.md`` §4, ``docs/obs-local-spec.md``
§5). A HEAD answer carries no body (the HTTP server drops it). Codes, statuses and messages follow OBS's error
table (``obs_04_0115``) and its per-code pages; the extra elements some codes carry (``StringToSign`` for a
signature mismatch, ``BucketName``, ``Key``, ``UploadId``, sizes and times) follow OBS's documentation where it
names them and the S3 convention OBS mirrors elsewhere.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from starlette.responses import Response

from ..errors import ApiError
from ..faults import FaultAnswers
from ..service import RoutingErrors

REQUEST_ID_HEADER = "x-obs-request-id"
HOST_ID = "modelarts-local"


def answer_headers(request_id: str) -> Sequence[tuple[bytes, bytes]]:
    """What every OBS answer carries besides its request id: ``x-obs-id-2`` (a second trace id) and ``Server``."""
    return ((b"x-obs-id-2", base64.b64encode(b"32" + request_id.encode())), (b"server", b"OBS"))


class ObsError(ApiError):
    """An OBS error answer; ``resource`` is the bucket or object it is about, ``extra`` the code's own elements."""

    def __init__(
        self,
        *args: object,
        message: str | None = None,
        resource: str = "",
        extra: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(*args, message=message)
        self.resource = resource
        self.extra = dict(extra or {})

    def about(self, resource: str) -> ObsError:
        """The same error, about ``resource`` unless it already names one."""
        self.resource = self.resource or resource
        return self

    def response(self, request_id: str) -> Response:
        parts = [f"<Code>{escape(self.code)}</Code>", f"<Message>{escape(self.message)}</Message>"]
        if self.resource:
            parts.append(f"<Resource>{escape(self.resource)}</Resource>")
        parts += [f"<RequestId>{escape(request_id)}</RequestId>", f"<HostId>{HOST_ID}</HostId>"]
        parts += [f"<{name}>{escape(value)}</{name}>" for name, value in self.extra.items()]
        body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
        return Response(
            body, status_code=self.status, media_type="application/xml", headers={REQUEST_ID_HEADER: request_id}
        )


# --- 400 ----------------------------------------------------------------------------------------------


class InvalidUri(ObsError):
    status = 400
    code = "InvalidURI"
    template = "Couldn't parse the specified URI: %s"


class BadDigest(ObsError):
    status = 400
    code = "BadDigest"
    template = "The Content-MD5 you specified did not match what we received."


class InvalidDigest(ObsError):
    status = 400
    code = "InvalidDigest"
    template = "The Content-MD5 you specified was invalid."


class EntityTooLarge(ObsError):
    status = 400
    code = "EntityTooLarge"
    template = "Your proposed upload exceeds the maximum allowed object size."


class EntityTooSmall(ObsError):
    status = 400
    code = "EntityTooSmall"
    template = "Your proposed upload is smaller than the minimum allowed object size."


class InvalidArgument(ObsError):
    status = 400
    code = "InvalidArgument"
    template = "%s"


class InvalidBucketName(ObsError):
    status = 400
    code = "InvalidBucketName"
    template = "The specified bucket is not valid."


class InvalidPart(ObsError):
    status = 400
    code = "InvalidPart"
    template = (
        "One or more of the specified parts could not be found. The part might not have been uploaded, or the "
        "specified entity tag might not have matched the part's entity tag."
    )


class InvalidPartOrder(ObsError):
    status = 400
    code = "InvalidPartOrder"
    template = "The list of parts was not in ascending order. The parts list must be specified in order by part number."


class InvalidRequest(ObsError):
    status = 400
    code = "InvalidRequest"
    template = "%s"


class KeyTooLong(ObsError):
    status = 400
    code = "KeyTooLongError"
    template = "Your key is too long."


class MalformedXml(ObsError):
    status = 400
    code = "MalformedXML"
    template = "The XML you provided was not well-formed or did not validate against our published schema."


class TooManyWrongSignature(ObsError):
    """OBS's guard against signature guessing: an AK whose signatures keep failing is refused for a while."""

    status = 400
    code = "TooManyWrongSignature"
    template = "The request is rejected due to high-frequency errors."


# --- 403 ----------------------------------------------------------------------------------------------


class AccessDenied(ObsError):
    status = 403
    code = "AccessDenied"
    template = "%s"


class InvalidAccessKeyId(ObsError):
    status = 403
    code = "InvalidAccessKeyId"
    template = "The OBS Access Key Id you provided does not exist in our records."


class InvalidSecurityToken(InvalidAccessKeyId):
    """A temporary AK without its token, with another one, or after it expired (OBS ``obs_errorcode_0009``)."""

    template = "The security token is invalid."


class RequestTimeTooSkewed(ObsError):
    status = 403
    code = "RequestTimeTooSkewed"
    template = "%s"


class SignatureDoesNotMatch(ObsError):
    status = 403
    code = "SignatureDoesNotMatch"
    template = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


# --- 404 and later ------------------------------------------------------------------------------------


class NoSuchBucket(ObsError):
    status = 404
    code = "NoSuchBucket"
    template = "The specified bucket does not exist."


class NoSuchKey(ObsError):
    status = 404
    code = "NoSuchKey"
    template = "The specified key does not exist."


class NoSuchUpload(ObsError):
    status = 404
    code = "NoSuchUpload"
    template = (
        "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload "
        "might have been aborted or completed."
    )


class MethodNotAllowed(ObsError):
    status = 405
    code = "MethodNotAllowed"
    template = "The specified method is not allowed against this resource."


class BucketAlreadyOwnedByYou(ObsError):
    status = 409
    code = "BucketAlreadyOwnedByYou"
    template = "Your previous request to create the named bucket succeeded and you already own it."


class BucketNotEmpty(ObsError):
    status = 409
    code = "BucketNotEmpty"
    template = "The bucket you tried to delete is not empty."


class PreconditionFailed(ObsError):
    status = 412
    code = "PreconditionFailed"
    template = "At least one of the preconditions you specified did not hold."


class InvalidRange(ObsError):
    status = 416
    code = "InvalidRange"
    template = "The requested range cannot be satisfied."


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


class NotModified(ApiError):
    """304: a conditional GET whose object did not change; no body, as HTTP wants."""

    status = 304
    code = "NotModified"

    def __init__(self, etag: str, last_modified: str) -> None:
        super().__init__()
        self.headers = {"ETag": etag, "Last-Modified": last_modified}

    def response(self, request_id: str) -> Response:
        return Response(status_code=304, headers={REQUEST_ID_HEADER: request_id, **self.headers})


FAULT_ANSWERS = FaultAnswers(
    throttled=lambda code, retry_after: SlowDown(),
    server_error=lambda status: InternalError("injected fault") if status == 500 else ServiceUnavailable(),
    token_expired=lambda: AccessDenied("Access Denied"),
)

ROUTING_ERRORS = RoutingErrors(
    not_found=lambda path: MethodNotAllowed(resource=path),
    method_not_allowed=lambda method: MethodNotAllowed(),
    bad_request=lambda detail: InvalidUri(detail),
    internal=InternalError,
)
