"""The calls a training job costs (issue 12), in-process against a local ModelArts that counts and dates every
request: a create makes no call that cannot hold something, a delete starts from the phase the state knows,
and the polls of one job keep their cadence (never two within a second)."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from modelarts_pulumi.providers.algorithm import AlgorithmProvider
from modelarts_pulumi.providers.training_job import TrainingJobProvider
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.provider_process import configured_provider
from tests.support.server import LocalModelArts

pytestmark = pytest.mark.timeout(120)

SEARCH = "POST /v2/{project_id}/training-job-searches"
CREATE = "POST /v2/{project_id}/training-jobs"
GET = "GET /v2/{project_id}/training-jobs/{id}"
TERMINATE = "POST /v2/{project_id}/training-jobs/{id}/actions"
DELETE = "DELETE /v2/{project_id}/training-jobs/{id}"
LOG_URL = "GET /v2/{project_id}/training-jobs/{id}/tasks/worker-0/logs/url"
METRICS = "GET /v2/{project_id}/training-jobs/{id}/metrics/worker-0"
SIMULATED = {"creating_seconds": 0.3, "pending_seconds": 1.2, "running_seconds": 60, "terminating_seconds": 0.3}


@pytest.fixture
def server(start_local_modelarts: Any) -> Iterator[LocalModelArts]:
    config = {"simulated": SIMULATED, "delete_linger_seconds": 0.2, "tick_seconds": 0.1}
    handle: LocalModelArts = start_local_modelarts(config={**config, "faults": {"count_requests": True}})
    with configured_provider(handle.stack_config()):
        yield handle


def job_calls(server: LocalModelArts, since: float) -> list[tuple[float, str]]:
    arrivals = server.admin("GET", "/faults/requests", params={"since": since}).json()["requests"]
    return [(at, key) for at, key in arrivals if "/training-job" in key]


def created_job(server: LocalModelArts, wait_for: str) -> tuple[TrainingJobProvider, str, dict[str, Any]]:
    algorithm = AlgorithmProvider()
    made = algorithm.create(
        algorithm.check(
            {},
            {
                "name": "counted-algorithm",
                "code_dir": "/bucket/code/",
                "boot_file": "/bucket/code/train.py",
                "engine_name": ENGINE_NAME,
                "engine_version": ENGINE_VERSION,
            },
        ).inputs
    )
    jobs = TrainingJobProvider()
    props = {"name": f"counted-{wait_for}", "algorithm_id": made.id, "flavor_id": FLAVOR_ID, "wait_for": wait_for}
    checked = jobs.check({}, props).inputs
    since = time.time()
    created = jobs.create(checked)
    return jobs, created.id, {"since": since, "outs": created.outs}


def test_a_create_that_waits_for_submitted_makes_three_job_calls_and_nothing_before_the_job_runs(server):
    _, _, made = created_job(server, "submitted")
    calls = Counter(key for _, key in job_calls(server, made["since"]))
    assert calls == Counter({SEARCH: 1, CREATE: 1, GET: 1}), calls  # the search guards against twins
    assert made["outs"]["phase"] == "Pending"
    assert made["outs"]["metrics"] is None and made["outs"]["log_url"] is None


def test_a_create_that_waits_for_running_polls_at_most_once_a_second_and_then_fetches_log_and_metrics(server):
    _, _, made = created_job(server, "running")
    arrivals = job_calls(server, made["since"])
    calls = Counter(key for _, key in arrivals)
    assert calls[LOG_URL] == 1 and calls[METRICS] == 1 and calls[SEARCH] == 1 and calls[CREATE] == 1
    polls = [at for at, key in arrivals if key == GET]
    posted = next(at for at, key in arrivals if key == CREATE)
    assert len(polls) >= 2 and polls[0] - posted >= 0.45  # the first poll half a second after the create
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(polls)), polls  # never two within a second (jitter aside)
    assert made["outs"]["phase"] == "Running"


@pytest.mark.parametrize(
    ("state_phase", "expected"),
    [
        ("Running", Counter({TERMINATE: 1, GET: 2, DELETE: 1})),  # terminate at once: the SDK's 4 calls
        ("Creating", Counter({TERMINATE: 1, GET: 2, DELETE: 1})),  # stale: it is Running now, still stoppable
        (None, Counter({GET: 3, TERMINATE: 1, DELETE: 1})),  # no phase recorded (older state): ask first
    ],
)
def test_a_delete_starts_from_the_phase_in_the_state(server, state_phase: str | None, expected: Counter[str]):
    jobs, job_id, made = created_job(server, "running")
    outs = {**made["outs"], "phase": state_phase}
    since = time.time()
    jobs.delete(job_id, outs)
    assert Counter(key for _, key in job_calls(server, since)) == expected


def test_a_stale_running_phase_of_a_job_that_ended_costs_one_refused_terminate(server):
    jobs, job_id, made = created_job(server, "running")
    server.admin("POST", f"/jobs/{job_id}/outcome", json={"phase": "Completed"}).raise_for_status()
    since = time.time()
    jobs.delete(job_id, {**made["outs"], "phase": "Running"})
    calls = Counter(key for _, key in job_calls(server, since))
    assert calls == Counter({TERMINATE: 1, GET: 2, DELETE: 1})  # refused (not stoppable), then as for an ended job
