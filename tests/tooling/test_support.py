"""The shared test support keeps its promises: its copy of the local ModelArts' identity is the emulator's, and a
test that runs the Pulumi CLI without the ``pulumi_cli`` marker (which `make test-fast` leaves out) is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelarts_local import config as emulator_config
from tests.support import constants
from tests.support.pulumi_cli import PULUMI, require_pulumi_cli, run_command


def test_the_identity_constants_are_the_local_modelarts_defaults() -> None:
    defaults = {name: getattr(emulator_config, f"DEFAULT_{name}") for name in (
        "REGION", "PROJECT_ID", "DOMAIN_NAME", "DOMAIN_ID", "USER_NAME", "PASSWORD", "ACCESS_KEY", "SECRET_KEY"
    )}  # fmt: skip
    assert {name: getattr(constants, name) for name in defaults} == defaults


def test_an_unmarked_test_may_not_run_the_pulumi_cli(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="must carry the pulumi_cli marker"):
        require_pulumi_cli()
    with pytest.raises(AssertionError, match="must carry the pulumi_cli marker"):
        run_command([str(PULUMI), "version"], cwd=tmp_path, env={})
