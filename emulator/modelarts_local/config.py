"""Server configuration: identities, catalog extensions, bucket map, mode, phase durations, quotas.

Everything has a default, so ``serve --data-dir DIR`` works without a config file. A JSON config file
(``--config FILE.json``) may set any of the keys below; unknown keys are an error, so typos surface.

Top-level keys (all optional):

- ``mode``: ``"local"`` (jobs run as local processes) or ``"simulated"`` (no process; timed phases).
- ``region``: region id / default project name, ``"cn-north-4"``.
- ``accounts``: list of ``{domain_id, domain_name, users: [{id, name, password}], projects: [{id, name}],
  access_keys: [{access_key, secret_key, user_name, security_token?}]}``; replaces the default account.
- ``buckets``: ``{"NAME": "DIR"}``; OBS bucket NAME maps to local folder DIR (``--bucket`` adds more).
- ``flavors``, ``engines``: lists merged into the seed catalog (same id replaces the seed entry).
- ``pools``: dedicated pools ``[{pool_id, name?, flavor_type: "CPU"|"GPU", max_node_count?}]``.
- ``simulated``: ``{creating_seconds, pending_seconds, running_seconds, terminating_seconds, outcome,
  failure_exit_code}``.
- ``local``: ``{creating_seconds, pending_seconds, python, terminate_grace_seconds, sample_seconds,
  stop_jobs_on_shutdown}``.
- ``quotas``: ``{max_active_training_jobs, max_algorithms}`` (null = unlimited).
- ``obs``: the OBS port: ``{domain, max_put_bytes, min_part_bytes}`` (see :class:`ObsConfig`).
- ``token_lifetime_seconds`` (86400), ``signature_skew_seconds`` (900), ``aksk_lock_failures`` (5: an AK whose
  signature fails more often than this in a row is refused ...), ``aksk_lock_seconds`` (300: ... for this
  long; 0 disables the lock), ``log_url_expiry_seconds`` (300),
  ``delete_linger_seconds`` (2), ``tick_seconds`` (0.2), ``auto_stop_hour_seconds`` (3600: how long an
  ``auto_stop`` "hour" lasts), ``temporary_credentials_max_seconds`` (86400: temporary AK/SK from IAM live
  at most this long, whatever duration was asked for; lower it to see them expire),
  ``unique_job_names`` (true), ``log_preview_max_bytes`` (5 MiB),
  ``max_code_files`` (1000), ``max_code_depth`` (16), ``admin_secret`` (else generated into
  ``DATA_DIR/admin-secret``).
- ``faults``: fault injection at start (429/5xx rates, latency, resets, dropped answers, expiring tokens,
  failing jobs, a seed, method/path filters); see ``modelarts_local.faults``. ``PUT /_local/faults`` changes
  it at run time.

Why one module of about 430 lines: every key, its default and its check stand together, so that a key
cannot be added without its check; the faults' own checks are the one part apart (``faults/config.py``).

Why one module of over 400 lines: the keys above, their defaults, their types and their parsing with errors that
name the key are one contract with the config file; kept together, a new key is one dataclass field and one line
of parsing here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .faults import FaultConfig, FaultConfigError, parse_faults

DEFAULT_REGION = "cn-north-4"
DEFAULT_DOMAIN_ID = "d0000000000000000000000000000001"
DEFAULT_DOMAIN_NAME = "local-account"
DEFAULT_USER_ID = "u0000000000000000000000000000001"
DEFAULT_USER_NAME = "local-user"
DEFAULT_PASSWORD = "local-password"
DEFAULT_PROJECT_ID = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
DEFAULT_ACCESS_KEY = "LOCALAK0000000000000"
DEFAULT_SECRET_KEY = "localsecretkey00000000000000000000000000"

MODES = ("local", "simulated")
OUTCOMES = ("Completed", "Failed", "Abnormal")


class ConfigError(ValueError):
    """The configuration is invalid; the message names the offending key."""


@dataclass(frozen=True)
class UserConfig:
    id: str
    name: str
    password: str


@dataclass(frozen=True)
class ProjectConfig:
    id: str
    name: str


@dataclass(frozen=True)
class AccessKeyConfig:
    access_key: str
    secret_key: str
    user_name: str
    security_token: str | None = None  # temporary credentials: requests must send X-Security-Token


@dataclass(frozen=True)
class AccountConfig:
    """One account (IAM domain) with its users, projects and access keys."""

    domain_id: str
    domain_name: str
    users: tuple[UserConfig, ...]
    projects: tuple[ProjectConfig, ...]
    access_keys: tuple[AccessKeyConfig, ...] = ()


@dataclass(frozen=True)
class SimulatedConfig:
    """Phase durations and outcome of jobs in simulated mode (no process runs)."""

    creating_seconds: float = 1.0
    pending_seconds: float = 1.0
    running_seconds: float = 5.0
    terminating_seconds: float = 1.0
    outcome: str = "Completed"
    failure_exit_code: int = 1


@dataclass(frozen=True)
class LocalConfig:
    """Local mode: jobs run as local processes once they reach Running."""

    creating_seconds: float = 0.5
    pending_seconds: float = 0.5
    python: str = sys.executable
    terminate_grace_seconds: float = 5.0
    sample_seconds: float = 2.0
    # Jobs are the workload, the server only the control plane: by default they outlive a server stop
    # and the next server picks them up again (the runner keeps their pids on disk).
    stop_jobs_on_shutdown: bool = False


@dataclass(frozen=True)
class QuotaConfig:
    max_active_training_jobs: int | None = None  # jobs not yet in a terminal phase, per project
    max_algorithms: int | None = None  # per project


@dataclass(frozen=True)
class ObsConfig:
    """The OBS endpoint (``serve --obs-port``)."""

    # Virtual-host addressing: a Host ``<bucket>.<domain>[:port]`` names the bucket (as
    # ``<bucket>.obs.<region>.myhuaweicloud.com`` does); any other Host is path style.
    domain: str = "obs.local.test"
    # OBS refuses a single PUT (or copy, or part) above 5 GiB with EntityTooLarge; lower it to test that.
    max_put_bytes: int = 5 * 1024**3
    # Every part but the last must be at least 100 KiB (EntityTooSmall at completion).
    min_part_bytes: int = 100 * 1024


@dataclass(frozen=True)
class ServerConfig:
    """The whole server configuration (immutable once the server runs)."""

    data_dir: Path
    mode: str = "local"
    region: str = DEFAULT_REGION
    accounts: tuple[AccountConfig, ...] = ()
    buckets: Mapping[str, Path] = field(default_factory=dict)
    flavors: tuple[dict[str, Any], ...] = ()
    engines: tuple[dict[str, Any], ...] = ()
    pools: tuple[dict[str, Any], ...] = ()
    simulated: SimulatedConfig = field(default_factory=SimulatedConfig)
    local: LocalConfig = field(default_factory=LocalConfig)
    quotas: QuotaConfig = field(default_factory=QuotaConfig)
    obs: ObsConfig = field(default_factory=ObsConfig)
    token_lifetime_seconds: float = 24 * 3600.0
    temporary_credentials_max_seconds: float = 24 * 3600.0
    signature_skew_seconds: float = 15 * 60.0
    aksk_lock_failures: int = 5
    aksk_lock_seconds: float = 5 * 60.0
    log_url_expiry_seconds: float = 300.0
    delete_linger_seconds: float = 2.0
    tick_seconds: float = 0.2
    auto_stop_hour_seconds: float = 3600.0
    unique_job_names: bool = True
    log_preview_max_bytes: int = 5 * 1024 * 1024
    max_code_files: int = 1000
    max_code_depth: int = 16
    admin_secret: str | None = None
    faults: FaultConfig = field(default_factory=FaultConfig)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "modelarts-local.sqlite3"

    @property
    def obs_root(self) -> Path:
        """Where unmapped buckets live."""
        return self.data_dir / "obs"

    @property
    def obs_work_dir(self) -> Path:
        """The OBS port's own files, apart from every bucket: multipart parts, bodies being received."""
        return self.data_dir / "obs-work"

    @property
    def runner_dir(self) -> Path:
        return self.data_dir / "runner"


def default_account() -> AccountConfig:
    """The documented local identity (architecture.md, "The local ModelArts contract")."""
    return AccountConfig(
        domain_id=DEFAULT_DOMAIN_ID,
        domain_name=DEFAULT_DOMAIN_NAME,
        users=(UserConfig(DEFAULT_USER_ID, DEFAULT_USER_NAME, DEFAULT_PASSWORD),),
        projects=(ProjectConfig(DEFAULT_PROJECT_ID, DEFAULT_REGION),),
        access_keys=(AccessKeyConfig(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, DEFAULT_USER_NAME),),
    )


def default_account_dict() -> dict[str, Any]:
    """The default account as config-file JSON, for callers that want to extend it."""
    account = default_account()
    return {
        "domain_id": account.domain_id,
        "domain_name": account.domain_name,
        "users": [{"id": u.id, "name": u.name, "password": u.password} for u in account.users],
        "projects": [{"id": p.id, "name": p.name} for p in account.projects],
        "access_keys": [
            {"access_key": k.access_key, "secret_key": k.secret_key, "user_name": k.user_name}
            for k in account.access_keys
        ],
    }


def load_config(
    data_dir: Path,
    *,
    config_file: Path | None = None,
    mode: str | None = None,
    buckets: Mapping[str, Path] | None = None,
) -> ServerConfig:
    """Build the configuration from the optional JSON file, then the command-line overrides."""
    raw: dict[str, Any] = {}
    if config_file is not None:
        try:
            raw = json.loads(Path(config_file).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc}") from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"config file {config_file}: the top level must be a JSON object")
    return config_from_dict(raw, data_dir=data_dir, mode=mode, buckets=buckets)


def config_from_dict(
    raw: Mapping[str, Any],
    *,
    data_dir: Path,
    mode: str | None = None,
    buckets: Mapping[str, Path] | None = None,
) -> ServerConfig:
    """Validate a config mapping (the JSON file's content) into a ServerConfig."""
    known = {f.name for f in fields(ServerConfig)} - {"data_dir"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"unknown config key(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    for key in (
        "token_lifetime_seconds",
        "signature_skew_seconds",
        "aksk_lock_seconds",
        "log_url_expiry_seconds",
        "delete_linger_seconds",
        "tick_seconds",
        "auto_stop_hour_seconds",
        "temporary_credentials_max_seconds",
    ):
        if key in raw:
            values[key] = _number(raw[key], key, minimum=0.0)
    for key in ("log_preview_max_bytes", "max_code_files", "max_code_depth", "aksk_lock_failures"):
        if key in raw:
            values[key] = int(_number(raw[key], key, minimum=1))
    if "unique_job_names" in raw:
        values["unique_job_names"] = _bool(raw["unique_job_names"], "unique_job_names")
    if "region" in raw:
        values["region"] = _string(raw["region"], "region")
    if raw.get("admin_secret") is not None:
        values["admin_secret"] = _string(raw["admin_secret"], "admin_secret")

    chosen_mode = mode or raw.get("mode") or "local"
    if chosen_mode not in MODES:
        raise ConfigError(f"mode must be one of {', '.join(MODES)}, not {chosen_mode!r}")
    values["mode"] = chosen_mode

    region = values.get("region", DEFAULT_REGION)
    if "accounts" in raw:
        values["accounts"] = tuple(_account(a, f"accounts[{i}]") for i, a in enumerate(_list(raw, "accounts")))
        if not values["accounts"]:
            raise ConfigError("accounts: at least one account is needed")
    else:
        account = default_account()
        if region != DEFAULT_REGION:  # the default project is named after the region
            account = AccountConfig(
                account.domain_id,
                account.domain_name,
                account.users,
                (ProjectConfig(DEFAULT_PROJECT_ID, region),),
                account.access_keys,
            )
        values["accounts"] = (account,)
    _check_unique_identities(values["accounts"])

    bucket_map: dict[str, Path] = {}
    raw_buckets = raw.get("buckets", {})
    if not isinstance(raw_buckets, dict):
        raise ConfigError("buckets must be an object {NAME: DIR}")
    for name, folder in raw_buckets.items():
        bucket_map[str(name)] = Path(_string(folder, f"buckets.{name}")).expanduser().resolve()
    for name, folder in (buckets or {}).items():
        bucket_map[name] = Path(folder).expanduser().resolve()
    values["buckets"] = bucket_map

    for key in ("flavors", "engines", "pools"):
        items = _list(raw, key)
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ConfigError(f"{key}[{i}] must be an object")
        values[key] = tuple(items)
    for i, flavor in enumerate(values["flavors"]):
        if not isinstance(flavor.get("flavor_id"), str):
            raise ConfigError(f"flavors[{i}].flavor_id is required")
    for i, engine in enumerate(values["engines"]):
        for key in ("engine_id", "engine_name", "engine_version"):
            if not isinstance(engine.get(key), str):
                raise ConfigError(f"engines[{i}].{key} is required")
    for i, pool in enumerate(values["pools"]):
        if not isinstance(pool.get("pool_id"), str):
            raise ConfigError(f"pools[{i}].pool_id is required")

    values["simulated"] = _section(raw, "simulated", SimulatedConfig)
    if values["simulated"].outcome not in OUTCOMES:
        raise ConfigError(f"simulated.outcome must be one of {', '.join(OUTCOMES)}")
    values["local"] = _section(raw, "local", LocalConfig)
    values["quotas"] = _section(raw, "quotas", QuotaConfig)
    values["obs"] = _section(raw, "obs", ObsConfig)
    try:
        values["faults"] = parse_faults(raw.get("faults"))
    except FaultConfigError as exc:
        raise ConfigError(str(exc)) from exc
    return ServerConfig(data_dir=Path(data_dir).expanduser().resolve(), **values)


def parse_bucket_option(value: str) -> tuple[str, Path]:
    """``NAME=DIR`` from the command line."""
    name, sep, folder = value.partition("=")
    if not sep or not name or not folder:
        raise ConfigError(f"--bucket expects NAME=DIR, not {value!r}")
    return name, Path(folder)


# --- helpers ------------------------------------------------------------------------------------------


def _section(raw: Mapping[str, Any], key: str, cls: type[Any]) -> Any:
    section = raw.get(key) or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{key} must be an object")
    defaults = cls()
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise ConfigError(f"unknown key(s) in {key}: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in section.items():
        current = getattr(defaults, name)
        where = f"{key}.{name}"
        if value is None:
            values[name] = None
        elif isinstance(current, bool):
            values[name] = _bool(value, where)
        elif isinstance(current, int) and not isinstance(current, bool) and name != "failure_exit_code":
            values[name] = int(_number(value, where, minimum=0))
        elif isinstance(current, float):
            values[name] = _number(value, where, minimum=0.0)
        elif isinstance(current, str):
            values[name] = _string(value, where)
        else:  # optional ints (quotas) and exit codes
            values[name] = int(_number(value, where))
    return cls(**values)


def _account(raw: Any, where: str) -> AccountConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be an object")
    users = tuple(
        UserConfig(
            _string(u.get("id"), f"{where}.users[{i}].id"),
            _string(u.get("name"), f"{where}.users[{i}].name"),
            _string(u.get("password"), f"{where}.users[{i}].password"),
        )
        for i, u in enumerate(_list(raw, "users", where))
    )
    projects = tuple(
        ProjectConfig(
            _string(p.get("id"), f"{where}.projects[{i}].id"), _string(p.get("name"), f"{where}.projects[{i}].name")
        )
        for i, p in enumerate(_list(raw, "projects", where))
    )
    keys = tuple(
        AccessKeyConfig(
            _string(k.get("access_key"), f"{where}.access_keys[{i}].access_key"),
            _string(k.get("secret_key"), f"{where}.access_keys[{i}].secret_key"),
            _string(k.get("user_name"), f"{where}.access_keys[{i}].user_name"),
            None if k.get("security_token") is None else _string(k["security_token"], f"{where}.security_token"),
        )
        for i, k in enumerate(_list(raw, "access_keys", where))
    )
    if not users or not projects:
        raise ConfigError(f"{where} needs at least one user and one project")
    user_names = {u.name for u in users}
    for key in keys:
        if key.user_name not in user_names:
            raise ConfigError(f"{where}: access key {key.access_key} names unknown user {key.user_name!r}")
    return AccountConfig(
        _string(raw.get("domain_id"), f"{where}.domain_id"),
        _string(raw.get("domain_name"), f"{where}.domain_name"),
        users,
        projects,
        keys,
    )


def _check_unique_identities(accounts: tuple[AccountConfig, ...]) -> None:
    seen_projects: set[str] = set()
    seen_keys: set[str] = set()
    seen_domains: set[str] = set()
    for account in accounts:
        for name in (account.domain_id, account.domain_name):
            if name in seen_domains:
                raise ConfigError(f"accounts: domain {name!r} appears twice")
            seen_domains.add(name)
        for project in account.projects:
            if project.id in seen_projects:
                raise ConfigError(f"accounts: project id {project.id!r} appears twice")
            seen_projects.add(project.id)
        for key in account.access_keys:
            if key.access_key in seen_keys:
                raise ConfigError(f"accounts: access key {key.access_key!r} appears twice")
            seen_keys.add(key.access_key)


def _list(raw: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{where + '.' if where else ''}{key} must be a list")
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty string")
    return value


def _number(value: Any, where: str, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be a number")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where} must be at least {minimum}")
    return float(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    return value
