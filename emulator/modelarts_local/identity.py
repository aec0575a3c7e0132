"""Who is who, shared by every service: the configured accounts (users, projects, access keys), the
principal a request acts as, the issued IAM tokens and the temporary access keys.

IAM (``iam/``) issues tokens and temporary AK/SK; every service checks them (``auth.py``, OBS's
``obs/signature.py``). A token or temporary key is stored in SQLite with who it belongs to and when it
expires, so a server restart keeps it valid; neither changes once issued, so lookups are served from
memory after the first.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from .config import AccessKeyConfig, AccountConfig, ProjectConfig, UserConfig
from .store import Store

T = TypeVar("T")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user of an account, maybe scoped to a project."""

    user_id: str
    user_name: str
    domain_id: str
    domain_name: str
    project_id: str | None = None
    project_name: str | None = None


@dataclass(frozen=True)
class TokenRecord:
    """What a stored token stands for."""

    token: str
    principal: Principal
    issued_at: float
    expires_at: float
    methods: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "principal": asdict(self.principal),
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "methods": list(self.methods),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenRecord:
        return cls(
            token=data["token"],
            principal=Principal(**data["principal"]),
            issued_at=float(data["issued_at"]),
            expires_at=float(data["expires_at"]),
            methods=tuple(data["methods"]),
        )


class Directory:
    """Lookups over the configured accounts."""

    def __init__(self, accounts: tuple[AccountConfig, ...]) -> None:
        self.accounts = accounts

    def account_by_domain(self, domain_id: str | None = None, domain_name: str | None = None) -> AccountConfig | None:
        return _first(self.accounts, domain_id=domain_id, domain_name=domain_name)

    def find_user(
        self, account: AccountConfig, user_id: str | None = None, user_name: str | None = None
    ) -> UserConfig | None:
        return _first(account.users, id=user_id, name=user_name)

    def find_user_anywhere(self, user_id: str) -> tuple[AccountConfig, UserConfig] | None:
        for account in self.accounts:
            user = self.find_user(account, user_id=user_id)
            if user is not None:
                return account, user
        return None

    def find_project(
        self, account: AccountConfig, project_id: str | None = None, project_name: str | None = None
    ) -> ProjectConfig | None:
        return _first(account.projects, id=project_id, name=project_name)

    def find_access_key(self, access_key: str) -> tuple[AccountConfig, UserConfig, AccessKeyConfig] | None:
        for account in self.accounts:
            for key in account.access_keys:
                if key.access_key == access_key:
                    user = self.find_user(account, user_name=key.user_name)
                    if user is not None:
                        return account, user, key
        return None


@dataclass(frozen=True)
class SigningKey:
    """An access key a signature may name: a configured one, or a temporary one IAM issued.

    ``security_token`` is set for temporary credentials (requests must carry it), ``expires_at`` for the ones
    IAM issued (configured keys never expire)."""

    access_key: str
    secret_key: str
    principal: Principal
    security_token: str | None = None
    expires_at: float | None = None

    def accepts_token(self, sent: str, now: float) -> bool:
        """Whether a request that carries ``sent`` as its security token may sign with this key at ``now``: any
        request for a key without a token; for temporary credentials, one that carries theirs before they expire."""
        if self.security_token is None:
            return True
        if not hmac.compare_digest(sent.encode(), self.security_token.encode()):
            return False
        return self.expires_at is None or now < self.expires_at

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "principal": asdict(self.principal)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SigningKey:
        return cls(**{**data, "principal": Principal(**data["principal"])})


class _Expiring(Protocol):
    """A record an :class:`_ExpiringRecords` keeps."""

    @property
    def expires_at(self) -> float | None: ...

    def to_json(self) -> dict[str, Any]: ...

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self: ...


R = TypeVar("R", bound=_Expiring)


class _ExpiringRecords(Generic[R]):
    """Records of type ``RECORD`` that never change once written and expire: written through to SQLite (a table
    ``TABLE`` of ``NAME``, ``expires_at``, ``record`` as JSON), read from a bounded in-memory cache. The ``NAME``
    column holds the record's field of that name."""

    CACHE_SIZE = 10_000
    TABLE: ClassVar[str]
    NAME: ClassVar[str]
    RECORD: type[R]

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: OrderedDict[str, R] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, record: R) -> None:
        data = record.to_json()
        name = str(data[self.NAME])
        self._store.execute(
            f"INSERT OR REPLACE INTO {self.TABLE} ({self.NAME}, expires_at, record) VALUES (?, ?, ?)",
            (name, _expiry(record), json.dumps(data)),
        )
        self._remember(name, record)

    def cached(self, name: str) -> bool:
        with self._lock:
            return name in self._cache

    def get(self, name: str) -> R | None:
        with self._lock:
            record = self._cache.get(name)
            if record is not None:
                self._cache.move_to_end(name)
                return record
        rows = self._store.query(f"SELECT record FROM {self.TABLE} WHERE {self.NAME}=?", (name,))
        if not rows:
            return None
        record = self.RECORD.from_json(json.loads(rows[0]["record"]))
        self._remember(name, record)
        return record

    def purge(self, expired_before: float) -> None:
        """Forget records that expired before the given time (keeps the table small)."""
        self._store.execute(f"DELETE FROM {self.TABLE} WHERE expires_at < ?", (expired_before,))
        with self._lock:
            for name in [n for n, r in self._cache.items() if _expiry(r) < expired_before]:
                del self._cache[name]

    def count(self) -> int:
        return int(self._store.query(f"SELECT COUNT(*) AS n FROM {self.TABLE}")[0]["n"])

    def _remember(self, name: str, record: R) -> None:
        with self._lock:
            self._cache[name] = record
            self._cache.move_to_end(name)
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)


def _expiry(record: _Expiring) -> float:
    return record.expires_at or 0.0  # a record without an expiry (none is stored so) counts as expired


class TokenStore(_ExpiringRecords[TokenRecord]):
    """Issued IAM tokens."""

    TABLE = "tokens"
    NAME = "token"
    RECORD = TokenRecord


class TemporaryKeyStore(_ExpiringRecords[SigningKey]):
    """Temporary AK/SK issued by IAM (``POST /v3.0/OS-CREDENTIAL/securitytokens``), by access key."""

    TABLE = "temporary_keys"
    NAME = "access_key"
    RECORD = SigningKey


class AccessKeys:
    """Every access key a signature may name: the configured accounts' and the temporary ones IAM issued."""

    def __init__(self, directory: Directory, temporary: TemporaryKeyStore) -> None:
        self._directory = directory
        self._temporary = temporary

    def find(self, access_key: str) -> SigningKey | None:
        found = self._directory.find_access_key(access_key)
        if found is not None:
            account, user, key = found
            principal = Principal(
                user_id=user.id, user_name=user.name, domain_id=account.domain_id, domain_name=account.domain_name
            )
            return SigningKey(key.access_key, key.secret_key, principal, key.security_token)
        return self._temporary.get(access_key)


def _first(items: Iterable[T], **wanted: str | None) -> T | None:
    """The first item with an attribute equal to one of the given values (None and "" match nothing)."""
    for item in items:
        if any(value and getattr(item, name) == value for name, value in wanted.items()):
            return item
    return None
