"""Temporary AK/SK for OBS from IAM, for users who sign in with an IAM password or token.

OBS accepts only AK/SK signatures. IAM exchanges a token for temporary AK/SK plus a security token
(``POST {iam}/v3.0/OS-CREDENTIAL/securitytokens``, method ``token``; answer ``201`` with
``{"credential": {"access", "secret", "securitytoken", "expires_at"}}``). :class:`TemporaryCredentials` is a
:class:`~.credentials.CredentialSource` that fetches them on first use and again shortly before they expire.

The call goes through the ModelArts transport (:class:`modelarts_pulumi.http.ApiSession`), so it has the same
retries, timeouts and TLS, and its token auth (a password token is renewed on a 401). Minting credentials
twice only leaves one unused set that expires by itself, so the POST is retried as idempotent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from requests.auth import AuthBase

from ..auth import Transport
from ..errors import ModelArtsApiError
from .credentials import ObsCredentials

UTC = timezone.utc  # datetime.UTC is Python 3.11+; the provider supports 3.10

SECURITY_TOKENS_PATH = "/v3.0/OS-CREDENTIAL/securitytokens"
MIN_DURATION_SECONDS = 900  # IAM's range: 15 minutes ...
MAX_DURATION_SECONDS = 86400  # ... to 24 hours
DEFAULT_DURATION_SECONDS = 3600
REFRESH_MARGIN_SECONDS = 300  # renew when less than this is left: a request signed now must still pass


def security_tokens_body(duration_seconds: int) -> dict[str, Any]:
    """The request body for token-based temporary credentials (IAM API ``CreateTemporaryAccessKeyByToken``)."""
    return {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": duration_seconds}}}}


def _parse_expiry(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def request_temporary_credentials(
    send: Transport, iam_endpoint: str, auth: AuthBase, *, duration_seconds: int = DEFAULT_DURATION_SECONDS
) -> ObsCredentials:
    """One ``POST /v3.0/OS-CREDENTIAL/securitytokens`` with ``auth`` (an IAM token auth); the credentials issued."""
    if not MIN_DURATION_SECONDS <= duration_seconds <= MAX_DURATION_SECONDS:
        raise ValueError(
            f"duration_seconds must be {MIN_DURATION_SECONDS}..{MAX_DURATION_SECONDS}, got {duration_seconds}"
        )
    url = iam_endpoint.rstrip("/") + SECURITY_TOKENS_PATH
    response = send("POST", url, auth=auth, json=security_tokens_body(duration_seconds), idempotent=True)
    try:
        credential = response.json()["credential"]
        return ObsCredentials(
            access_key=credential["access"],
            secret_key=credential["secret"],
            security_token=credential["securitytoken"],
            expires_at=_parse_expiry(credential["expires_at"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        # Never echo the body: it holds the secret key. The exception names a field, never a value of one.
        raise ModelArtsApiError(
            response.status_code,
            "InvalidResponse",
            f"IAM answered securitytokens without a usable credential ({type(exc).__name__}: {exc})",
            method="POST",
            url=url,
        ) from None


@dataclass(eq=False)
class TemporaryCredentials:
    """Temporary AK/SK from IAM, fetched when first needed and renewed :data:`REFRESH_MARGIN_SECONDS` before
    they expire. Thread-safe: concurrent callers wait for one fetch. Its repr shows where and for how long, never
    the auth or the credentials."""

    send: Transport = field(repr=False)
    iam_endpoint: str
    auth: AuthBase = field(repr=False)
    _: KW_ONLY
    duration_seconds: int = DEFAULT_DURATION_SECONDS
    clock: Callable[[], float] = field(default=time.time, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _credentials: ObsCredentials | None = field(default=None, init=False, repr=False)

    def current(self) -> ObsCredentials:
        with self._lock:
            if self._credentials is None or self._expiring(self._credentials):
                self._credentials = request_temporary_credentials(
                    self.send, self.iam_endpoint, self.auth, duration_seconds=self.duration_seconds
                )
            return self._credentials

    def _expiring(self, credentials: ObsCredentials) -> bool:
        if credentials.expires_at is None:
            return False
        now = datetime.fromtimestamp(self.clock(), UTC)
        return credentials.expires_at - now < timedelta(seconds=REFRESH_MARGIN_SECONDS)


__all__ = [
    "DEFAULT_DURATION_SECONDS",
    "SECURITY_TOKENS_PATH",
    "TemporaryCredentials",
    "request_temporary_credentials",
    "security_tokens_body",
]
