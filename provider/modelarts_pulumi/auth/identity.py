"""Who the client is to ModelArts and to IAM: the authentication of each request, and the project id (the
settings' own, or the one IAM gives for the region, discovered on first use)."""

from __future__ import annotations

import threading

from requests.auth import AuthBase

from ..settings import Settings
from .iam_tokens import IamTokenProvider, TokenAuth
from .projects import cached_project_id, discover_project_id, remember_project_id
from .signing import AkSkAuth
from .transport import Transport


class Identity:
    """The credentials of one :class:`~modelarts_pulumi.settings.Settings`, as request authentication.

    Thread-safe; nothing touches the network until the first :attr:`project_id` (or the first token).
    """

    def __init__(self, settings: Settings, transport: Transport) -> None:
        self.settings = settings
        self._transport = transport
        self._lock = threading.Lock()
        self._project_id = settings.project_id
        self._tokens = None if settings.auth_kind == "aksk" else IamTokenProvider(settings, transport)
        self._modelarts_auth: AuthBase | None = None

    @property
    def project_id(self) -> str:
        """The settings' project id, or the one IAM gives for the region (looked up once, then cached)."""
        if self._project_id:
            return self._project_id
        with self._lock:
            if not self._project_id:
                self._project_id = cached_project_id(self.settings) or self._discover_project_id()
                remember_project_id(self.settings, self._project_id)
            return self._project_id

    def _discover_project_id(self) -> str:
        if self._tokens is not None and self._tokens.can_refresh:
            # A password token is scoped to the region's project; IAM names its id in the answer.
            scoped = self._tokens.current().project_id
            if scoped:
                return scoped
        return discover_project_id(self.settings, self._transport, self.iam_auth())

    def iam_auth(self) -> AuthBase:
        """Authentication for IAM calls: the token, or AK/SK signing *without* ``X-Project-Id``."""
        if self._tokens is not None:
            return TokenAuth(self._tokens)
        return AkSkAuth(
            self.settings.access_key or "",
            self.settings.secret_key or "",
            security_token=self.settings.security_token,
        )

    def modelarts_auth(self) -> AuthBase:
        """Authentication for ModelArts calls: the token, or AK/SK signing for the project."""
        if self._modelarts_auth is None:
            if self._tokens is not None:
                self._modelarts_auth = TokenAuth(self._tokens)
            else:
                self._modelarts_auth = AkSkAuth(
                    self.settings.access_key or "",
                    self.settings.secret_key or "",
                    project_id=self.project_id,
                    security_token=self.settings.security_token,
                )
        return self._modelarts_auth
