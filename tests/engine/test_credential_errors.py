"""What a user sees through the real CLI when credentials or the location are wrong: a clear message naming
the setting to fix, never a credential, never a Python traceback."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.engine.stack import make_project
from tests.support.programs import Program
from tests.support.pulumi_cli import CommandResult, PulumiProject

pytestmark = pytest.mark.pulumi_cli

PROGRAM = (
    Program(bucket="errors-bucket").algorithm().training_job(log_export_path=None).export(job_id="job.job_id").text()
)

WRONG_SK = "WrongSecretKey-0000000000000000000000000"
WRONG_PASSWORD = "Wrong-Password-0815"
AKSK = ("modelarts:accessKey", "modelarts:secretKey")


def project_for(
    tmp_path: Path,
    server: Any,
    *,
    unset: tuple[str, ...] = (),
    plain: dict[str, str] | None = None,
    secret: dict[str, str] | None = None,
) -> PulumiProject:
    """A project aimed at ``server`` with AK/SK (``make_project``), minus ``unset``, plus the given config."""
    project = make_project(tmp_path / "p", server, PROGRAM, config={"modelarts:maxRetries": "0"})
    for key in unset:
        project.run("config", "rm", key)
    for key, value in (plain or {}).items():
        project.set_config(key, value)
    for key, value in (secret or {}).items():
        project.set_config(key, value, secret=True)
    return project


def user(server: Any) -> dict[str, str]:
    return {"modelarts:userName": server.user_name, "modelarts:domainName": server.domain_name}


def failed_up(project: PulumiProject) -> CommandResult:
    result = project.run("up", "--yes", check=False)
    assert result.returncode != 0, result.describe()
    assert "Traceback" not in result.output, result.describe()
    return result


def assert_says(result: CommandResult, *parts: str) -> None:
    text = " ".join(result.output.split())  # the display wraps nothing, but be safe about whitespace
    missing = [part for part in parts if part not in text]
    assert not missing, f"missing {missing} in:\n{result.describe()}"


def dead_endpoint() -> str:
    """An http URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_without_credentials_preview_works_offline_and_up_names_what_to_set(tmp_path: Path, local_modelarts: Any):
    nowhere = dead_endpoint()
    project = project_for(
        tmp_path,
        local_modelarts,
        unset=AKSK,
        plain={"modelarts:modelartsEndpoint": nowhere, "modelarts:iamEndpoint": nowhere},
    )

    preview = project.run("preview")  # no credentials, no reachable service: still fine
    assert_says(preview, "no credentials configured: skipped the remote checks", "modelarts:TrainingJob job create")

    up = failed_up(project)
    assert_says(
        up,
        "modelarts settings: no credentials: set either AK/SK",
        "config modelarts:accessKey or env HW_ACCESS_KEY",
        "config modelarts:secretKey or env HW_SECRET_KEY",
        "config modelarts:userName",
        "config modelarts:token or env HW_AUTH_TOKEN",
    )


def test_a_wrong_secret_key_shows_the_gateways_answer(tmp_path: Path, local_modelarts: Any):
    project = project_for(tmp_path, local_modelarts, secret={"modelarts:secretKey": WRONG_SK})
    up = failed_up(project)
    assert_says(up, "401 APIGW.0301: Incorrect IAM authentication information: verify aksk signature fail")
    assert_says(up, "modelarts:accessKey", "modelarts:secretKey")
    assert WRONG_SK not in up.output


def test_a_wrong_password_shows_iams_answer(tmp_path: Path, local_modelarts: Any):
    project = project_for(
        tmp_path,
        local_modelarts,
        unset=AKSK,
        plain=user(local_modelarts),
        secret={"modelarts:password": WRONG_PASSWORD},
    )
    up = failed_up(project)
    assert_says(up, "POST /v3/auth/tokens?nocatalog=true -> 401", "The username or password is wrong.")
    assert_says(up, "modelarts:userName", "modelarts:password")
    assert WRONG_PASSWORD not in up.output


def test_aksk_and_a_password_together_are_refused(tmp_path: Path, local_modelarts: Any):
    project = project_for(
        tmp_path, local_modelarts, plain=user(local_modelarts), secret={"modelarts:password": local_modelarts.password}
    )
    up = failed_up(project)
    assert_says(
        up,
        "conflicting credentials: AK/SK (config modelarts:accessKey) and an IAM password (config modelarts:password)",
        "use exactly one kind of credentials",
    )
    assert local_modelarts.password not in up.output


def test_an_unknown_region_needs_both_endpoints(tmp_path: Path, local_modelarts: Any):
    project = project_for(
        tmp_path,
        local_modelarts,
        unset=("modelarts:modelartsEndpoint", "modelarts:iamEndpoint"),
        plain={"modelarts:region": "xx-nowhere-1"},
    )
    up = failed_up(project)
    assert_says(
        up,
        "unknown region 'xx-nowhere-1' (config modelarts:region): ModelArts is offered in",
        "config modelarts:modelartsEndpoint or env HUAWEICLOUD_SDK_REGION_MODELARTS_XX_NOWHERE_1",
        "config modelarts:iamEndpoint",
    )


@pytest.mark.parametrize("kind", ["aksk", "password"])
def test_a_region_without_a_project_names_the_project_setting(tmp_path: Path, local_modelarts: Any, kind: str):
    """cn-north-1 is a ModelArts region, but the local account has no project of that name."""
    by_password = kind == "password"
    project = project_for(
        tmp_path,
        local_modelarts,
        unset=("modelarts:projectId", *(AKSK if by_password else ())),
        plain={"modelarts:region": "cn-north-1", **(user(local_modelarts) if by_password else {})},
        secret={"modelarts:password": local_modelarts.password} if by_password else None,
    )
    up = failed_up(project)
    assert_says(up, "project not found for region 'cn-north-1'", "modelarts:projectId", "HW_PROJECT_ID")
