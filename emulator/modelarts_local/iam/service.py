"""IAM's domain: password authentication into tokens (keystone v3 style), the token body with its
service catalog, project lookups, and temporary AK/SK for a token (``OS-CREDENTIAL/securitytokens``)."""

from __future__ import annotations

import base64
import secrets
import string
import uuid
from datetime import UTC, datetime
from typing import Any

from ..config import AccountConfig, ProjectConfig, ServerConfig, UserConfig
from ..identity import Directory, Principal, SigningKey, TemporaryKeyStore, TokenRecord, TokenStore
from . import errors

#: Roles every local user has (the names IAM uses for a tenant administrator).
ROLES = ({"id": "0000000000000000000000000000000a", "name": "te_admin"},)

#: ``duration_seconds`` of temporary credentials: 15 minutes to 24 hours, 15 minutes when not given.
TEMPORARY_MIN_SECONDS = 900
TEMPORARY_MAX_SECONDS = 86400


def iso_utc(epoch: float) -> str:
    """ISO-8601 UTC with microseconds and ``Z``, as IAM writes ``expires_at``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class IamService:
    """Issues and validates tokens; answers project lookups."""

    def __init__(
        self, config: ServerConfig, tokens: TokenStore, directory: Directory, temporary_keys: TemporaryKeyStore
    ) -> None:
        self._config = config
        self._tokens = tokens
        self.directory = directory
        self._temporary_keys = temporary_keys

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

    # --- temporary access keys ------------------------------------------------------------------------

    def token_in_body(self, body: Any) -> str | None:
        """``auth.identity.token.id``: the deprecated way to name the token, when no header carries one."""
        token = _block(_block(_block(body, "auth"), "identity"), "token").get("id")
        return token if isinstance(token, str) and token else None

    def principal_of_token(self, token: str, now: float) -> Principal:
        record = self._tokens.get(token)
        if record is None or now >= record.expires_at:
            raise errors.IamUnauthorized(message="The token is invalid or has expired.")
        return record.principal

    def issue_temporary_key(self, principal: Principal, body: Any, now: float) -> SigningKey:
        """Check a ``POST /v3.0/OS-CREDENTIAL/securitytokens`` body (method ``token``) and store new temporary
        AK/SK for the caller. They live ``duration_seconds`` (900..86400, default 900), at most
        ``temporary_credentials_max_seconds``. An optional ``policy`` is accepted and not enforced."""
        identity = _block(_block(body, "auth"), "identity")
        if not identity:
            raise errors.IamBadRequest("auth.identity is required")
        methods = identity.get("methods")
        if methods != ["token"]:
            raise errors.IamBadRequest(
                f"auth.identity.methods must be ['token'], not {methods!r} (agencies, 'assume_role', are not emulated)"
            )
        if "token" in identity and not isinstance(identity["token"], dict):
            raise errors.IamBadRequest("auth.identity.token must be an object")
        duration = _block(identity, "token").get("duration_seconds", TEMPORARY_MIN_SECONDS)
        if (
            isinstance(duration, bool)
            or not isinstance(duration, int)
            or not TEMPORARY_MIN_SECONDS <= duration <= TEMPORARY_MAX_SECONDS
        ):
            raise errors.IamBadRequest(
                f"auth.identity.token.duration_seconds must be an integer from {TEMPORARY_MIN_SECONDS} to "
                f"{TEMPORARY_MAX_SECONDS}, not {duration!r}"
            )
        lifetime = min(float(duration), self._config.temporary_credentials_max_seconds)
        key = SigningKey(
            access_key="".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(20)),
            secret_key="".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40)),
            principal=principal,
            security_token=base64.b64encode(secrets.token_bytes(360)).decode("ascii"),
            expires_at=now + lifetime,
        )
        self._temporary_keys.put(key)
        self._temporary_keys.purge(now - 24 * 3600)
        return key

    @staticmethod
    def credential_body(key: SigningKey) -> dict[str, Any]:
        """The ``{"credential": {...}}`` body of a ``securitytokens`` answer."""
        return {
            "credential": {
                "access": key.access_key,
                "secret": key.secret_key,
                "securitytoken": key.security_token,
                "expires_at": iso_utc(key.expires_at or 0.0),
            }
        }

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


def _block(value: Any, name: str) -> dict[str, Any]:
    """``value[name]`` when both are objects, else an empty one (the caller says what is missing)."""
    inner = value.get(name) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}


def _new_token() -> str:
    # Real tokens are long PKI blobs starting with "MII"; the length is in the same league.
    return "MII" + secrets.token_urlsafe(384).replace("-", "+").replace("_", "/")
