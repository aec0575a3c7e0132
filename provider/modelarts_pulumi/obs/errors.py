"""OBS failures as one small error type, parsed from OBS's XML error bodies.

OBS answers an error with a status and, except for HEAD, an XML body::

    <Error><Code>NoSuchKey</Code><Message>...</Message><Resource>/bkt/key</Resource>
           <RequestId>0000018A...</RequestId><HostId>...</HostId></Error>

Only ``Code``, ``Message``, ``Resource`` and ``RequestId`` are read. A ``SignatureDoesNotMatch`` body also echoes
``StringToSign`` and the AK, and the string to sign holds the security token: those elements are never read,
so they cannot reach a message or a log. Bodiless answers (HEAD, a proxy's page) get a code named after
the status.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import KW_ONLY, dataclass

from ..errors import FieldsError

_MAX_MESSAGE = 500

STATUS_CODES = {
    400: "BadRequest",
    403: "AccessDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    411: "MissingContentLength",
    412: "PreconditionFailed",
    416: "InvalidRange",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
"""The code of an error answer without an XML body (HEAD never has one)."""


@dataclass(eq=False, repr=False)
class ObsError(FieldsError):
    """An OBS request failed: ``status`` (0 when no answer came), ``code`` (``NoSuchKey``, ``AccessDenied``, ...),
    ``message``, ``request_id`` (``x-obs-request-id``), and where: ``method`` and ``resource`` (``/bucket/key``).
    """

    status: int
    code: str
    message: str
    _: KW_ONLY
    request_id: str | None = None
    method: str = ""
    resource: str = ""

    def __post_init__(self) -> None:
        self.message = self.message[:_MAX_MESSAGE]
        super().__post_init__()

    @property
    def is_not_found(self) -> bool:
        return self.status == 404

    def _describe(self) -> str:
        where = f"{self.method} {self.resource}".strip()
        text = f"OBS {where}: " if where else "OBS: "
        text += f"{self.status} {self.code}" if self.status else self.code
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class ObsTransportError(ObsError):
    """No HTTP answer after the retries: refused, reset, timed out, DNS or TLS. ``status`` is 0, ``code`` the
    exception's class name (``ConnectionError``, ``SSLError``, ``ReadTimeout``)."""

    def __init__(self, code: str, message: str, *, method: str, resource: str) -> None:
        super().__init__(0, code, message, method=method, resource=resource)


def parse_error_body(body: bytes) -> dict[str, str]:
    """``Code``, ``Message``, ``Resource`` and ``RequestId`` of an XML error body (missing ones left out)."""
    if not body.strip().startswith(b"<"):
        return {}
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return {}
    fields: dict[str, str] = {}
    for child in root:
        name = child.tag.rsplit("}", 1)[-1]  # tolerate a namespace
        if name in ("Code", "Message", "Resource", "RequestId") and child.text:
            fields[name] = child.text.strip()
    return fields


def error_from_answer(
    status: int,
    body: bytes,
    request_id: str | None,
    *,
    method: str,
    resource: str,
    secrets: tuple[str, ...] = (),
) -> ObsError:
    """The :class:`ObsError` for an error answer. ``secrets`` are masked should the service echo one."""
    fields = parse_error_body(body)
    code = fields.get("Code") or STATUS_CODES.get(status, f"HTTP{status}")
    message = fields.get("Message", "")
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return ObsError(
        status,
        code,
        message,
        request_id=fields.get("RequestId") or request_id,
        method=method,
        resource=fields.get("Resource") or resource,
    )


__all__ = ["STATUS_CODES", "ObsError", "ObsTransportError", "error_from_answer", "parse_error_body"]
