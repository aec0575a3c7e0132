"""A data dir written by the previous release (SQLite schema version 1) still works: it is migrated on start,
answers what the old server answered, and its jobs go on moving, searching and naming as new ones do.

``data/schema-v1.json`` (the SQL that rebuilds the file) and ``data/schema-v1-answers.json`` were written by
the server of commit 0f3c04b (``data/make_schema_v1.py`` says how).
"""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import LocalModelArts

DATA = Path(__file__).parent / "data"
# The recorded jobs carry the times at which they were written: phases and deletions that last "forever" keep
# the running job running and the deleted one listed however long ago that was.
CONFIG = {
    "simulated": {
        "creating_seconds": 0.2,
        "pending_seconds": 0.2,
        "running_seconds": 10**9,
        "terminating_seconds": 0.5,
    },
    "delete_linger_seconds": 10**9,
}


@pytest.fixture
def migrated(tmp_path: Path, start_local_modelarts: Any) -> LocalModelArts:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with sqlite3.connect(data_dir / "modelarts-local.sqlite3") as db:
        db.executescript("\n".join(json.loads((DATA / "schema-v1.json").read_text(encoding="utf-8"))["statements"]))
    server: LocalModelArts = start_local_modelarts(data_dir=data_dir, config=CONFIG)
    return server


def old_answers() -> dict[str, Any]:
    answers: dict[str, Any] = json.loads((DATA / "schema-v1-answers.json").read_text(encoding="utf-8"))
    return answers


def job_of(algorithm_id: str, name: str) -> dict[str, Any]:
    return {
        "kind": "job",
        "metadata": {"name": name},
        "algorithm": {"id": algorithm_id},
        "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.8u", "node_count": 1}},
    }


def without_duration(job: dict[str, Any]) -> dict[str, Any]:
    """A running job's duration grows with the clock; everything else must be as it was."""
    job = copy.deepcopy(job)
    job["status"].pop("duration")
    return job


def test_a_schema_1_data_dir_answers_as_before(migrated: LocalModelArts):
    old = old_answers()
    for name in ("completed", "failed", "terminated", "deleted"):
        job = old[name]
        assert migrated.call("GET", f"/training-jobs/{job['metadata']['id']}").json() == job, name
        events = migrated.call("GET", f"/training-jobs/{job['metadata']['id']}/events", params={"order": "asc"})
        assert events.json()["events"] == old["events"][name], name
    running = old["running"]
    now = migrated.call("GET", f"/training-jobs/{running['metadata']['id']}").json()
    assert without_duration(now) == without_duration(running)
    assert now["status"]["duration"] > running["status"]["duration"]
    algorithm = old["algorithm"]
    assert migrated.call("GET", f"/algorithms/{algorithm['metadata']['id']}").json() == algorithm

    state = migrated.admin("GET", "/state").json()
    assert state["training_jobs"]["by_phase"] == {"Completed": 1, "Failed": 1, "Running": 1, "Terminated": 2}
    with sqlite3.connect(migrated.data_dir / "modelarts-local.sqlite3") as db:
        assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("2",)


def test_migrated_jobs_search_name_and_move_like_new_ones(migrated: LocalModelArts):
    old = old_answers()
    ids = {name: old[name]["metadata"]["id"] for name in ("completed", "failed", "running", "terminated", "deleted")}

    def search(*filters: dict[str, Any], **body: Any) -> list[str]:
        found = migrated.call("POST", "/training-job-searches", json={"filters": list(filters), **body}).json()
        return [item["metadata"]["id"] for item in found["items"]]

    by_name = {"key": "name", "operator": "like", "value": ["V1-"]}
    assert sorted(search(by_name)) == sorted(ids.values())
    assert search(by_name, {"key": "phase", "operator": "in", "value": ["Running"]}) == [ids["running"]]
    assert search(by_name, {"key": "algorithm_name", "operator": "like", "value": ["v1-algorithm"]}, limit=1) == [
        ids["deleted"]  # the newest first
    ]

    algorithm_id = old["algorithm"]["metadata"]["id"]
    taken = migrated.call("POST", "/training-jobs", json=job_of(algorithm_id, "v1-running"))
    assert (taken.status_code, taken.json()["error_code"]) == (400, "ModelArts.2751")
    # A deleted job's name is free again.
    assert migrated.call("POST", "/training-jobs", json=job_of(algorithm_id, "v1-deleted")).status_code == 201

    stop = migrated.call("POST", f"/training-jobs/{ids['running']}/actions", json={"action_type": "terminate"})
    assert stop.json()["status"]["phase"] == "Terminating"
    done = migrated.wait_for_phase(ids["running"], "Terminated", timeout=10)
    assert done["status"]["running_records"][0]["end_reason"] == "job terminated"
