"""Authentication, one job per module:

- :mod:`.signing`: AK/SK request signing (``SDK-HMAC-SHA256``), byte for byte as the official SDK signs;
- :mod:`.iam_tokens`: IAM tokens from a password (or pre-issued), cached per process, renewed, re-sent on a 401;
- :mod:`.projects`: the project id of a region, discovered through IAM as the SDK does;
- :mod:`.identity`: the credentials of one settings object as request authentication, plus its project id;
- :mod:`.transport`: the HTTP call these borrow from the transport to talk to IAM.

The names below are this package's interface; nothing here logs or raises with a credential in the message.
"""

from __future__ import annotations

from .iam_tokens import IamToken, IamTokenProvider, TokenAuth, clear_token_cache
from .identity import Identity
from .projects import clear_project_cache, credential_identity, discover_project_id
from .signing import AkSkAuth, canonical_query, canonical_uri, query_pairs, sign
from .transport import Transport


def clear_caches() -> None:
    """Forget every cached token and discovered project id (tests; credential rotation)."""
    clear_token_cache()
    clear_project_cache()


__all__ = [
    "AkSkAuth",
    "IamToken",
    "IamTokenProvider",
    "Identity",
    "TokenAuth",
    "Transport",
    "canonical_query",
    "canonical_uri",
    "clear_caches",
    "credential_identity",
    "discover_project_id",
    "query_pairs",
    "sign",
]
