"""IAM tokens: a project-scoped token got with a password (or a pre-issued one), cached per process and
renewed before it expires; :class:`TokenAuth` sends it and re-authenticates once on a 401.

Nothing here logs or raises with a password or a token in the message.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import requests
from requests.auth import AuthBase

from ..errors import ModelArtsApiError, ModelArtsConfigError
from ..settings import Settings
from .transport import Transport

logger = logging.getLogger("modelarts_pulumi.auth")

UTC = timezone.utc  # datetime.UTC is Python 3.11+; this package supports 3.10
HEADER_AUTH_TOKEN = "X-Auth-Token"
HEADER_SUBJECT_TOKEN = "X-Subject-Token"

TOKEN_REFRESH_MARGIN_SECONDS = 5 * 60
"""A cached token with less than this left is replaced before use."""

_UNPARSABLE_EXPIRY_SECONDS = 60 * 60  # if IAM's expires_at cannot be read, trust the token for an hour only
_REFUSED = frozenset({400, 401, 403, 404})  # IAM's answers to a scope it will not issue a token for


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


def clear_token_cache() -> None:
    """Forget every cached token (tests; credential rotation)."""
    with _token_lock:
        _token_cache.clear()


def _parse_expiry(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        # Python 3.10's fromisoformat does not read the "Z" suffix IAM writes; 3.11+ does.
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
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
