"""The keys OBS requests are signed with: permanent AK/SK, or temporary AK/SK with a security token.

OBS takes no IAM token. A :class:`CredentialSource` is asked for the keys before each request, so temporary
credentials can be renewed while a long upload runs (see :mod:`.temporary_credentials`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..settings import Settings


@dataclass(frozen=True)
class ObsCredentials:
    """AK/SK, plus the security token and expiry of temporary credentials. ``repr()`` shows none of them."""

    access_key: str
    secret_key: str
    security_token: str | None = None
    expires_at: datetime | None = None  # aware UTC; None for permanent keys

    def __post_init__(self) -> None:
        if not self.access_key or not self.secret_key:
            raise ValueError("OBS credentials need both an access key and a secret key")

    def secrets(self) -> tuple[str, ...]:
        """The values that must never appear in a log or a message."""
        return tuple(value for value in (self.access_key, self.secret_key, self.security_token) if value)

    def __repr__(self) -> str:
        kind = "temporary" if self.security_token else "permanent"
        expiry = f", expires_at={self.expires_at.isoformat()}" if self.expires_at else ""
        return f"ObsCredentials({kind}{expiry})"

    __str__ = __repr__


class CredentialSource(Protocol):
    """Anything that hands out the current credentials (static, or renewed before they expire)."""

    def current(self) -> ObsCredentials: ...


@dataclass(frozen=True)
class StaticCredentials:
    """Credentials that never change: permanent AK/SK, or temporary ones the caller renews by other means."""

    credentials: ObsCredentials

    def current(self) -> ObsCredentials:
        return self.credentials


def credentials_from_settings(settings: Settings) -> StaticCredentials | None:
    """The AK/SK (and security token) of the ModelArts settings; None for IAM password or token users.

    Those users need temporary AK/SK from IAM for OBS: :class:`.temporary_credentials.TemporaryCredentials`.
    """
    if not (settings.access_key and settings.secret_key):
        return None
    return StaticCredentials(ObsCredentials(settings.access_key, settings.secret_key, settings.security_token))


__all__ = ["CredentialSource", "ObsCredentials", "StaticCredentials", "credentials_from_settings"]
