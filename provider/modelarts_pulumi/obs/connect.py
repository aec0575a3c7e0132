"""An OBS client from the same settings as ModelArts: endpoint, credentials, TLS, timeouts and retries.

OBS takes only AK/SK signatures. AK/SK users (permanent, or temporary with a security token) sign with their
keys. IAM password and token users get temporary AK/SK from IAM for their token, renewed before they expire
(:mod:`.temporary_credentials`; ``docs/obs-client.md`` says why rather than asking them for AK/SK).
"""

from __future__ import annotations

from ..http import ApiSession
from ..settings import Settings
from .client import ObsClient
from .credentials import CredentialSource, credentials_from_settings
from .temporary_credentials import TemporaryCredentials


def credential_source(settings: Settings) -> CredentialSource:
    """The settings' AK/SK, or temporary AK/SK from IAM for IAM password and token users (fetched on first use)."""
    static = credentials_from_settings(settings)
    if static is not None:
        return static
    iam = ApiSession(settings)  # the ModelArts transport: same retries, timeouts, TLS and token renewal
    return TemporaryCredentials(iam.send, settings.iam_endpoint, iam.identity.iam_auth())


def connect(settings: Settings, *, endpoint: str | None = None) -> ObsClient:
    """An OBS client for ``endpoint`` (default: the settings' ``obs_endpoint``) with the settings' credentials."""
    return ObsClient(settings, endpoint=endpoint, credentials=credential_source(settings))


__all__ = ["connect", "credential_source"]
