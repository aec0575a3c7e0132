"""The remote checks' cost (issue 12): what they fetch is cached per provider process and fetched once however
many resources ask at the same time, and they do not run at all for a resource whose checked inputs are as
they were at the last deployment (``check(olds, news)``). Against a local ModelArts that counts the calls."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from modelarts_pulumi.providers import remote_checks
from modelarts_pulumi.providers.algorithm import AlgorithmProvider
from modelarts_pulumi.providers.training_job import TrainingJobProvider
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.provider_process import configured_provider
from tests.support.server import LocalModelArts

GET_ALGORITHM = "GET /v2/{project_id}/algorithms/{id}"
GET_FLAVORS = "GET /v2/{project_id}/training-job-flavors"


@pytest.fixture
def server(start_local_modelarts: Any) -> Iterator[LocalModelArts]:
    handle: LocalModelArts = start_local_modelarts(config={"faults": {"count_requests": True}})
    with configured_provider(handle.stack_config()):
        yield handle


def calls(server: LocalModelArts) -> Counter[str]:
    counted = server.admin("GET", "/faults").json()["requests"]
    return Counter({key: n for key, n in counted.items() if key.startswith(("GET /v2/", "POST /v2/", "PUT /v2/"))})


def algorithm_props(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "checked-algorithm",
        "code_dir": "/bucket/code/",
        "boot_file": "/bucket/code/train.py",
        "engine_name": ENGINE_NAME,
        "engine_version": ENGINE_VERSION,
        "parameters": [{"name": "epochs", "value": "1", "type": "Integer"}],
        "parameters_customization": False,  # a hyperparameter it does not declare fails the check
        **overrides,
    }


def job_props(algorithm_id: str, index: int, **overrides: Any) -> dict[str, Any]:
    return {
        "name": f"checked-job-{index}",
        "algorithm_id": algorithm_id,
        "flavor_id": FLAVOR_ID,
        "hyperparameters": {"epochs": index + 1},
        **overrides,
    }


def deployed_algorithm(server: LocalModelArts) -> tuple[str, dict[str, Any]]:
    provider = AlgorithmProvider()
    checked = provider.check({}, algorithm_props()).inputs
    created = provider.create(checked)
    return created.id, checked


def test_many_jobs_checked_at_once_fetch_the_algorithm_and_the_flavors_once(server):
    algorithm_id, _ = deployed_algorithm(server)
    before = calls(server)
    provider = TrainingJobProvider()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: provider.check({}, job_props(algorithm_id, i)), range(16)))
    assert all(not result.failures for result in results)
    made = calls(server) - before
    assert made == Counter({GET_ALGORITHM: 1, GET_FLAVORS: 1})
    # The checks still check: a hyperparameter the algorithm does not declare fails, from the cached algorithm.
    bad = provider.check({}, job_props(algorithm_id, 99, hyperparameters={"epochs": "many"}))
    assert [f.property for f in bad.failures] == ["hyperparameters.epochs"]
    assert calls(server) - before == made


def test_a_resource_as_it_was_deployed_is_not_checked_again(server):
    algorithm_id, algorithm_inputs = deployed_algorithm(server)
    provider = TrainingJobProvider()
    job_inputs = provider.check({}, job_props(algorithm_id, 1)).inputs
    remote_checks.clear_cache()  # a new process: nothing cached
    before = calls(server)
    assert not AlgorithmProvider().check(algorithm_inputs, algorithm_props()).failures
    assert not provider.check(job_inputs, job_props(algorithm_id, 1)).failures
    assert calls(server) - before == Counter()  # a preview with nothing to do calls nobody
    # A checked input that changed (the flavor) is checked again ...
    changed = provider.check(job_inputs, job_props(algorithm_id, 1, flavor_id="modelarts.vm.no-such-flavor"))
    assert [f.property for f in changed.failures] == ["flavor_id"]
    # ... and so is a job that is replaced with the same checked inputs (a new job is made).
    remote_checks.clear_cache()
    before = calls(server)
    assert not provider.check(job_inputs, job_props(algorithm_id, 1, triggers=["run again"])).failures
    assert calls(server) - before == Counter({GET_ALGORITHM: 1, GET_FLAVORS: 1})
    # An algorithm whose engine changes is checked again.
    engine = AlgorithmProvider().check(algorithm_inputs, algorithm_props(engine_version="no-such-version"))
    assert [f.property for f in engine.failures] == ["engine_version"]


def test_an_algorithm_updated_by_this_process_is_fetched_again_for_the_next_job_check(server):
    algorithm_id, algorithm_inputs = deployed_algorithm(server)
    jobs = TrainingJobProvider()
    assert not jobs.check({}, job_props(algorithm_id, 1)).failures
    lr = {"name": "lr", "value": "0.1", "type": "Float"}
    wider = AlgorithmProvider().check(
        algorithm_inputs, algorithm_props(parameters=[*algorithm_inputs["parameters"], lr])
    )
    AlgorithmProvider().update(algorithm_id, algorithm_inputs, wider.inputs)
    result = jobs.check({}, job_props(algorithm_id, 2, hyperparameters={"epochs": 2, "lr": 0.5}))
    assert not result.failures, result.failures
