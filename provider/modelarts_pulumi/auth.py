"""Authentication: AK/SK request signing (SDK-HMAC-SHA256), IAM tokens, and project-id discovery.

- :func:`sign` is the signing algorithm of the official SDK (``huaweicloudsdkcore/signer/signer.py``) as a
  pure function; :class:`AkSkAuth` applies it to a ``requests.PreparedRequest`` exactly as it will be sent.
- :class:`IamTokenProvider` obtains a project-scoped IAM token from a password (or uses a pre-issued one) and
  caches it per process; :class:`TokenAuth` sends it and re-authenticates once on a 401.
- :func:`discover_project_id` finds the project id of a region through IAM, as the SDK does.

Nothing here logs or raises with a credential in the message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from .errors import ModelArtsApiError, ModelArtsConfigError
from .settings import Settings

logger = logging.getLogger("modelarts_pulumi.auth")

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
HEADER_DATE = "X-Sdk-Date"
HEADER_CONTENT_SHA256 = "X-Sdk-Content-Sha256"
HEADER_PROJECT_ID = "X-Project-Id"
HEADER_SECURITY_TOKEN = "X-Security-Token"
HEADER_AUTH_TOKEN = "X-Auth-Token"
HEADER_SUBJECT_TOKEN = "X-Subject-Token"

TOKEN_REFRESH_MARGIN_SECONDS = 5 * 60
"""A cached token with less than this left is replaced before use."""

_UNPARSABLE_EXPIRY_SECONDS = 60 * 60  # if IAM's expires_at cannot be read, trust the token for an hour only
_REFUSED = frozenset({400, 401, 403, 404})  # IAM's answers to a scope it will not issue a token for


# --- AK/SK signing ----------------------------------------------------------------------------------------


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


# --- IAM tokens -------------------------------------------------------------------------------------------


class Transport(Protocol):
    """The HTTP call the auth layer borrows from :class:`~modelarts_pulumi.http.ApiSession`.

    Raises :class:`ModelArtsApiError` for any non-2xx answer.
    """

    def __call__(
        self,
        method: str,
        url: str,
        *,
        auth: AuthBase | None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response: ...


@dataclass(frozen=True)
class IamToken:
    """An issued token, when it expires (epoch seconds), and the project it is scoped to (if IAM said)."""

    value: str
    expires_at: float
    project_id: str | None = None

    def __repr__(self) -> str:
        return f"IamToken(value='***', expires_at={self.expires_at!r}, project_id={self.project_id!r})"


_TokenKey = tuple[str, str, str, str, str]
_token_cache: dict[_TokenKey, IamToken] = {}
# One lock for the cache and for fetching: several worker threads needing a token wait for a single fetch.
_token_lock = threading.Lock()


def clear_caches() -> None:
    """Forget every cached token and discovered project id (tests; credential rotation)."""
    with _token_lock:
        _token_cache.clear()
    with _project_lock:
        _project_cache.clear()


def _parse_expiry(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # IAM writes UTC
    return moment.timestamp()


class IamTokenProvider:
    """Supplies a project-scoped IAM token: the pre-issued one from settings, or one got with the password.

    Password tokens come from ``POST {iam}/v3/auth/tokens?nocatalog=true`` (scope: the project id if known,
    else the project named after the region). They are cached per process, keyed by (IAM endpoint, domain,
    user, project), shared by every provider instance and thread, and replaced when less than
    :data:`TOKEN_REFRESH_MARGIN_SECONDS` remain or after :meth:`invalidate`.
    """

    def __init__(self, settings: Settings, transport: Transport) -> None:
        if settings.auth_kind == "aksk":
            raise ValueError("AK/SK settings do not use IAM tokens")
        self._settings = settings
        self._transport = transport
        scope = ("id", settings.project_id) if settings.project_id else ("name", settings.region)
        self._key: _TokenKey = (
            settings.iam_endpoint,
            settings.domain_name or "",
            settings.user_name or "",
            *scope,
        )

    @property
    def can_refresh(self) -> bool:
        """False for a pre-issued token: there is nothing to refresh it with."""
        return self._settings.auth_kind == "password"

    def token(self) -> str:
        """A token valid for at least the refresh margin (fetching one if needed)."""
        return self.current().value

    def current(self) -> IamToken:
        """The cached :class:`IamToken`, fetched if missing or about to expire."""
        if self._settings.token:
            return IamToken(self._settings.token, float("inf"))
        with _token_lock:
            cached = _token_cache.get(self._key)
            if cached is not None and cached.expires_at - time.time() > TOKEN_REFRESH_MARGIN_SECONDS:
                return cached
            fresh = self._fetch()
            _token_cache[self._key] = fresh
            return fresh

    def invalidate(self, stale: str | None = None) -> None:
        """Drop the cached token (only if it is ``stale``, when given: another thread may have renewed it)."""
        with _token_lock:
            cached = _token_cache.get(self._key)
            if cached is not None and (stale is None or cached.value == stale):
                del _token_cache[self._key]

    def _fetch(self) -> IamToken:
        settings = self._settings
        scope: dict[str, Any] = (
            {"project": {"id": settings.project_id}} if settings.project_id else {"project": {"name": settings.region}}
        )
        logger.debug("requesting an IAM token for project %s at %s", scope["project"], settings.iam_endpoint)
        try:
            response = self._request_token(scope)
        except ModelArtsApiError as exc:
            if exc.status in _REFUSED and self._password_is_right():
                raise ModelArtsConfigError(self._no_such_project()) from exc
            raise
        value = response.headers.get(HEADER_SUBJECT_TOKEN)
        if not value:
            raise ModelArtsApiError(
                response.status_code,
                "IAM.NoSubjectToken",
                "the IAM answer carries no X-Subject-Token header",
                response.headers.get("X-Request-Id"),
                method="POST",
                url=response.url,
            )
        try:
            info = response.json().get("token") or {}
        except ValueError:
            info = {}
        if not isinstance(info, dict):
            info = {}
        expires_at = _parse_expiry(info.get("expires_at"))
        if expires_at is None:
            expires_at = time.time() + _UNPARSABLE_EXPIRY_SECONDS
        project = info.get("project")
        project_id = project.get("id") if isinstance(project, dict) else None
        return IamToken(value, expires_at, project_id if isinstance(project_id, str) else None)

    def _request_token(self, scope: dict[str, Any]) -> requests.Response:
        settings = self._settings
        body = {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": settings.user_name,
                            "password": settings.password,
                            "domain": {"name": settings.domain_name},
                        }
                    },
                },
                "scope": scope,
            }
        }
        # Issuing a token changes nothing server-side, so this POST may be retried like a GET.
        return self._transport(
            "POST",
            f"{settings.iam_endpoint}/v3/auth/tokens",
            auth=None,
            params={"nocatalog": "true"},
            json=body,
            headers={"Content-Type": "application/json;charset=utf8"},
            idempotent=True,
        )

    def _password_is_right(self) -> bool:
        """After IAM refused a project-scoped token: does it issue one scoped to the account (domain)?

        If so, the user, password and account are right and the project is what IAM does not know.
        """
        try:
            self._request_token({"domain": {"name": self._settings.domain_name}})
        except ModelArtsApiError:
            return False
        return True

    def _no_such_project(self) -> str:
        settings = self._settings
        if settings.project_id:
            return (
                f"project not found: IAM at {settings.iam_endpoint} accepts the password of user "
                f"{settings.user_name!r} but account {settings.domain_name!r} has no project with id "
                f"{settings.project_id!r}; check config modelarts:projectId or env HW_PROJECT_ID"
            )
        return (
            f"project not found for region {settings.region!r} at {settings.iam_endpoint}: IAM accepts the password "
            f"of user {settings.user_name!r} but account {settings.domain_name!r} has no project named "
            f"{settings.region!r}; check config modelarts:region, or set config modelarts:projectId or env "
            "HW_PROJECT_ID"
        )


class TokenAuth(AuthBase):
    """Send ``X-Auth-Token``; on a 401, get a new token once and re-send the request with it."""

    def __init__(self, provider: IamTokenProvider) -> None:
        self.provider = provider

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers[HEADER_AUTH_TOKEN] = self.provider.token()
        r.register_hook("response", self._on_response)
        return r

    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        if response.status_code != 401 or not self.provider.can_refresh:
            return response
        used = response.request.headers.get(HEADER_AUTH_TOKEN)
        self.provider.invalidate(used if isinstance(used, str) else None)
        token = self.provider.token()
        logger.debug("401 with an IAM token: re-sending once with a new token")
        # Same pattern as requests' HTTPDigestAuth: release the connection, re-send through the same adapter.
        response.content  # noqa: B018 - read the body so the connection can be reused
        response.close()
        retry = response.request.copy()
        retry.headers[HEADER_AUTH_TOKEN] = token
        retry.hooks = {"response": []}  # exactly once: the re-sent request has no 401 handler
        if response.connection is None:
            return response
        second: requests.Response = response.connection.send(retry, **kwargs)
        second.history.append(response)
        second.request = retry
        return second

    def __repr__(self) -> str:
        return "TokenAuth()"


# --- project id discovery ---------------------------------------------------------------------------------

_project_cache: dict[tuple[str, str, str], str] = {}
_project_lock = threading.Lock()


def credential_identity(settings: Settings) -> str:
    """A non-secret key for "these credentials" (the AK id, the user, or a digest of the token)."""
    if settings.access_key:
        return f"ak:{settings.access_key}"
    if settings.token:
        return "token:" + hashlib.sha256(settings.token.encode("utf-8")).hexdigest()[:16]
    return f"user:{settings.domain_name}/{settings.user_name}"


def cached_project_id(settings: Settings) -> str | None:
    with _project_lock:
        return _project_cache.get((settings.iam_endpoint, credential_identity(settings), settings.region))


def remember_project_id(settings: Settings, project_id: str) -> None:
    with _project_lock:
        _project_cache[(settings.iam_endpoint, credential_identity(settings), settings.region)] = project_id


def discover_project_id(settings: Settings, transport: Transport, auth: AuthBase) -> str:
    """The id of the project named after the region: ``GET {iam}/v3/projects?name={region}``.

    ``auth`` must be the caller's credentials (AK/SK signed *without* ``X-Project-Id``, or a token).
    Exactly one project must match.
    """
    response = transport(
        "GET",
        f"{settings.iam_endpoint}/v3/projects",
        auth=auth,
        params={"name": settings.region},
        idempotent=True,
    )
    try:
        projects = response.json().get("projects") or []
    except (ValueError, AttributeError):
        projects = []
    ids: list[str] = [p["id"] for p in projects if isinstance(p, dict) and isinstance(p.get("id"), str)]
    if not ids:
        raise ModelArtsConfigError(
            f"project not found for region {settings.region!r} at {settings.iam_endpoint}: no IAM project "
            "has that name; set config modelarts:projectId or env HW_PROJECT_ID"
        )
    if len(ids) > 1:
        raise ModelArtsConfigError(
            f"several IAM projects are named {settings.region!r} ({', '.join(ids)}); choose one with config "
            "modelarts:projectId or env HW_PROJECT_ID"
        )
    return ids[0]
