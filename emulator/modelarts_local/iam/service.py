"""IAM's domain: password authentication into tokens (keystone v3 style), the token body with its
service catalog, and project lookups."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from ..config import AccountConfig, ProjectConfig, ServerConfig, UserConfig
from ..identity import Directory, Principal, TokenRecord, TokenStore
from . import errors

#: Roles every local user has (the names IAM uses for a tenant administrator).
ROLES = ({"id": "0000000000000000000000000000000a", "name": "te_admin"},)


def iso_utc(epoch: float) -> str:
    """ISO-8601 UTC with microseconds and ``Z``, as IAM writes ``expires_at``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class IamService:
    """Issues and validates tokens; answers project lookups."""

    def __init__(self, config: ServerConfig, tokens: TokenStore, directory: Directory) -> None:
        self._config = config
        self._tokens = tokens
        self.directory = directory

    # --- tokens -------------------------------------------------------------------------------------

    def issue_token(self, body: Any, now: float) -> TokenRecord:
        """Authenticate a ``POST /v3/auth/tokens`` body (password method) and store a new token."""
        auth = body.get("auth") if isinstance(body, dict) else None
        identity = auth.get("identity") if isinstance(auth, dict) else None
        if not isinstance(identity, dict):
            raise errors.IamBadRequest("auth.identity is required")
        methods = identity.get("methods")
        if not isinstance(methods, list) or not methods:
            raise errors.IamBadRequest("auth.identity.methods is required")
        if methods != ["password"]:
            raise errors.IamBadRequest(f"unsupported authentication methods {methods}; use ['password']")
        password_block = identity.get("password")
        user_block = password_block.get("user") if isinstance(password_block, dict) else None
        if not isinstance(user_block, dict):
            raise errors.IamBadRequest("auth.identity.password.user is required")
        account, user = self._check_password(user_block)

        scope = auth.get("scope") if isinstance(auth, dict) else None
        project: ProjectConfig | None = None
        if isinstance(scope, dict) and isinstance(scope.get("project"), dict):
            wanted = scope["project"]
            project = self.directory.find_project(account, wanted.get("id"), wanted.get("name"))
            if project is None:
                raise errors.IamUnauthorized(message="The project in the scope does not exist in this account.")
        elif isinstance(scope, dict) and isinstance(scope.get("domain"), dict):
            wanted = scope["domain"]
            if wanted.get("id") not in (None, account.domain_id) or wanted.get("name") not in (
                None,
                account.domain_name,
            ):
                raise errors.IamUnauthorized(message="The domain in the scope is not the user's domain.")

        principal = Principal(
            user_id=user.id,
            user_name=user.name,
            domain_id=account.domain_id,
            domain_name=account.domain_name,
            project_id=project.id if project else None,
            project_name=project.name if project else None,
        )
        record = TokenRecord(
            token=_new_token(),
            principal=principal,
            issued_at=now,
            expires_at=now + self._config.token_lifetime_seconds,
            methods=("password",),
        )
        self._tokens.put(record)
        # Keep the table small: tokens dead for a day are of no use to anyone.
        self._tokens.purge(now - 24 * 3600)
        return record

    def _check_password(self, user_block: dict[str, Any]) -> tuple[AccountConfig, UserConfig]:
        password = user_block.get("password")
        raw_domain = user_block.get("domain")
        domain: dict[str, Any] = raw_domain if isinstance(raw_domain, dict) else {}
        account: AccountConfig | None
        user: UserConfig | None = None
        if user_block.get("id"):
            found = self.directory.find_user_anywhere(str(user_block["id"]))
            account, user = found if found else (None, None)
        else:
            account = self.directory.account_by_domain(domain.get("id"), domain.get("name"))
            if account is not None:
                user = self.directory.find_user(account, user_name=user_block.get("name"))
        if account is None or user is None or not isinstance(password, str):
            raise errors.IamUnauthorized(message="The username or password is wrong.")
        if not secrets.compare_digest(password.encode(), user.password.encode()):
            raise errors.IamUnauthorized(message="The username or password is wrong.")
        return account, user

    def lookup_token(self, token: str) -> TokenRecord | None:
        return self._tokens.get(token)

    def token_body(self, record: TokenRecord, base_url: str, with_catalog: bool = True) -> dict[str, Any]:
        """The ``{"token": {...}}`` body IAM returns for a token."""
        p = record.principal
        token: dict[str, Any] = {
            "expires_at": iso_utc(record.expires_at),
            "issued_at": iso_utc(record.issued_at),
            "methods": list(record.methods),
            "user": {
                "id": p.user_id,
                "name": p.user_name,
                "domain": {"id": p.domain_id, "name": p.domain_name},
                "password_expires_at": "",
            },
            "roles": [dict(r) for r in ROLES],
        }
        if p.project_id:
            token["project"] = {
                "id": p.project_id,
                "name": p.project_name,
                "domain": {"id": p.domain_id, "name": p.domain_name},
            }
        else:
            token["domain"] = {"id": p.domain_id, "name": p.domain_name}
        if with_catalog:
            token["catalog"] = self._catalog(base_url, p.project_id)
        return {"token": token}

    def _catalog(self, base_url: str, project_id: str | None) -> list[dict[str, Any]]:
        region = self._config.region

        def service(kind: str, name: str, url: str) -> dict[str, Any]:
            return {
                "type": kind,
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}:{base_url}").hex,
                "name": name,
                "endpoints": [
                    {
                        "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}:{base_url}:public").hex,
                        "interface": "public",
                        "region": region,
                        "region_id": region,
                        "url": url,
                    }
                ],
            }

        catalog = [service("identity", "iam", f"{base_url}/v3")]
        modelarts_url = f"{base_url}/v2/{project_id}" if project_id else base_url
        catalog.append(service("modelarts", "modelarts", modelarts_url))
        return catalog

    # --- projects -----------------------------------------------------------------------------------

    def list_projects(self, domain_id: str, name: str | None = None) -> list[dict[str, Any]]:
        account = self.directory.account_by_domain(domain_id=domain_id)
        if account is None:
            return []
        return [
            {
                "id": project.id,
                "name": project.name,
                "domain_id": account.domain_id,
                "parent_id": account.domain_id,
                "is_domain": False,
                "enabled": True,
                "description": "",
            }
            for project in account.projects
            if name is None or project.name == name
        ]


def _new_token() -> str:
    # Real tokens are long PKI blobs starting with "MII"; the length is in the same league.
    return "MII" + secrets.token_urlsafe(384).replace("-", "+").replace("_", "/")
