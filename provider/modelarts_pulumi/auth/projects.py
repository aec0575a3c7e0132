"""Project-id discovery: the id of the project named after the region, asked of IAM as the SDK does, and
remembered per process (per IAM endpoint, credentials and region)."""

from __future__ import annotations

import hashlib
import threading

from requests.auth import AuthBase

from ..errors import ModelArtsConfigError
from ..settings import Settings
from .transport import Transport

_project_cache: dict[tuple[str, str, str], str] = {}
_project_lock = threading.Lock()


def clear_project_cache() -> None:
    """Forget every discovered project id (tests; credential rotation)."""
    with _project_lock:
        _project_cache.clear()


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
