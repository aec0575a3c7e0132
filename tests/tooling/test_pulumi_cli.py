"""End to end: the CLI built from the Go module proxy + our Python language host + a dynamic provider.

One temp project (own PULUMI_HOME, file backend, passphrase) goes through preview, up, a no-change
preview, refresh, stack output and destroy. The provider class lives in an importable module next
to the program, so it is pickled by reference and the provider process imports it by name; it
records create/delete as marker files, which proves the provider ran in its own process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.constants import PULUMI_VERSION
from tests.support.pulumi_cli import PULUMI, PulumiProject, pulumi_env, require_pulumi_cli, run_command

pytestmark = pytest.mark.pulumi_cli

ECHO_PROVIDER = '''\
"""A tiny dynamic provider for the toolchain test."""
from pathlib import Path
from typing import Any

from pulumi.dynamic import CreateResult, ReadResult, ResourceProvider, UpdateResult


class EchoProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        id_ = f"echo-{props['name']}"
        Path(props["marker_dir"], id_).write_text("created")
        return CreateResult(id_=id_, outs={**props, "greeting": f"hello {props['name']}"})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Refresh marks the state, so the test can see read() ran.
        return ReadResult(id_=id_, outs={**props, "refreshed": True})

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs={**news, "greeting": f"hello {news['name']}"})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        Path(props["marker_dir"], id_).unlink()
'''

PROGRAM = """\
import pulumi
from pulumi.dynamic import Resource

from echo_provider import EchoProvider


class Echo(Resource):
    greeting: pulumi.Output[str]

    def __init__(self, name: str, who: str, marker_dir: str) -> None:
        props = {"name": who, "marker_dir": marker_dir, "greeting": None}
        super().__init__(EchoProvider(), name, props)


config = pulumi.Config()
echo = Echo("echo", config.require("who"), config.require("markerDir"))
pulumi.export("greeting", echo.greeting)
pulumi.export("echoId", echo.id)
pulumi.export("token", config.require_secret("token"))
pulumi.export("stack", pulumi.get_stack())
"""

ECHO_TYPE = "pulumi-python:dynamic:Resource"


def test_cli_version(tmp_path: Path) -> None:
    require_pulumi_cli()
    result = run_command([str(PULUMI), "version"], cwd=tmp_path, env=pulumi_env(tmp_path, tmp_path))
    assert result.stdout.strip() == f"v{PULUMI_VERSION}"


def test_lifecycle_with_dynamic_provider(tmp_path: Path) -> None:
    require_pulumi_cli()
    markers = tmp_path / "markers"
    markers.mkdir()
    project = PulumiProject.create(
        tmp_path / "proj",
        name="toolchain-check",
        files={"__main__.py": PROGRAM, "echo_provider.py": ECHO_PROVIDER},
    )
    project.init_stack("dev")
    project.set_config("who", "world")
    project.set_config("markerDir", str(markers))
    project.set_config("token", "s3cr3t-token", secret=True)
    try:
        # preview: the program runs through our language host; nothing is created yet.
        preview = project.preview_json()
        assert preview["changeSummary"].get("create", 0) >= 2, preview["changeSummary"]  # stack + echo
        assert not list(markers.iterdir())

        # up: the dynamic provider process creates the resource.
        up = project.up()
        assert (markers / "echo-world").read_text() == "created", up.describe()
        assert project.outputs() == {
            "greeting": "hello world",
            "echoId": "echo-world",
            "token": "[secret]",
            "stack": "dev",
        }
        assert project.outputs(show_secrets=True)["token"] == "s3cr3t-token"
        # The secret is encrypted at rest with the passphrase.
        state_text = json.dumps(project.export_state())
        assert "s3cr3t-token" not in state_text

        # A second preview sees no changes.
        again = project.preview_json("--expect-no-changes")
        assert set(again["changeSummary"]) == {"same"}, again["changeSummary"]

        # refresh: read() runs in the provider process and its outputs land in the state.
        project.run("refresh", "--yes", "--skip-preview")
        echo_state = next(r for r in project.resources() if r["type"] == ECHO_TYPE)
        assert echo_state["outputs"]["refreshed"] is True
        assert echo_state["id"] == "echo-world"
        assert set(project.preview_json("--expect-no-changes")["changeSummary"]) == {"same"}

        # destroy: delete() runs with the provider stored in state.
        project.destroy()
        assert not (markers / "echo-world").exists()
        assert project.resources() == []
        assert project.outputs() == {}
    finally:
        if (markers / "echo-world").exists():
            project.destroy()
        project.remove_stack()


def test_program_error_is_reported(tmp_path: Path) -> None:
    """A failing program makes `pulumi preview` fail with the program's own error, not a host crash."""
    require_pulumi_cli()
    project = PulumiProject.create(
        tmp_path / "proj",
        name="toolchain-error",
        files={"__main__.py": "raise RuntimeError('boom from the program')\n"},
    )
    project.init_stack("dev")
    result = project.run("preview", check=False)
    assert result.returncode != 0
    assert "boom from the program" in result.output, result.describe()
