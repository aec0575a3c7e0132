"""The Algorithm resource through the real Pulumi CLI against the local ModelArts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine.stack import make_project, server_client, state_text, steps
from tests.support.constants import ENGINE_VERSION
from tests.support.programs import Program, code

pytestmark = pytest.mark.pulumi_cli

GUIDE_CHANNELS: dict[str, Any] = {
    "inputs": [{"name": "data_url", "description": "Data source 1"}],
    "outputs": [{"name": "train_url", "description": "Output data 1"}],
}
PROGRAM = (
    Program()
    .algorithm(
        name=code('config.get("name")'),
        description=code('config.get("description") or "first"'),
        parameters=[
            {"name": "dist", "value": "False", "type": "Boolean"},
            {"name": "world_size", "value": "1", "type": "Integer"},
        ],
        **GUIDE_CHANNELS,
    )
    .export(
        algorithm_id="algorithm.algorithm_id", name="algorithm.name", resolved_engine_id="algorithm.resolved_engine_id"
    )
    .text()
)


def algorithm_names(server: Any) -> list[str]:
    return sorted(a.metadata.name for a in server_client(server).list_algorithms())


def test_algorithm_create_update_replace_destroy(tmp_path: Path, local_modelarts: Any) -> None:
    project = make_project(tmp_path / "p", local_modelarts, PROGRAM, config={"name": "engine-algo-1"})

    assert steps(project.preview_json()) == {"algo": "create"}
    project.up()
    outputs = project.outputs()
    algorithm_id = outputs["algorithm_id"]
    assert outputs["name"] == "engine-algo-1"
    assert outputs["resolved_engine_id"] == ENGINE_VERSION
    assert server_client(local_modelarts).get_algorithm(algorithm_id).metadata.description == "first"

    assert steps(project.preview_json()) == {}

    project.set_config("description", "second")
    assert steps(project.preview_json()) == {"algo": "update"}
    project.up()
    assert project.outputs()["algorithm_id"] == algorithm_id
    assert server_client(local_modelarts).get_algorithm(algorithm_id).metadata.description == "second"

    project.set_config("name", "engine-algo-2")
    assert steps(project.preview_json()) == {"algo": "replace"}
    project.up()
    replaced = project.outputs()["algorithm_id"]
    assert replaced != algorithm_id
    assert "engine-algo-1" not in algorithm_names(local_modelarts)
    assert "engine-algo-2" in algorithm_names(local_modelarts)

    project.destroy()
    assert "engine-algo-2" not in algorithm_names(local_modelarts)
    assert project.resources() == [] or all("dynamic" not in r["urn"] for r in project.resources())


def test_refresh_drops_an_algorithm_deleted_behind_pulumis_back(tmp_path: Path, local_modelarts: Any) -> None:
    project = make_project(tmp_path / "p", local_modelarts, PROGRAM, config={"name": "engine-algo-gone"})
    project.up()
    first_id = project.outputs()["algorithm_id"]
    server_client(local_modelarts).delete_algorithm(first_id)

    project.run("refresh", "--yes", "--skip-preview")
    assert not [r for r in project.resources() if r["type"].endswith("Algorithm")]
    assert steps(project.preview_json()) == {"algo": "create"}
    project.up()
    second_id = project.outputs()["algorithm_id"]
    assert second_id != first_id
    assert server_client(local_modelarts).get_algorithm(second_id).metadata.name == "engine-algo-gone"
    project.destroy()


def test_refresh_of_an_unchanged_algorithm_changes_nothing(tmp_path: Path, local_modelarts: Any) -> None:
    project = make_project(tmp_path / "p", local_modelarts, PROGRAM)
    project.up()
    refresh = project.run("refresh", "--yes", "--skip-preview")
    assert "1 unchanged" in refresh.stdout or "unchanged" in refresh.stdout
    assert steps(project.preview_json()) == {}
    # Autonamed: resource name plus a suffix, and the name stays across runs.
    assert project.outputs()["name"].startswith("algo-")
    project.destroy()


def test_state_holds_no_credential(tmp_path: Path, local_modelarts: Any) -> None:
    project = make_project(tmp_path / "p", local_modelarts, PROGRAM)
    result = project.up()
    text = state_text(project) + project.run("stack", "export").stdout + result.output
    assert local_modelarts.secret_key not in text
    assert local_modelarts.access_key not in text
    project.destroy()
