"""Issue 12 through the real Pulumi CLI: jobs wait past four at a time, in ``up`` and in ``destroy`` (the
dynamic-provider process's pool is widened, ``providers/workers.py``), and a preview with nothing to do calls
ModelArts not once, before and after a refresh (the remote checks are skipped for resources as deployed)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.engine.stack import make_project, steps
from tests.support.programs import Program, code

pytestmark = pytest.mark.pulumi_cli

JOBS = 6
RUNNING_AFTER = 5.0  # seconds from a create until the job is Running
TERMINATING = 3.0  # seconds a terminated job stays Terminating: a delete takes longer
CREATE = "POST /v2/{project_id}/training-jobs"
TERMINATE = "POST /v2/{project_id}/training-jobs/{id}/actions"

PROGRAM = (
    Program(bucket="wait-bucket")
    .algorithm(inputs=None, outputs=None)
    .training_job(
        code('f"job-{i}"'),
        each='i in range(config.require_int("jobs"))',
        inputs=None,
        outputs=None,
        log_export_path=None,
        hyperparameters=code('{"epochs": i + 1}'),
        wait_for="running",
    )
    .text()
)


def modelarts_calls(server: Any, since: float) -> list[tuple[float, str]]:
    arrivals = server.admin("GET", "/faults/requests", params={"since": since}).json()["requests"]
    return [(at, key) for at, key in arrivals if key.split(" ", 1)[1].startswith("/v2/")]


def test_six_jobs_wait_together_and_are_deleted_together_and_a_noop_preview_calls_nobody(
    tmp_path, start_local_modelarts
):
    simulated = {"creating_seconds": 0.5, "pending_seconds": RUNNING_AFTER - 0.5, "running_seconds": 600}
    server = start_local_modelarts(
        config={
            "simulated": {**simulated, "terminating_seconds": TERMINATING},
            "delete_linger_seconds": 0.2,
            "tick_seconds": 0.1,
            "faults": {"count_requests": True},
        }
    )
    project = make_project(tmp_path / "p", server, PROGRAM, config={"jobs": str(JOBS)})
    since = time.time()
    project.up("--parallel", "8")
    creates = [at for at, key in modelarts_calls(server, since) if key == CREATE]
    assert len(creates) == JOBS
    # Every job was submitted before the first could be Running: none waited for a worker. With Pulumi's 4
    # workers, the fifth create would have come after the first job was Running.
    assert creates[-1] - creates[0] < RUNNING_AFTER, [round(at - creates[0], 2) for at in creates]

    previewed = time.time()
    assert steps(project.preview_json()) == {}
    refreshed = time.time()
    project.run("refresh", "--yes", "--skip-preview")
    previewed_again = time.time()
    assert steps(project.preview_json()) == {}
    calls = modelarts_calls(server, previewed)
    assert [key for at, key in calls if at < refreshed] == []
    assert [key for at, key in calls if at > previewed_again] == []  # nor after a refresh that read every job
    destroyed = time.time()
    project.destroy("--parallel", "8")
    # The deletes too: all terminated at once, though they all arrive before the provider is configured.
    terminates = [at for at, key in modelarts_calls(server, destroyed) if key == TERMINATE]
    assert len(terminates) == JOBS
    assert terminates[-1] - terminates[0] < TERMINATING, [round(at - terminates[0], 2) for at in terminates]
