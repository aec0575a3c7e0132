"""Client settings: region, project, endpoints, credentials and transport knobs, from stack config and env.

Every setting has a stack-config key (namespace ``modelarts:``; the prefix is optional here) and, where
the Huawei Cloud Terraform provider or the official SDK define one, environment variables. The config wins
over the environment; among environment variables the first one set in the order listed below wins
(Terraform's ``HW_*``, then ``OS_*``, then the SDK's ``HUAWEICLOUD_SDK_*``).

Credentials: exactly one of
- AK/SK (``accessKey`` + ``secretKey``, optionally ``securityToken`` for temporary credentials),
- IAM password (``userName`` + ``password`` + ``domainName``), or
- a pre-issued IAM token (``token``).

Why one module of about 400 lines: each setting's config key, environment variables, default and check are read in
one place (:class:`_Reader`): each key's name and its environment variables are written once, here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .errors import ModelArtsConfigError
from .regions import MODELARTS_REGIONS, default_iam_endpoint, default_modelarts_endpoint, default_obs_endpoint

CONFIG_NAMESPACE = "modelarts"

ENV_VARS: dict[str, tuple[str, ...]] = {
    "region": ("HW_REGION_NAME", "OS_REGION_NAME"),
    "projectId": ("HW_PROJECT_ID", "OS_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"),
    # modelartsEndpoint also reads HUAWEICLOUD_SDK_REGION_MODELARTS_<REGION> (see _modelarts_endpoint_env).
    "modelartsEndpoint": (),
    "iamEndpoint": ("HW_AUTH_URL", "HUAWEICLOUD_SDK_IAM_ENDPOINT"),
    # obsEndpoint also reads HUAWEICLOUD_SDK_REGION_OBS_<REGION>, the SDK's convention for any service.
    "obsEndpoint": (),
    "accessKey": ("HW_ACCESS_KEY", "OS_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"),
    "secretKey": ("HW_SECRET_KEY", "OS_SECRET_KEY", "HUAWEICLOUD_SDK_SK"),
    "securityToken": ("HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
    "userName": ("HW_USER_NAME", "OS_USERNAME"),
    "password": ("HW_USER_PASSWORD", "OS_PASSWORD"),
    "domainName": ("HW_DOMAIN_NAME", "OS_DOMAIN_NAME", "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME"),
    "token": ("HW_AUTH_TOKEN", "OS_AUTH_TOKEN"),
    "caBundle": ("OS_CACERT",),
    "insecure": ("HW_INSECURE", "OS_INSECURE"),
    "maxRetries": ("HW_MAX_RETRIES",),
    "retryBudgetSeconds": (),
    "timeoutSeconds": (),
}
"""Environment fallbacks per config key, in precedence order."""

CONFIG_KEYS: tuple[str, ...] = tuple(ENV_VARS)
"""Every ``modelarts:`` stack-config key."""

CREDENTIAL_KEYS_BY_KIND: dict[str, tuple[str, ...]] = {
    "aksk": ("accessKey", "secretKey", "securityToken"),
    "password": ("userName", "password", "domainName"),
    "token": ("token",),
}
"""The config keys of each kind of credentials (see :attr:`Settings.auth_kind`)."""
CREDENTIAL_KEYS = tuple(key for keys in CREDENTIAL_KEYS_BY_KIND.values() for key in keys if key != "domainName")
"""The keys whose presence means "credentials were given" (a domain name alone is not a credential)."""

CONCURRENT_CALLS = 64
"""How many calls one client makes at once, each on a kept-alive connection: the dynamic-provider process's
workers (``providers/workers.py``) share one client per location. More still work, on connections opened and
closed for them."""
DEFAULT_MAX_RETRIES = 5
DEFAULT_RETRY_BUDGET_SECONDS = 60.0
DEFAULT_TIMEOUT_SECONDS = 60.0

_TRUE = frozenset({"1", "t", "true", "yes", "on"})
_FALSE = frozenset({"0", "f", "false", "no", "off", ""})
_SECRET_FIELDS = frozenset({"access_key", "secret_key", "security_token", "password", "token"})


def endpoint_env_var(service: str, region: str) -> str:
    """The SDK's per-region endpoint override of a service, e.g. ``HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4``
    (``huaweicloudsdkcore/region/provider.py``, ``EnvRegionProvider``)."""
    return f"HUAWEICLOUD_SDK_REGION_{service.upper()}_" + region.replace("-", "_").upper()


def modelarts_endpoint_env_var(region: str) -> str:
    """``HUAWEICLOUD_SDK_REGION_MODELARTS_<REGION>``."""
    return endpoint_env_var("modelarts", region)


def obs_endpoint_env_var(region: str) -> str:
    """``HUAWEICLOUD_SDK_REGION_OBS_<REGION>``."""
    return endpoint_env_var("obs", region)


@dataclass(frozen=True)
class Settings:
    """Everything the client needs to reach ModelArts for one region and project.

    Build it with :meth:`from_config`, which validates and derives the endpoints; ``repr()`` masks secrets.
    """

    region: str
    project_id: str | None
    modelarts_endpoint: str
    iam_endpoint: str
    obs_endpoint: str = ""  # from_config always sets it; empty means the region's default
    access_key: str | None = None
    secret_key: str | None = None
    security_token: str | None = None
    user_name: str | None = None
    password: str | None = None
    domain_name: str | None = None
    token: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    max_retries: int = DEFAULT_MAX_RETRIES
    retry_budget_seconds: float = DEFAULT_RETRY_BUDGET_SECONDS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_config(cls, config: Mapping[str, str], env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings; raise :class:`ModelArtsConfigError` naming the offending setting.

        ``config`` holds ``modelarts:``-namespaced stack config (prefix optional); ``env`` defaults to
        ``os.environ``. Keys this class does not know are ignored.
        """
        return _Reader(config, os.environ if env is None else env).settings()

    @property
    def auth_kind(self) -> Literal["aksk", "password", "token"]:
        """How requests are authenticated: AK/SK signing, an IAM token from a password, or a given token."""
        if self.access_key:
            return "aksk"
        if self.token:
            return "token"
        return "password"

    @property
    def verify(self) -> bool | str:
        """The ``verify`` argument for requests: False if insecure, the CA bundle path, or True."""
        if self.insecure:
            return False
        return self.ca_bundle or True

    def __repr__(self) -> str:
        parts = []
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name in _SECRET_FIELDS and value is not None:
                value = "***"
            parts.append(f"{field.name}={value!r}")
        return f"Settings({', '.join(parts)})"

    __str__ = __repr__


class _Reader:
    """Resolves each key from config then env, remembering where each value came from for error messages."""

    def __init__(self, config: Mapping[str, str], env: Mapping[str, str]) -> None:
        self.env = env
        self.config: dict[str, str] = {}
        prefix = f"{CONFIG_NAMESPACE}:"
        for raw_key, value in config.items():
            if ":" in raw_key and not raw_key.startswith(prefix):
                continue  # another namespace's config (e.g. aws:region) is none of our business
            key = raw_key.removeprefix(prefix)
            if key in ENV_VARS:  # other modelarts:* keys belong to the provider layer
                self.config[key] = value
        self.sources: dict[str, str] = {}

    # --- lookups -----------------------------------------------------------------------------------

    def get(self, key: str, extra_env: Sequence[str] = ()) -> str | None:
        value = self.config.get(key)
        if value is not None and value.strip() != "":
            self.sources[key] = f"config {CONFIG_NAMESPACE}:{key}"
            return value.strip()
        for name in (*ENV_VARS[key], *extra_env):
            value = self.env.get(name)
            if value is not None and value.strip() != "":
                self.sources[key] = f"env {name}"
                return value.strip()
        return None

    @staticmethod
    def names(key: str, extra_env: Sequence[str] = ()) -> str:
        """``config modelarts:key or env A/B`` for messages."""
        env = [*ENV_VARS[key], *extra_env]
        text = f"config {CONFIG_NAMESPACE}:{key}"
        return f"{text} or env {'/'.join(env)}" if env else text

    def where(self, key: str) -> str:
        return self.sources.get(key, self.names(key))

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if value is None:
            return False
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ModelArtsConfigError(f"{self.where(key)} must be true or false, got {value!r}")

    def number(self, key: str, default: float, *, integer: bool, minimum: float) -> float:
        value = self.get(key)
        if value is None:
            return default
        try:
            number = int(value) if integer else float(value)
        except ValueError:
            kind = "an integer" if integer else "a number"
            raise ModelArtsConfigError(f"{self.where(key)} must be {kind}, got {value!r}") from None
        if number < minimum:
            raise ModelArtsConfigError(f"{self.where(key)} must be at least {minimum:g}, got {value!r}")
        return number

    def endpoint(self, key: str, extra_env: Sequence[str] = ()) -> str | None:
        value = self.get(key, extra_env)
        if value is None:
            return None
        value = value.split(",")[0].strip().rstrip("/")  # the SDK's env override may list several
        if key == "iamEndpoint":
            value = value.removesuffix("/v3")  # Terraform's HW_AUTH_URL is "https://iam.<region>...:443/v3"
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ModelArtsConfigError(
                f"{self.where(key)} must be an http(s) URL such as https://host[:port], got {value!r}"
            )
        return value

    # --- the whole thing ---------------------------------------------------------------------------

    def settings(self) -> Settings:
        region = self.get("region")
        if region is None:
            raise ModelArtsConfigError(f"no region: set {self.names('region')} (for example cn-north-4)")
        modelarts_endpoint = self.endpoint("modelartsEndpoint", (modelarts_endpoint_env_var(region),))
        iam_endpoint = self.endpoint("iamEndpoint")
        obs_endpoint = self.endpoint("obsEndpoint", (obs_endpoint_env_var(region),))
        if region not in MODELARTS_REGIONS and (modelarts_endpoint is None or iam_endpoint is None):
            raise ModelArtsConfigError(
                f"unknown region {region!r} ({self.where('region')}): ModelArts is offered in "
                f"{', '.join(MODELARTS_REGIONS)}. Another region is accepted only when both endpoints are "
                f"given: {self.names('modelartsEndpoint', (modelarts_endpoint_env_var(region),))}, "
                f"and {self.names('iamEndpoint')}"
            )

        access_key = self.get("accessKey")
        secret_key = self.get("secretKey")
        security_token = self.get("securityToken")
        user_name = self.get("userName")
        password = self.get("password")
        domain_name = self.get("domainName")
        token = self.get("token")
        self._check_credentials(access_key, secret_key, security_token, user_name, password, domain_name, token)

        ca_bundle = self.get("caBundle")
        insecure = self.flag("insecure")
        if ca_bundle is not None:
            if insecure:
                raise ModelArtsConfigError(
                    f"{self.where('caBundle')} and {self.where('insecure')}=true contradict each other: "
                    "insecure turns certificate verification off; drop one of them"
                )
            if not Path(ca_bundle).is_file():
                raise ModelArtsConfigError(f"{self.where('caBundle')}: no such file {ca_bundle!r}")

        return Settings(
            region=region,
            project_id=self.get("projectId"),
            modelarts_endpoint=modelarts_endpoint or default_modelarts_endpoint(region),
            iam_endpoint=iam_endpoint or default_iam_endpoint(region),
            obs_endpoint=obs_endpoint or default_obs_endpoint(region),
            access_key=access_key,
            secret_key=secret_key,
            security_token=security_token,
            user_name=user_name,
            password=password,
            domain_name=domain_name,
            token=token,
            ca_bundle=ca_bundle,
            insecure=insecure,
            max_retries=int(self.number("maxRetries", DEFAULT_MAX_RETRIES, integer=True, minimum=0)),
            retry_budget_seconds=self.number(
                "retryBudgetSeconds", DEFAULT_RETRY_BUDGET_SECONDS, integer=False, minimum=0
            ),
            timeout_seconds=self.number("timeoutSeconds", DEFAULT_TIMEOUT_SECONDS, integer=False, minimum=0.001),
        )

    def _check_credentials(
        self,
        access_key: str | None,
        secret_key: str | None,
        security_token: str | None,
        user_name: str | None,
        password: str | None,
        domain_name: str | None,
        token: str | None,
    ) -> None:
        # Messages say where each value came from but never what it is.
        if access_key and not secret_key:
            raise ModelArtsConfigError(
                f"{self.where('accessKey')} is set but no secret key: set {self.names('secretKey')}"
            )
        if secret_key and not access_key:
            raise ModelArtsConfigError(
                f"{self.where('secretKey')} is set but no access key: set {self.names('accessKey')}"
            )
        if security_token and not access_key:
            raise ModelArtsConfigError(
                f"{self.where('securityToken')} is set without an AK/SK pair: a security token belongs to "
                f"temporary AK/SK credentials; set {self.names('accessKey')} and {self.names('secretKey')}"
            )
        password_given = bool(password)
        if access_key and (password_given or token):
            other = "password" if password_given else "token"
            raise ModelArtsConfigError(
                f"conflicting credentials: AK/SK ({self.where('accessKey')}) and an IAM {other} "
                f"({self.where(other)}); use exactly one kind of credentials"
            )
        if token and password_given:
            raise ModelArtsConfigError(
                f"conflicting credentials: a token ({self.where('token')}) and a password "
                f"({self.where('password')}); use exactly one kind of credentials"
            )
        if access_key or token:
            return
        if password_given or user_name:
            given = {"userName": user_name, "password": password, "domainName": domain_name}
            missing = [self.names(key) for key, value in given.items() if not value]
            if missing:
                raise ModelArtsConfigError(
                    "IAM password authentication needs a user name, a password and the account (domain) "
                    "name; "
                    f"missing: {'; '.join(missing)}"
                )
            return
        raise ModelArtsConfigError(
            "no credentials: set either AK/SK "
            f"({self.names('accessKey')}, {self.names('secretKey')}, "
            f"optionally {self.names('securityToken')}), "
            f"or an IAM user ({self.names('userName')}, {self.names('password')}, "
            f"{self.names('domainName')}), "
            f"or an IAM token ({self.names('token')})"
        )


# --- the stack config, as the program and the provider process read it -------------------------------------


def config_text(value: Any) -> str:
    """A config value as text: Pulumi config values arrive as strings, except booleans and numbers set with
    ``--path``/``--type``."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def config_from(get: Callable[[str], Any]) -> dict[str, str]:
    """The ``modelarts:*`` stack config as ``{"modelarts:<key>": text}``, asked key by key of ``get``: the
    engine's config in the provider process, ``pulumi.runtime.get_config`` in the program."""
    config: dict[str, str] = {}
    for key in CONFIG_KEYS:
        value = get(f"{CONFIG_NAMESPACE}:{key}")
        if value is not None:
            config[f"{CONFIG_NAMESPACE}:{key}"] = config_text(value)
    return config


def located(
    config: Mapping[str, str], *, region: str | None, project_id: str | None, endpoint: str | None
) -> dict[str, str]:
    """``config`` with a resource's own region, project and endpoint (where given) in place of the stack's."""
    out = dict(config)
    for key, value in (("region", region), ("projectId", project_id), ("modelartsEndpoint", endpoint)):
        if value:
            out[f"{CONFIG_NAMESPACE}:{key}"] = str(value)
    return out


def credentials_given(config: Mapping[str, str], env: Mapping[str, str]) -> bool:
    """Whether any credential (AK/SK, IAM user, token) is set in the config or the environment."""
    return any(_given(config, env, key) for key in CREDENTIAL_KEYS)


def _given(config: Mapping[str, str], env: Mapping[str, str], key: str) -> bool:
    if (config.get(f"{CONFIG_NAMESPACE}:{key}") or "").strip():
        return True
    return any((env.get(name) or "").strip() for name in ENV_VARS[key])


def checkable_settings(config: Mapping[str, str], env: Mapping[str, str] | None = None) -> Settings | None:
    """Settings for the calls made before anything is created (remote checks at preview, lookups).

    None when no credentials are configured at all, so those calls are skipped (a CI preview). Raises
    :class:`ModelArtsConfigError` when the settings are wrong in a way that does not depend on credentials
    (an unknown region, a malformed endpoint, ...) or the credentials given are incomplete or conflicting.
    """
    env = os.environ if env is None else env
    if credentials_given(config, env):
        return Settings.from_config(config, env)
    if _given(config, env, "region"):
        # Everything but the credentials must still be right: check it with a stand-in token.
        Settings.from_config({**config, f"{CONFIG_NAMESPACE}:token": "stand-in"}, env)
    return None
