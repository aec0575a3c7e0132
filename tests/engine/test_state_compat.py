"""State written by an earlier release still works: refresh, update and destroy through the real CLI.

``state_compat/stack-0f3c04b.json`` is ``pulumi stack export`` of ``state_compat/program.py`` as release
0f3c04b deployed it (``state_compat/generate.py`` wrote it): an autonamed algorithm, a named job that
completed, and an autonamed inline job recorded while Running. Its ``__provider`` blobs pickle the provider
classes by module path, so this test fails when a path that state references stops being importable, when the
autonamed identity of a resource changes (a false replacement), or when an input or output changes shape.

A fresh local ModelArts gets the same objects again (same names and specifications, from
``state_compat/objects.json``); it gives them new IDs, so the export's IDs and endpoint are rewritten to the
new ones before the import. Nothing else in it changes, and the provider blobs stay byte for byte as committed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.engine.stack import make_project, server_client, server_counts, steps
from tests.support.server import FAST_SIMULATED

pytestmark = pytest.mark.pulumi_cli

FIXTURE = Path(__file__).resolve().parent / "state_compat"
PROJECT = "state-compat"  # autonames derive from the project and stack names: keep the fixture's
PROVIDER_KEY = "__provider"


def rebuild_objects(server: Any, objects: dict[str, Any]) -> dict[str, str]:
    """Create the fixture's algorithms and jobs on ``server`` through the plain API; ``{old ID: new ID}``."""
    ids: dict[str, str] = {}
    for algorithm in objects["algorithms"]:
        response = server.call("POST", "/algorithms", json=algorithm["body"])
        assert response.status_code == 201, response.text
        ids[algorithm["id"]] = response.json()["metadata"]["id"]
    for job in objects["training_jobs"]:
        body = json.loads(json.dumps(job["body"]))
        if "id" in body["algorithm"]:
            body["algorithm"]["id"] = ids[body["algorithm"]["id"]]
        response = server.call("POST", "/training-jobs", json=body)
        assert response.status_code == 201, response.text
        ids[job["id"]] = response.json()["metadata"]["id"]
    return ids


def rewritten(value: Any, replacements: dict[str, str], key: str = "") -> Any:
    """``value`` with every old ID and the old endpoint replaced, the provider blobs left alone."""
    if key == PROVIDER_KEY:
        return value
    if isinstance(value, dict):
        return {k: rewritten(v, replacements, k) for k, v in value.items()}
    if isinstance(value, list):
        return [rewritten(item, replacements) for item in value]
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
    return value


def provider_blobs(deployment: dict[str, Any]) -> list[str]:
    return [
        r[part][PROVIDER_KEY]
        for r in deployment["deployment"]["resources"]
        for part in ("inputs", "outputs")
        if PROVIDER_KEY in r.get(part, {})
    ]


def ours(project: Any) -> dict[str, dict[str, Any]]:
    """``{resource name: resource}`` of the stack's Algorithm and TrainingJob resources."""
    return {r["urn"].rsplit("::", 1)[-1]: r for r in project.resources() if "pulumi-python:dynamic" in r["type"]}


def test_state_of_release_0f3c04b_refreshes_updates_and_destroys(tmp_path: Path, start_local_modelarts: Any) -> None:
    objects = json.loads((FIXTURE / "objects.json").read_text())
    exported = json.loads((FIXTURE / "stack-0f3c04b.json").read_text())
    server = start_local_modelarts(config={"simulated": FAST_SIMULATED, "delete_linger_seconds": 0.5})
    ids = rebuild_objects(server, objects)
    for old_id in (job["id"] for job in objects["training_jobs"]):
        server.wait_for_phase(ids[old_id], "Completed", timeout=60)

    state = rewritten(exported, {**ids, objects["endpoint"]: server.url})
    assert provider_blobs(state) == provider_blobs(exported) and len(provider_blobs(state)) == 6
    assert objects["endpoint"] not in json.dumps(state)
    (tmp_path / "state.json").write_text(json.dumps(state))
    project = make_project(
        tmp_path / "project", server, (FIXTURE / "program.py").read_text(), name=PROJECT, config={"withInline": "true"}
    )
    project.run("stack", "import", "--file", str(tmp_path / "state.json"))
    names = {"algo": "algo-b676c351", "job": "compat-job", "inline": "inline-ef422280"}
    before = ours(project)
    assert {name: r["outputs"]["name"] for name, r in before.items()} == names
    assert before["inline"]["outputs"]["phase"] == "Running"

    # Refresh: the inline job ended since the state was written; nothing else changes.
    result = project.run("refresh", "--yes", "--skip-preview")
    assert "ended Completed since the last update" in result.output
    refreshed = ours(project)
    assert {name: r["id"] for name, r in refreshed.items()} == {name: r["id"] for name, r in before.items()}
    assert refreshed["inline"]["outputs"]["phase"] == "Completed"
    assert refreshed["job"]["outputs"]["phase"] == "Completed"
    for name, resource in refreshed.items():
        assert resource["inputs"] == before[name]["inputs"], f"refresh changed the inputs of {name}"
    # The same program on the refreshed state: no change at all (autonames and inputs read as before).
    assert steps(project.preview_json()) == {}

    # An in-place update of both descriptions, through the providers pickled in the old state.
    project.set_config("algorithmDescription", "updated after the import")
    project.set_config("jobDescription", "second run")
    assert steps(project.preview_json()) == {"algo": "update", "job": "update"}
    project.up()
    updated = ours(project)
    assert {name: r["id"] for name, r in updated.items()} == {name: r["id"] for name, r in before.items()}
    client = server_client(server)
    assert client.get_algorithm(updated["algo"]["id"]).metadata.description == "updated after the import"
    assert client.get_training_job(updated["job"]["id"]).metadata.description == "second run"
    assert steps(project.preview_json()) == {}

    project.destroy()
    assert ours(project) == {}
    deadline = time.monotonic() + 30
    while server_counts(server) != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server_counts(server) == (0, 0)
