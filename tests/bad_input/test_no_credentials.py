"""A preview with no credentials at all (a CI preview): it checks everything that can be checked offline, says
which remote checks it skipped, and leaves lookups unknown; `up` fails, naming the credentials to set, before
anything is created."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine.stack import make_project
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.programs import Program, code
from tests.support.pulumi_cli import PULUMI, CommandResult, PulumiProject, run_command

pytestmark = pytest.mark.pulumi_cli

PROGRAM = (
    Program(bucket="nocred-bucket")
    .line(
        "import os",
        'variant = os.environ["VARIANT"]',
        'if variant == "lookups":',
        f"    flavor = modelarts.lookup_flavor('CPU', {FLAVOR_ID!r})",
        f"    engine = modelarts.lookup_engine(name={ENGINE_NAME!r}, version={ENGINE_VERSION!r})",
        '    pulumi.export("flavor_id", flavor["flavor_id"])',
        '    pulumi.export("engine_id", engine["engine_id"])',
        '    flavor_id = flavor["flavor_id"]',
        "else:",
        f"    flavor_id = {FLAVOR_ID!r}",
    )
    .algorithm(inputs=None, outputs=None)
    .training_job(
        inputs=None,
        outputs=None,
        flavor_id=code("flavor_id"),
        node_count=code('0 if variant == "offline-error" else 1'),
        log_export_path=code('f"/{bucket}/logs" if variant == "offline-error" else f"/{bucket}/logs/"'),
    )
    .text()
)

CREDENTIAL_ENV_PREFIXES = ("HW_", "OS_", "HUAWEICLOUD_SDK_")


def run(project: PulumiProject, variant: str, *args: str) -> CommandResult:
    env = {**project.env, "VARIANT": variant}
    command = [str(PULUMI), *args, "--non-interactive", "--color", "never", "--stack", project.stack]
    return run_command(command, cwd=project.directory, env=env, check=False)


def test_preview_without_credentials_checks_offline_and_says_what_it_skipped(
    tmp_path: Path, local_modelarts: Any
) -> None:
    project = make_project(tmp_path / "p", local_modelarts, PROGRAM, credentials=False)
    project.env = {k: v for k, v in project.env.items() if not k.startswith(CREDENTIAL_ENV_PREFIXES)}
    before = local_modelarts.admin("GET", "/state").json()

    # A valid program previews, says which remote checks it skipped, and leaves the lookups unknown.
    valid = run(project, "lookups", "preview")
    assert valid.returncode == 0, valid.describe()
    assert "no credentials configured: skipped the remote checks of training jobs" in valid.output
    assert "node_count is within its max_num" in valid.output
    assert "lookups stay unknown in this preview" in valid.output
    assert "flavor_id: [unknown]" in valid.output and "engine_id: [unknown]" in valid.output

    # What can be checked offline still is: the preview fails naming the property and the rule.
    broken = run(project, "offline-error", "preview")
    assert broken.returncode != 0, broken.describe()
    assert "node_count: Input should be greater than or equal to 1" in broken.output
    assert "log_export_path: must be an OBS folder, ending with '/'" in broken.output

    # `up` cannot do without credentials: the lookups stop the program with the settings to give ...
    with_lookups = run(project, "lookups", "up", "--yes", "--skip-preview")
    assert with_lookups.returncode != 0, with_lookups.describe()
    assert "modelarts lookup: no credentials" in with_lookups.output
    assert "config modelarts:accessKey or env HW_ACCESS_KEY" in with_lookups.output
    assert "Traceback" not in with_lookups.output
    # ... and so does the provider, before it creates anything.
    plain = run(project, "plain", "up", "--yes", "--skip-preview")
    assert plain.returncode != 0, plain.describe()
    assert "no credentials" in plain.output and "config modelarts:accessKey" in plain.output

    after = local_modelarts.admin("GET", "/state").json()
    assert (after["algorithms"], after["training_jobs"]) == (before["algorithms"], before["training_jobs"])
    assert not [r for r in project.resources() if "dynamic" in r.get("type", "")]
