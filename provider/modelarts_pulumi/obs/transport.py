"""The one place OBS requests are built, signed, sent, retried and turned into errors.

- **Retries** are the ModelArts transport's: the urllib3 ``Retry`` policy of :func:`modelarts_pulumi.http.build_retry`
  (same settings: ``maxRetries``, ``retryBudgetSeconds``), mounted on a requests adapter, with the call's
  idempotency rule: GET/HEAD/PUT/DELETE are retried on read errors and 429/5xx, a POST only when the caller
  says it is idempotent (see :mod:`.client` for which are), every method on connection failures and 429.
  A retry re-sends the same signed bytes: the ``Date`` stays well inside OBS's 15-minute window, because the
  retry budget is far shorter.
- **Timeouts** are ``settings.timeout_seconds`` (connect and each read), **TLS** ``settings.verify``: on by
  default, with host-name checking (requests), a CA bundle path if given.
- **Signatures** are added by a requests auth hook (:class:`_ObsAuth`), which also keeps a ``~/.netrc`` from
  putting its own ``Authorization`` on our requests.
- **Logging** (logger ``modelarts_pulumi.obs``, DEBUG): method, resource, status, time, attempts and request id.
  Never a header, a query value of a pre-signed URL, a string to sign or a body.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from .. import retry_policy
from ..http import USER_AGENT, build_retry, call_policy
from ..settings import Settings
from .credentials import CredentialSource, ObsCredentials
from .endpoint import ObsEndpoint
from .errors import ObsTransportError, error_from_answer
from .signer import SignatureStyle, authorization, canonical_resource, string_to_sign

logger = logging.getLogger("modelarts_pulumi.obs")

_MAX_ERROR_BODY = 64 * 1024

# The SDK quotes every header value it builds with these characters left as they are
# (client.py _rename_request_headers_handle); metadata values are stored and signed in that form.
_HEADER_SAFE = " ;/?:@&=+$,'*"


def sdk_header_value(value: str) -> str:
    """A header value as the SDK sends it: non-ASCII and reserved characters %-quoted."""
    return quote(value, safe=_HEADER_SAFE)


@dataclass(frozen=True)
class ObsRequest:
    """One OBS call. ``query`` holds sub-resources and parameters alike, in the SDK's order; ``None`` is a bare
    name (``?uploads``). Only the sub-resources among them are signed."""

    method: str
    bucket: str | None
    key: str | None = None
    query: Mapping[str, str | None] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    idempotent: bool | None = None  # None: by method
    stream: bool = False  # leave the answer's body unread (downloads)

    @property
    def resource(self) -> str:
        """``/bucket/key`` for messages and logs (no query: an upload id is noise there)."""
        return "/" + "/".join(part for part in (self.bucket, self.key) if part)


class _ObsAuth(AuthBase):
    """Adds ``Date``, the security token and ``Authorization`` to a prepared request."""

    def __init__(
        self, credentials: ObsCredentials, style: SignatureStyle, resource: str, clock: Callable[[], float]
    ) -> None:
        self._credentials = credentials
        self._style = style
        self._resource = resource
        self._clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        headers = request.headers
        if self._style.date_header not in {name.lower() for name in headers}:
            headers["Date"] = formatdate(self._clock(), usegmt=True)
        if self._credentials.security_token:
            headers[self._style.security_token_header] = self._credentials.security_token
        text = string_to_sign(request.method or "", self._resource, dict(headers), self._style)
        headers["Authorization"] = authorization(
            self._credentials.access_key, self._credentials.secret_key, self._style, text
        )
        return request

    def __repr__(self) -> str:
        return "_ObsAuth()"


def check_key(key: str) -> None:
    """Refuse keys that cannot travel in a URL unchanged: empty, too long, or with ``.``/``..`` segments (HTTP
    libraries normalise those away, so the request would name another object than the one signed)."""
    if not key:
        raise ValueError("an OBS object key must not be empty")
    if len(key.encode("utf-8")) > 1024:
        raise ValueError(f"an OBS object key is at most 1024 bytes, got {len(key.encode('utf-8'))}: {key[:60]!r}...")
    if any(segment in (".", "..") for segment in key.split("/")):
        raise ValueError(f"OBS object key {key!r} has a '.' or '..' path segment, which URLs cannot carry unchanged")


class ObsTransport:
    """Signed, retrying HTTP to one OBS endpoint. Thread-safe (the transfer workers share one)."""

    def __init__(
        self,
        settings: Settings,
        endpoint: ObsEndpoint,
        credentials: CredentialSource,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        pool_size: int = 16,
    ) -> None:
        self.settings = settings
        self.endpoint = endpoint
        self.credentials = credentials
        self.clock = clock
        self._session = session or requests.Session()
        adapter = HTTPAdapter(max_retries=build_retry(settings), pool_connections=pool_size, pool_maxsize=pool_size)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["Accept-Encoding"] = "identity"  # objects come back byte for byte
        self._session.headers.pop("Accept", None)

    def send(self, request: ObsRequest) -> requests.Response:
        """Send, retrying as the policy allows; a 2xx answer is returned, anything else raises :class:`ObsError`.

        With ``request.stream`` the body of a 2xx answer is left unread: the caller reads and closes it.
        """
        if request.key is not None:
            check_key(request.key)
        method = request.method.upper()
        credentials = self.credentials.current()
        style = self.endpoint.style
        resource = canonical_resource(
            request.bucket, request.key, request.query, style, path_style=self.endpoint.path_style
        )
        url = self.endpoint.url(request.bucket, request.key, request.query)
        idempotent = retry_policy.is_idempotent(method, request.idempotent)
        started = time.monotonic()
        try:
            with call_policy(idempotent):
                response = self._session.request(
                    method,
                    url,
                    data=request.body,
                    headers=dict(request.headers),
                    auth=_ObsAuth(credentials, style, resource, self.clock),
                    timeout=self.settings.timeout_seconds,
                    verify=self.settings.verify,
                    allow_redirects=False,  # a redirect would need a new signature; report it instead
                    stream=request.stream,
                )
        except requests.RequestException as exc:
            logger.debug(
                "%s %s: no answer (%s) after %.2fs",
                method,
                request.resource,
                type(exc).__name__,
                time.monotonic() - started,
            )
            raise ObsTransportError(
                type(exc).__name__, _mask(str(exc), credentials), method=method, resource=request.resource
            ) from None
        attempts = len(getattr(getattr(response.raw, "retries", None), "history", ())) + 1
        request_id = response.headers.get("x-obs-request-id") or response.headers.get("x-amz-request-id")
        logger.debug(
            "%s %s%s -> %d in %.2fs (attempt %d, request id %s)",
            method,
            request.resource,
            _shown_query(request.query),
            response.status_code,
            time.monotonic() - started,
            attempts,
            request_id,
        )
        if response.status_code < 300:
            return response
        body = response.raw.read(_MAX_ERROR_BODY, decode_content=False) if request.stream else response.content
        response.close()
        raise error_from_answer(
            response.status_code,
            body or b"",
            request_id,
            method=method,
            resource=request.resource,
            secrets=credentials.secrets(),
        )

    def presigned_url(
        self,
        method: str,
        bucket: str,
        key: str | None = None,
        *,
        expires_in: int = 300,
        query: Mapping[str, str | None] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """A URL that grants ``method`` on the object for ``expires_in`` seconds, as the SDK's ``createSignedUrl``
        builds it (client.py ``_createV2SignedUrl``): ``Expires``, ``AccessKeyId`` (``AWSAccessKeyId`` in V2) and
        ``Signature`` in the query, and the security token too for temporary credentials.

        ``headers`` are the signed headers the eventual request will carry (``Content-Type``, ``x-obs-*``).
        """
        if key is not None:
            check_key(key)
        credentials = self.credentials.current()
        style = self.endpoint.style
        params: dict[str, str | None] = dict(query or {})
        if credentials.security_token and style.security_token_header not in params:
            params[style.security_token_header] = credentials.security_token
        expires = str(int(self.clock()) + expires_in)
        resource = canonical_resource(bucket, key, params, style, path_style=self.endpoint.path_style)
        text = string_to_sign(method.upper(), resource, dict(headers or {}), style, expires=expires)
        signed = authorization(credentials.access_key, credentials.secret_key, style, text).split(":", 1)[1]
        params["Expires"] = expires
        params[style.access_key_param] = credentials.access_key
        params["Signature"] = signed
        return self.endpoint.url(bucket, key, params)

    def close(self) -> None:
        self._session.close()


def _shown_query(query: Mapping[str, str | None]) -> str:
    # Sub-resource names and upload ids help reading a log; values of other parameters are left out.
    shown = [
        name if value is None or name in ("uploadId", "partNumber") else f"{name}=..." for name, value in query.items()
    ]
    return "?" + "&".join(shown) if shown else ""


def _mask(text: str, credentials: ObsCredentials) -> str:
    for secret in credentials.secrets():
        text = text.replace(secret, "***")
    return text


__all__ = ["ObsRequest", "ObsTransport", "check_key", "sdk_header_value"]
