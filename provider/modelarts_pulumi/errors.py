"""The client's error vocabulary: a config error, an API error, and a transport error (no HTTP answer), and
what each failure means: gone, not ready, throttled, transient, maybe processed.

Error bodies are parsed as the official SDK does (``huaweicloudsdkcore.exceptions.exception_handler``):
``error_code``/``error_msg``, then ``errorCode``/``errorMsg``, then ``code``/``message``, recursing into
nested objects such as the IAM shape ``{"error": {"code": 401, "message": "..."}}``; the HTTP status is the
fallback code. A 204 carries its code in the ``X-Error-Code`` header (the local ModelArts: HTTP forbids a body
on a 204, so the "not ready" body the documentation shows never reaches a client).
No message ever contains a header, a token or a key.

What a caller does about a failure (send again, look up, give up) is decided in
:mod:`~modelarts_pulumi.retry_policy`, from the classification here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any
from urllib.parse import urlsplit

NOT_FOUND_CODES = frozenset({"ModelArts.2755", "ModelArts.2775"})
"""Service codes meaning "this algorithm / training job does not exist" (sent with HTTP 400)."""

NOT_A_MISSING_RESOURCE_CODES = frozenset({"ModelArts.2786", "ModelArts.2836"})
"""404 codes that say nothing about the resource (token/project mismatch, unknown route)."""

NOT_READY_CODES = frozenset({"ModelArts.2776", "ModelArts.2777"})
"""The task's log (2776) or metrics (2777) do not exist yet; sent with HTTP 204."""

DUPLICATE_NAME_CODES = frozenset({"ModelArts.2821", "ModelArts.2751"})
"""An algorithm (2821) or training job (2751) of that name exists already."""

NOT_STOPPABLE_CODES = frozenset({"ModelArts.2796", "ModelArts.2878"})
"""The job left the phases in which it can be terminated."""

THROTTLED_STATUS = 429
"""Throttled: refused before the service did anything (gateway APIGW.0308, service ModelArts.2799)."""

SERVER_ERROR_STATUSES = frozenset({500, 502, 503, 504})
"""Server errors worth asking again: the service (or the gateway in front of it) may be fine a moment later."""

NO_ANSWER = 0
"""The ``status`` of a call that got no HTTP answer at all."""

ERROR_CODE_HEADER = "X-Error-Code"
ERROR_MESSAGE_HEADER = "X-Error-Message"

_MAX_MESSAGE = 2000  # an HTML error page can be large; keep messages readable


class ModelArtsError(Exception):
    """Base class of every error this package raises."""


class ModelArtsConfigError(ModelArtsError):
    """Missing or inconsistent settings; the message names the setting (config key, env var) and the rule."""


class FieldsError(ModelArtsError):
    """An error made of fields (a dataclass), whose message :meth:`_describe` words from them."""

    def __post_init__(self) -> None:
        super().__init__(self._describe())

    def _describe(self) -> str:
        raise NotImplementedError

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the fields, keyword-only ones too, when the error crosses a process boundary (pickling): an
        # exception is pickled as its arguments, here the message alone.
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[FieldsError], state: dict[str, Any]) -> FieldsError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error._describe())
    return error


@dataclass(eq=False, repr=False)
class ModelArtsApiError(FieldsError):
    """A ModelArts or IAM call answered with an error.

    ``status`` is the HTTP status, ``error_code`` the service code (``ModelArts.2821``, ``APIGW.0301``, or the
    status as text when the body has none), ``error_msg`` the service's text, ``request_id`` the
    ``X-Request-Id`` answer header. ``method`` and ``url`` locate the call.
    """

    status: int
    error_code: str
    error_msg: str
    request_id: str | None = None
    _: KW_ONLY
    method: str = ""
    url: str = ""

    @property
    def is_not_found(self) -> bool:
        """Gone: the addressed algorithm or training job does not exist (ModelArts says so with a 400)."""
        if self.status == 400:
            return self.error_code in NOT_FOUND_CODES
        return self.status == 404 and self.error_code not in NOT_A_MISSING_RESOURCE_CODES

    @property
    def is_not_ready(self) -> bool:
        """Not ready: the log or metrics of a task do not exist yet (a 204, with or without its code)."""
        return self.status == 204 or self.error_code in NOT_READY_CODES

    @property
    def is_transient(self) -> bool:
        """Worth asking again later: throttled, a server error, or no answer at all."""
        return self.status in (NO_ANSWER, THROTTLED_STATUS) or self.status in SERVER_ERROR_STATUSES

    @property
    def maybe_processed(self) -> bool:
        """The service may have done the work although the call failed: after a server error (the service failed
        after committing, or the gateway gave up waiting for it). A call that is not idempotent, such as a create,
        must then be checked by a lookup before it is sent again. Never after a 4xx: the service refused it."""
        return self.status in SERVER_ERROR_STATUSES

    @property
    def is_duplicate_name(self) -> bool:
        return self.error_code in DUPLICATE_NAME_CODES

    @property
    def is_not_stoppable(self) -> bool:
        return self.error_code in NOT_STOPPABLE_CODES

    @property
    def is_auth_error(self) -> bool:
        return self.status in (401, 403)

    def _location(self) -> str:
        parts = urlsplit(self.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return f"{self.method} {target}".strip()

    def _describe(self) -> str:
        where = self._location()
        text = f"{where} -> " if where else ""
        text += f"{self.status} {self.error_code}: {self.error_msg}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class ModelArtsTransportError(ModelArtsApiError):
    """No HTTP answer: connection refused, DNS, TLS, or a timeout, after the transport's retries.

    It is a :class:`ModelArtsApiError` with ``status`` 0 so that "every failure is a ModelArtsApiError" holds.
    ``maybe_processed`` is True when the request may have reached the service (read timeout, connection
    dropped after sending), False when it never left (connection refused, DNS, TLS).
    """

    def __init__(self, error_code: str, error_msg: str, *, method: str, url: str, maybe_processed: bool) -> None:
        self.request_sent = maybe_processed
        super().__init__(NO_ANSWER, error_code, error_msg, None, method=method, url=url)

    @property
    def maybe_processed(self) -> bool:
        return self.request_sent


def parse_error_body(text: str) -> tuple[str | None, str | None]:
    """``(error_code, error_msg)`` of an error body, in the SDK's order; ``(None, None)`` if it has none."""
    try:
        data = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(data, Mapping):
        return None, None
    return _find_code(data)


def _find_code(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    for code_key, msg_key in (("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")):
        if code_key in data and msg_key in data:
            code, msg = data[code_key], data[msg_key]
            return (None if code is None else str(code)), (None if msg is None else str(msg))
    for value in data.values():
        if isinstance(value, Mapping):
            code, msg = _find_code(value)
            if code is not None or msg is not None:
                return code, msg
    return None, None


def api_error_from_response(
    status: int,
    body: str,
    headers: Mapping[str, str],
    *,
    method: str,
    url: str,
) -> ModelArtsApiError:
    """The error for an answer: service code and text from the body (or, for a bodiless 204, from the
    ``X-Error-Code`` header), else the status and the raw text."""
    code, msg = parse_error_body(body)
    if code is None and headers.get(ERROR_CODE_HEADER):
        code, msg = headers.get(ERROR_CODE_HEADER), headers.get(ERROR_MESSAGE_HEADER) or msg
    request_id = headers.get("X-Request-Id") or headers.get("x-request-id")
    if not msg:
        msg = body.strip()
    if len(msg) > _MAX_MESSAGE:
        msg = msg[:_MAX_MESSAGE] + "..."
    return ModelArtsApiError(
        status,
        code or str(status),
        msg or "(empty body)",
        request_id,
        method=method,
        url=url,
    )
