"""AK/SK request signing (``SDK-HMAC-SHA256``), as the official SDK signs.

:func:`sign` is the signing algorithm of the official SDK (``huaweicloudsdkcore/signer/signer.py``) as a pure
function; :class:`AkSkAuth` applies it to a ``requests.PreparedRequest`` exactly as it will be sent.
``tests/client/test_signer.py`` checks both against the SDK's own signer, byte for byte. Nothing here logs or
raises with a key in the message.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

UTC = timezone.utc  # datetime.UTC is Python 3.11+; this package supports 3.10

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
HEADER_DATE = "X-Sdk-Date"
HEADER_CONTENT_SHA256 = "X-Sdk-Content-Sha256"
HEADER_PROJECT_ID = "X-Project-Id"
HEADER_SECURITY_TOKEN = "X-Security-Token"


def _encode(text: str) -> str:
    # RFC 3986: everything but the unreserved characters is percent-encoded, '/' included ('~' is kept).
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    """Decode the path, re-encode each segment, and end it with '/' (the SDK's rule)."""
    encoded = "/".join(_encode(segment) for segment in unquote(path or "/").split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def query_pairs(query: str) -> list[tuple[str, str]]:
    """The decoded ``(key, value)`` pairs of a query string, in order, blanks kept (``?a`` is ``a=``)."""
    return parse_qsl(query, keep_blank_values=True)


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Sort the decoded pairs (by key, then value), encode both, join with '&'.

    This is also the query string the request is sent with, as the SDK does.
    """
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(pairs))


def _get(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | str | None,
    ak: str,
    sk: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign a request; return its headers with ``X-Sdk-Date``, ``Host`` and ``Authorization`` added.

    - ``X-Sdk-Date`` in ``headers`` is kept (it is what gets signed), else ``now`` (UTC) is used.
    - ``Host`` in ``headers`` is kept, else the URL's ``host[:port]``.
    - A ``Content-Type`` other than JSON/BSON adds ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`` (as the SDK).
    - Every header is signed except those whose name contains ``_`` (the SDK skips them).
    - The URL's query is signed in canonical form; send the request with :func:`canonical_query` of it.
    Header values come back stripped, as the SDK sends them.
    """
    parts = urlsplit(url)
    signed: dict[str, str] = {key: _text(value).strip() for key, value in headers.items()}

    content_type = _get(signed, "Content-Type")
    if content_type and not content_type.startswith(("application/json", "application/bson")):
        signed[HEADER_CONTENT_SHA256] = "UNSIGNED-PAYLOAD"

    date = _get(signed, HEADER_DATE)
    if date is None:
        moment = now if now is not None else datetime.now(UTC)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        date = moment.strftime(DATE_FORMAT)
        signed[HEADER_DATE] = date
    if _get(signed, "Host") is None:
        signed["Host"] = parts.netloc

    names = sorted(key.lower() for key in signed if "_" not in key)
    lowered = {key.lower(): value for key, value in signed.items()}
    canonical_headers = "".join(f"{name}:{lowered[name]}\n" for name in names)
    signed_headers = ";".join(names)

    payload = body.encode("utf-8") if isinstance(body, str) else body
    if not payload:
        payload_hash = EMPTY_BODY_SHA256
    else:
        payload_hash = _get(signed, HEADER_CONTENT_SHA256) or hashlib.sha256(payload).hexdigest()

    canonical_request = "\n".join(
        (
            method.upper(),
            canonical_uri(parts.path),
            canonical_query(query_pairs(parts.query)),
            canonical_headers,
            signed_headers,
            payload_hash,
        )
    )
    string_to_sign = f"{ALGORITHM}\n{date}\n{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
    signature = hmac.new(sk.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    signed["Authorization"] = f"{ALGORITHM} Access={ak}, SignedHeaders={signed_headers}, Signature={signature}"
    return signed


class AkSkAuth(AuthBase):
    """Sign each request with an AK/SK pair (SDK-HMAC-SHA256), as the official SDK's ``BasicCredentials`` do.

    Adds ``X-Project-Id`` when a project id is given and ``X-Security-Token`` for temporary credentials, then
    signs every header present (requests has already added Content-Type/Content-Length and the session's
    headers). The URL's query is rewritten to its canonical form, which is what is signed; the values it
    carries are unchanged.
    """

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        project_id: str | None = None,
        security_token: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.access_key = access_key
        self._secret_key = secret_key
        self.project_id = project_id
        self._security_token = security_token
        self._clock = clock or (lambda: datetime.now(UTC))

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if r.url is None or r.method is None:
            raise ValueError("cannot sign a request without a method and URL")
        parts = urlsplit(r.url)
        r.url = urlunsplit(parts._replace(query=canonical_query(query_pairs(parts.query))))

        body = r.body
        if isinstance(body, str):
            # Send exactly the bytes that were hashed.
            body = body.encode("utf-8")
            r.body = body
            r.headers["Content-Length"] = str(len(body))
        if body is not None and not isinstance(body, bytes):
            raise TypeError("AK/SK signing needs the request body in memory (bytes or str), not a stream")

        for stale in ("Authorization", HEADER_DATE, "Host", HEADER_CONTENT_SHA256):
            r.headers.pop(stale, None)  # a re-sent request is signed afresh
        if self.project_id:
            r.headers[HEADER_PROJECT_ID] = self.project_id
        if self._security_token:
            r.headers[HEADER_SECURITY_TOKEN] = self._security_token

        signed = sign(r.method, r.url, r.headers, body, self.access_key, self._secret_key, self._clock())
        for key, value in signed.items():
            # Non-ASCII values go out as UTF-8 bytes, as the SDK sends them (http.client writes latin-1).
            r.headers[key] = value.encode("utf-8").decode("iso-8859-1")
        return r

    def __repr__(self) -> str:
        return f"AkSkAuth(access_key='***', project_id={self.project_id!r})"
