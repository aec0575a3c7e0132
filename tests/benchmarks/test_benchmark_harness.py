"""Smoke test of the benchmark harness (``python -m benchmarks.run``): at 2 jobs, one repetition, the preview
and state scenarios run end to end through the real CLI, print their rows and write sane samples.

Nothing here is about time: the harness measures, it is never a timed test. What is checked is that it ran
what it says (every job created and deleted, as the server counted) and reported it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run import PREVIEWS
from tests.support.pulumi_cli import REPO_ROOT, require_pulumi_cli

pytestmark = pytest.mark.pulumi_cli

JOBS = 2
CREATE_JOB = "POST /v2/{project_id}/training-jobs"
DELETE_JOB = "DELETE /v2/{project_id}/training-jobs/{id}"


def test_the_harness_measures_preview_and_state(tmp_path: Path):
    require_pulumi_cli()
    results = tmp_path / "bench.json"
    argv = [sys.executable, "-m", "benchmarks.run", "--jobs", str(JOBS), "--repeat", "1"]
    argv += ["--only", "preview,state", "--json", str(results)]
    run = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stdout + run.stderr

    table = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in table[2:]}
    assert set(rows) == {
        f"no-op `pulumi preview`, {JOBS} jobs",
        "ModelArts calls made by that preview",
        "state bytes per job after `up` (jobs Pending) (`stack export`, compact JSON)",
        "state bytes per job after `refresh` (jobs Running) (`stack export`, compact JSON)",
    }, run.stdout
    assert "- cores: " in run.stdout and "- pulumi CLI: v" in run.stdout

    data = json.loads(results.read_text())
    measured = data["measurements"]
    assert measured["errors"] == []
    samples = measured["samples"]
    up, destroy = samples["up.submitted.ours"][0], samples["destroy.ours"][0]
    assert up["requests"][CREATE_JOB] == JOBS and destroy["requests"][DELETE_JOB] == JOBS
    expected = {"up.submitted.ours": 1, "refresh.ours": 1, "destroy.ours": 1, "up.trivial": 1, "destroy.trivial": 1}
    expected |= {"preview.ours": PREVIEWS, "preview.trivial": PREVIEWS}
    assert {key: len(found) for key, found in samples.items()} == expected
    assert all(sample["seconds"] > 0 for found in samples.values() for sample in found)
    assert sum(samples["preview.trivial"][0]["requests"].values()) == 0  # the trivial stack calls nobody
    states = measured["job_states"]
    assert len(states) == 2
    for state in states.values():
        assert state["resources"] == JOBS
        assert 0 < state["provider"] < state["outputs"] < state["whole"]
    assert measured["trivial_state"]["whole"] > 0
