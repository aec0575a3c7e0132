"""Request authentication: ``X-Auth-Token`` or AK/SK ``SDK-HMAC-SHA256`` signatures (configured keys, or temporary
ones from IAM with their ``X-Security-Token``).

The signature is checked by rebuilding the canonical request from exactly what arrived (the raw path
and raw query string of the ASGI scope, the received headers, the exact body bytes), following the
algorithm of huaweicloudsdkcore's signer (modelarts-api.md §5.2), and comparing in constant time.

Check order (as the gateway does): credentials present -> token valid / AK known -> date within the
skew window -> signature -> security token. Whether the caller may act in the URL's project is the
service's question (``training/access.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote

from . import errors
from .config import ServerConfig
from .identity import AccessKeys, Principal, SigningKey, TokenStore

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_AUTH_PART = re.compile(r"\s*([A-Za-z]+)=([^,]*)")


@dataclass(frozen=True)
class RawRequest:
    """What the verifier needs from an HTTP request, exactly as received."""

    method: str
    raw_path: bytes
    query_string: bytes
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Caller:
    """An authenticated caller."""

    principal: Principal
    method: str  # "token" | "aksk"
    access_key: str | None = None


@dataclass(frozen=True)
class SignedAuthorization:
    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


def headers_from_scope(raw_headers: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-case header names to values; repeated headers are joined with a comma."""
    result: dict[str, str] = {}
    for name, value in raw_headers:
        key = name.decode("latin-1").lower()
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("latin-1")
        result[key] = f"{result[key]},{text}" if key in result else text
    return result


# --- the canonical request ------------------------------------------------------------------------


def canonical_uri(raw_path: bytes) -> str:
    """URL-decode, split on ``/``, percent-encode each segment, join, and end with ``/``."""
    try:
        path = raw_path.decode("utf-8")
    except UnicodeDecodeError:
        path = raw_path.decode("latin-1")
    encoded = "/".join(quote(segment, safe="~") for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(query_string: bytes) -> str:
    """Sorted ``key=value`` pairs, each side percent-encoded (RFC 3986 unreserved kept)."""
    pairs = parse_qsl(query_string.decode("utf-8", errors="replace"), keep_blank_values=True)
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(pairs))


def payload_hash(headers: Mapping[str, str], body: bytes) -> str:
    # Same order as the SDK signer: an empty body always hashes as empty, then the header wins.
    if not body:
        return EMPTY_SHA256
    declared = headers.get("x-sdk-content-sha256")
    if declared:
        return declared
    return hashlib.sha256(body).hexdigest()


def canonical_request(request: RawRequest, signed_headers: Sequence[str]) -> str:
    lines = []
    for name in signed_headers:
        value = request.headers.get(name)
        if value is None:
            raise errors.SignatureMismatch(f"signed header {name} is missing")
        lines.append(f"{name}:{value.strip()}")
    return "\n".join(
        [
            request.method.upper(),
            canonical_uri(request.raw_path),
            canonical_query(request.query_string),
            "\n".join(lines) + "\n",
            ";".join(signed_headers),
            payload_hash(request.headers, request.body),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def sign(secret_key: str, text: str) -> str:
    return hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def parse_authorization(value: str) -> SignedAuthorization:
    """Parse ``SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex`` (or ``Credential=AK/...``)."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise errors.SignatureMismatch(f"unsupported signing algorithm {algorithm!r}")
    parts = {m.group(1).lower(): m.group(2).strip() for m in _AUTH_PART.finditer(rest)}
    access_key = parts.get("access") or parts.get("credential", "").split("/")[0]
    signed = parts.get("signedheaders", "")
    signature = parts.get("signature", "")
    if not access_key or not signed or not signature:
        raise errors.SignatureMismatch("the Authorization header is malformed")
    return SignedAuthorization(access_key, tuple(h.strip().lower() for h in signed.split(";") if h.strip()), signature)


# --- authentication -----------------------------------------------------------------------------------


class AccessKeyLockout:
    """The gateway's brute-force guard: an AK whose signature fails more than ``max_failures`` times in a row
    is refused for ``lock_seconds``, even with a correct signature; a success resets the count."""

    def __init__(self, max_failures: int, lock_seconds: float) -> None:
        self._max_failures = max_failures
        self._lock_seconds = lock_seconds
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, access_key: str, now: float) -> None:
        if self.locked(access_key, now):
            raise errors.AccessKeyLocked()

    def locked(self, access_key: str, now: float) -> bool:
        """Whether the AK is refused now (each service words that its own way)."""
        with self._lock:
            until = self._locked_until.get(access_key)
            if until is None:
                return False
            if now < until:
                return True
            del self._locked_until[access_key]  # the lock expired: a fresh start
            self._failures.pop(access_key, None)
            return False

    def failed(self, access_key: str, now: float) -> None:
        if self._lock_seconds <= 0:
            return
        with self._lock:
            count = self._failures.get(access_key, 0) + 1
            self._failures[access_key] = count
            if count > self._max_failures:
                self._locked_until[access_key] = now + self._lock_seconds

    def succeeded(self, access_key: str) -> None:
        with self._lock:
            self._failures.pop(access_key, None)


class Authenticator:
    """Turns request credentials into a Caller, or raises the documented error."""

    def __init__(self, config: ServerConfig, keys: AccessKeys, tokens: TokenStore) -> None:
        self._config = config
        self._keys = keys
        self._tokens = tokens
        self._lockout = AccessKeyLockout(config.aksk_lock_failures, config.aksk_lock_seconds)

    def needs_store(self, request: RawRequest) -> bool:
        """Whether authenticating this request reads SQLite (a token not looked up since the server started).

        Everything else (known tokens, AK/SK signatures) is answered from memory, cheaply enough to run on
        the event loop instead of in a worker thread.
        """
        token = request.headers.get("x-auth-token")
        if not token:
            return False
        return not self._tokens.cached(token.strip())

    def authenticate(self, request: RawRequest, now: float) -> Caller:
        token = request.headers.get("x-auth-token")
        if token:
            return self._by_token(token.strip(), now)
        authorization = request.headers.get("authorization")
        if authorization:
            return self._by_signature(request, authorization, now)
        raise errors.AuthInfoMissing()

    def _by_token(self, token: str, now: float) -> Caller:
        record = self._tokens.get(token)
        if record is None:
            raise errors.TokenUndecryptable()
        if now >= record.expires_at:
            raise errors.TokenExpired()
        return Caller(principal=record.principal, method="token")

    def _by_signature(self, request: RawRequest, authorization: str, now: float) -> Caller:
        parsed = parse_authorization(authorization)
        key = self._keys.find(parsed.access_key)
        if key is None:
            raise errors.AccessKeyNotFound(parsed.access_key)
        self._lockout.check(key.access_key, now)
        try:
            self._verify_signature(request, parsed, key, now)
        except errors.AuthenticationFailed:
            self._lockout.failed(key.access_key, now)
            raise
        self._lockout.succeeded(key.access_key)
        # AK/SK is not bound to a project: the project comes from X-Project-Id or the URL.
        return Caller(principal=key.principal, method="aksk", access_key=key.access_key)

    def _verify_signature(self, request: RawRequest, parsed: SignedAuthorization, key: SigningKey, now: float) -> None:
        sdk_date = request.headers.get("x-sdk-date", "").strip()
        try:
            signed_at = datetime.strptime(sdk_date, _DATE_FORMAT).replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise errors.SignatureMismatch("the X-Sdk-Date header is missing or not YYYYMMDDTHHMMSSZ") from None
        skew = self._config.signature_skew_seconds
        if abs(now - signed_at) > skew:
            raise errors.SignatureMismatch(f"X-Sdk-Date {sdk_date} is more than {skew:g}s away from the server time")
        expected = sign(key.secret_key, string_to_sign(canonical_request(request, parsed.signed_headers), sdk_date))
        if not hmac.compare_digest(expected, parsed.signature.lower()):
            raise errors.SignatureMismatch("the signature does not match")
        if not key.accepts_token(request.headers.get("x-security-token", ""), now):
            raise errors.SecurityTokenMismatch()  # missing, wrong, or temporary credentials that have expired
