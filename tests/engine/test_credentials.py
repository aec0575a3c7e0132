"""Credentials never leak, whatever their kind, through the real Pulumi CLI.

For each kind (AK/SK, temporary AK/SK + security token, IAM password, pre-issued IAM token, and AK/SK from
environment variables only) a small program with an Algorithm and a TrainingJob is deployed with ``up``, with the
engine's log (``--logtostderr -v=9``) and the provider's debug log (``MODELARTS_PULUMI_LOG=debug``) on. Then every
place a value could end up is searched for every credential value: the state files, ``stack export`` (also with
``--show-secrets``), the decoded ``__provider`` blobs, the stack outputs with ``--show-secrets``, the stack config
file, the command's output and the engine's log. Each kind must also really have been used: the objects are
created by the user only this credential can act as, and IAM issued a token exactly when the kind needs one.

Two things the engine does with *stack-config* credentials, and only with those (environment variables avoid
both), are Pulumi's and are checked as such rather than ignored: it records the whole stack config, secrets
encrypted, as the inputs of its default ``pulumi-python`` provider (so they show in ``stack export
--show-secrets``, and nowhere in the state in plain text), and at ``-v=9`` it logs each value of the Configure
call it makes to that provider (Pulumi 3.260 filters secrets from log messages before formatting their
arguments).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.engine.stack import make_project
from tests.support import constants
from tests.support import server as server_support
from tests.support.constants import DOMAIN_ID, PROJECT_ID, REGION
from tests.support.programs import Program
from tests.support.server import FAST_SIMULATED, LocalModelArts

pytestmark = pytest.mark.pulumi_cli

# Distinctive values, so that a hit can only be a leak. The AK ids count too: the state holds no credential.
AKSK_AK = "AKLEAKTESTPERMANENT1"
AKSK_SK = "SkLeakTestPermanent0000000000000000000001"
TEMP_AK = "AKLEAKTESTTEMPORARY1"
TEMP_SK = "SkLeakTestTemporary0000000000000000000002"
SECURITY_TOKEN = "StsLeakTest-securitytoken-0123456789abcdef0123456789abcdef"
PASSWORD_USER = "password-user"
PASSWORD = "PwLeakTest-password-4711"
TOKEN_USER = "token-user"
TOKEN_USER_PASSWORD = "PwLeakTest-token-user-0815"

PROGRAM = (
    Program(bucket="cred-bucket")
    .algorithm(parameters=[{"name": "epochs", "value": "2", "type": "Integer"}])
    .training_job()
    .export(algorithm_id="algorithm.algorithm_id", job_id="job.job_id", phase="job.phase", log_url="job.log_url")
    .text()
)


def server_config() -> dict[str, Any]:
    """One account, one user per credential kind, so the creator of an object tells which credential made it.

    The first permanent key (which the local OBS signs log URLs with) belongs to none of the kinds tested.
    """
    return {
        "accounts": [
            {
                "domain_id": DOMAIN_ID,
                "domain_name": constants.DOMAIN_NAME,
                "users": [
                    {"id": "u-observer", "name": constants.USER_NAME, "password": constants.PASSWORD},
                    {"id": "u-aksk", "name": "aksk-user", "password": "unknown-to-the-tests-1"},
                    {"id": "u-temporary", "name": "temporary-user", "password": "unknown-to-the-tests-2"},
                    {"id": "u-password", "name": PASSWORD_USER, "password": PASSWORD},
                    {"id": "u-token", "name": TOKEN_USER, "password": TOKEN_USER_PASSWORD},
                ],
                "projects": [{"id": PROJECT_ID, "name": REGION}],
                "access_keys": [
                    {
                        "access_key": constants.ACCESS_KEY,
                        "secret_key": constants.SECRET_KEY,
                        "user_name": constants.USER_NAME,
                    },
                    {"access_key": AKSK_AK, "secret_key": AKSK_SK, "user_name": "aksk-user"},
                    {
                        "access_key": TEMP_AK,
                        "secret_key": TEMP_SK,
                        "user_name": "temporary-user",
                        "security_token": SECURITY_TOKEN,
                    },
                ],
            }
        ],
        "simulated": FAST_SIMULATED,
        "delete_linger_seconds": 1.0,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalModelArts]:
    with server_support.serving(tmp_path_factory.mktemp("credentials") / "data", config=server_config()) as started:
        yield started


@dataclass
class Kind:
    """One way of giving credentials: secret stack config, plain stack config, or environment variables."""

    user: str  # the user the server must see as the creator
    secrets: dict[str, str] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    issues_token: bool = False  # IAM must issue a token during `up`


def kinds(pre_issued_token: str) -> dict[str, Kind]:
    return {
        "aksk": Kind("aksk-user", secrets={"modelarts:accessKey": AKSK_AK, "modelarts:secretKey": AKSK_SK}),
        "temporary-aksk": Kind(
            "temporary-user",
            secrets={
                "modelarts:accessKey": TEMP_AK,
                "modelarts:secretKey": TEMP_SK,
                "modelarts:securityToken": SECURITY_TOKEN,
            },
        ),
        "password": Kind(
            PASSWORD_USER,
            secrets={"modelarts:password": PASSWORD},
            plain={"modelarts:userName": PASSWORD_USER, "modelarts:domainName": constants.DOMAIN_NAME},
            issues_token=True,
        ),
        "token": Kind(TOKEN_USER, secrets={"modelarts:token": pre_issued_token}),
        "aksk-env": Kind("aksk-user", env={"HW_ACCESS_KEY": AKSK_AK, "HW_SECRET_KEY": AKSK_SK}),
    }


KINDS = ("aksk", "temporary-aksk", "password", "token", "aksk-env")

SECRET_SIG, SECRET_MARK = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
"""How Pulumi marks a secret value in a deployment."""

CONFIGURE_LOG_LINE = re.compile(r"Marshaling property for RPC\[Provider\[0x[0-9a-f]+\]\.Configure\(\)\.inputs\]: ")
"""The engine's -v=9 log line for a value of the Configure call it makes to a provider."""


def tokens_issued(server: LocalModelArts) -> int:
    response = server.admin("GET", "/state")
    response.raise_for_status()
    return int(response.json()["tokens"])


def creator(server: LocalModelArts, path: str) -> str:
    """``metadata.user_name`` of an algorithm or job, read as the observer user."""
    response = server.call("GET", path)
    response.raise_for_status()
    return str(response.json()["metadata"]["user_name"])


def provider_blobs(deployment: dict[str, Any]) -> list[bytes]:
    """The decoded ``__provider`` values (base64 of the dill-pickled provider) of every dynamic resource."""
    blobs = []
    for resource in deployment["deployment"].get("resources") or []:
        for section in ("inputs", "outputs"):
            value = (resource.get(section) or {}).get("__provider")
            if value is not None:
                assert isinstance(value, str), f"__provider of {resource['urn']} is not plain text: {value!r}"
                blobs.append(base64.b64decode(value))
    return blobs


def leaks(values: list[str], places: dict[str, str | bytes]) -> list[str]:
    """``"<value prefix>... in <place>: <context>"`` for every credential value found in a place."""
    found = []
    for name, text in places.items():
        haystack = text if isinstance(text, bytes) else text.encode()
        for value in values:
            at = haystack.find(value.encode())
            if at >= 0:
                found.append(f"{value[:6]}... in {name}: {haystack[max(0, at - 200) : at + 60]!r}")
    return found


def engine_held_config(deployment: dict[str, Any]) -> dict[str, Any]:
    """Take out, and return, the ``modelarts:*`` stack config the engine records as the inputs and outputs of
    the default ``pulumi-python`` provider (Pulumi hands a dynamic provider the whole stack config)."""
    held: dict[str, Any] = {}
    for resource in deployment["deployment"].get("resources") or []:
        if resource["type"] != "pulumi:providers:pulumi-python":
            continue
        for section in ("inputs", "outputs"):
            values = resource.get(section) or {}
            for key in [k for k in values if k.startswith("modelarts:")]:
                held[key] = values.pop(key)
    return held


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_MARK


@pytest.mark.parametrize("kind_name", KINDS)
def test_credentials_never_leak(tmp_path: Path, server: LocalModelArts, kind_name: str) -> None:
    token = requests.post(
        f"{server.url}/v3/auth/tokens",
        json=server_support.token_request(TOKEN_USER, TOKEN_USER_PASSWORD, server.domain_name, server.region),
        timeout=10,
    ).headers["X-Subject-Token"]
    kind = kinds(token)[kind_name]
    secrets = [AKSK_AK, AKSK_SK, TEMP_AK, TEMP_SK, SECURITY_TOKEN, PASSWORD, token]

    project = make_project(tmp_path / "p", server, PROGRAM, name=f"credentials-{kind_name}", credentials=False)
    for key, value in kind.secrets.items():
        project.set_config(key, value, secret=True)
    for key, value in kind.plain.items():
        project.set_config(key, value)
    project.env.update(kind.env)
    project.env["MODELARTS_PULUMI_LOG"] = "debug"  # our own log of every call, on stderr of the provider

    before = tokens_issued(server)
    up = project.run("up", "--yes", "--skip-preview", "--logtostderr", "-v=9")
    issued = tokens_issued(server) - before

    # It really authenticated with this kind: only this credential can act as that user.
    outputs = project.outputs(show_secrets=True)
    assert creator(server, f"/algorithms/{outputs['algorithm_id']}") == kind.user
    assert creator(server, f"/training-jobs/{outputs['job_id']}") == kind.user
    assert (issued > 0) == kind.issues_token, f"IAM issued {issued} token(s) during up"

    # The engine's verbose log was on. At -v=9 the engine (Pulumi 3.260) writes the values of the Configure
    # call it makes to the provider, secret config included: that one line per value is the engine's, not
    # ours, and docs/credentials.md says so. Every other line must be clean.
    assert "RPC[ResourceMonitor.RegisterResource" in up.stderr
    assert "DEBUG modelarts_pulumi" in up.stdout  # and so was the provider's own debug log
    engine_lines = [line for line in up.stderr.splitlines() if not CONFIGURE_LOG_LINE.search(line)]

    export = project.run("stack", "export")
    export_secrets = project.run("stack", "export", "--show-secrets")
    deployment = json.loads(export_secrets.stdout)
    # The stack config secrets are held, as secrets, by the engine's default provider; nothing else holds any.
    held = engine_held_config(deployment)
    assert {key for key, value in held.items() if is_secret(value)} == set(kind.secrets)
    blobs = provider_blobs(deployment)
    assert len(blobs) == 4  # inputs and outputs of both resources

    places: dict[str, str | bytes] = {
        f"state file {path.relative_to(project.directory)}": path.read_bytes()
        for path in (project.directory / ".pulumi-state").rglob("*")
        if path.is_file()
    }
    places |= {f"__provider blob {i}": blob for i, blob in enumerate(blobs)}
    places |= {
        "pulumi up output": up.stdout,
        "engine log (--logtostderr -v=9)": "\n".join(engine_lines),
        "pulumi stack export": export.output,
        "pulumi stack export --show-secrets (but the engine-held config)": json.dumps(deployment),
        "pulumi stack output --json --show-secrets": json.dumps(outputs),
        "stack config file": (project.directory / "Pulumi.test.yaml").read_text(),
    }
    found = leaks(secrets, places)
    assert not found, "\n".join(found)
