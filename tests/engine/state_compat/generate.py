"""Writes the state-compatibility fixture: run once, on the release whose state it records (0f3c04b, the commit
before this folder existed): check that release out, copy this folder into its tests/engine/, and run

    PYTHONPATH=. .venv/bin/python tests/engine/state_compat/generate.py

It deploys ``program.py`` through the real Pulumi CLI on a fresh local ModelArts (simulated mode) and writes
- ``stack-0f3c04b.json``: ``pulumi stack export`` of the result (secrets encrypted with the test passphrase;
  the only credentials in it are the local ModelArts' public test keys);
- ``objects.json``: what the server held, as the create bodies that make the same objects again (same names,
  same specifications) and the phase each job had, so a test can rebuild that server from scratch.

The named job is deployed first with fast phases and waited on until Completed; the server is then restarted
with long ``Running`` phases and the autonamed inline job added, so the state records it Running.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.engine.stack import make_project, server_client
from tests.support.server import FAST_SIMULATED, start_local_modelarts

HERE = Path(__file__).resolve().parent
PROJECT = "state-compat"


def without_nulls(value: Any) -> Any:
    """``value`` without the null fields the server's documents carry (a create body leaves them out)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None and without_nulls(v) != {}}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def algorithm_body(doc: dict[str, Any]) -> dict[str, Any]:
    """The create body of an algorithm as the server returns it."""
    meta, config = doc["metadata"], doc["job_config"]
    engine = config["engine"]
    return {
        "metadata": {k: meta[k] for k in ("name", "description", "workspace_id", "tags") if meta.get(k) is not None},
        "job_config": {
            "code_dir": config["code_dir"],
            "boot_file": config["boot_file"],
            "engine": {"engine_name": engine["engine_name"], "engine_version": engine["engine_version"]},
            "parameters": [
                {k: p[k] for k in ("name", "value", "description", "constraint") if k in p}
                for p in config.get("parameters") or []
            ],
            "parameters_customization": config.get("parameters_customization", True),
            "inputs": [{"name": c["name"], "description": c.get("description", "")} for c in config["inputs"]],
            "outputs": [{"name": c["name"], "description": c.get("description", "")} for c in config["outputs"]],
        },
        "resource_requirements": [],
    }


def job_body(doc: dict[str, Any]) -> dict[str, Any]:
    """The create body of a training job as the server returns it."""
    meta, algorithm, spec = doc["metadata"], doc["algorithm"], doc["spec"]
    keep_algorithm = ("id", "code_dir", "boot_file", "parameters", "inputs", "outputs", "environments")
    body_algorithm = {k: algorithm[k] for k in keep_algorithm if algorithm.get(k)}
    if not algorithm.get("id") and algorithm.get("engine"):
        engine = algorithm["engine"]
        body_algorithm["engine"] = {"engine_name": engine["engine_name"], "engine_version": engine["engine_version"]}
    if "parameters" in body_algorithm:
        body_algorithm["parameters"] = [{"name": p["name"], "value": p["value"]} for p in body_algorithm["parameters"]]
    for key in ("inputs", "outputs"):
        if key in body_algorithm:
            body_algorithm[key] = [{"name": c["name"], "remote": c["remote"]} for c in body_algorithm[key]]
    resource = {k: spec["resource"][k] for k in ("flavor_id", "node_count") if spec["resource"].get(k)}
    body_spec: dict[str, Any] = {"resource": resource}
    for key in ("log_export_path", "auto_stop"):
        if spec.get(key):
            body_spec[key] = spec[key]
    body: dict[str, Any] = without_nulls(
        {
            "kind": doc.get("kind", "job"),
            "metadata": {
                k: meta[k] for k in ("name", "description", "workspace_id", "annotations") if meta.get(k) is not None
            },
            "algorithm": body_algorithm,
            "spec": body_spec,
        }
    )
    return body


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data_dir = root / "data"
        server = start_local_modelarts(data_dir, config={"simulated": FAST_SIMULATED})
        try:
            program = (HERE / "program.py").read_text()
            project = make_project(root / "project", server, program, name=PROJECT, config={"withInline": "false"})
            project.up(timeout=300)
            # Long Running phases from now on: the inline job is recorded while it runs.
            config_file = data_dir.parent / f"{data_dir.name}-config.json"
            config_file.write_text(json.dumps({"simulated": {**FAST_SIMULATED, "running_seconds": 3600.0}}))
            server.restart()
            project.set_config("withInline", "true")
            project.up(timeout=300)
            state = project.export_state()
            client = server_client(server)
            algorithms = [
                {
                    "id": a.metadata.id,
                    "body": algorithm_body(client.get_algorithm(a.metadata.id).model_dump(mode="json")),
                }
                for a in client.list_algorithms()
            ]
            jobs = []
            for found in client.search_training_jobs():
                doc = client.get_training_job(found.metadata.id).model_dump(mode="json")
                jobs.append({"id": found.metadata.id, "phase": doc["status"]["phase"], "body": job_body(doc)})
            objects = {"endpoint": server.url, "algorithms": algorithms, "training_jobs": jobs}
            (HERE / "stack-0f3c04b.json").write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
            (HERE / "objects.json").write_text(json.dumps(objects, indent=2, sort_keys=True) + "\n")
            project.destroy(timeout=300)
        finally:
            server.stop()
    print(f"wrote {HERE / 'stack-0f3c04b.json'} and {HERE / 'objects.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
