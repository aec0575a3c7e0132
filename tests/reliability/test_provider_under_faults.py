"""The client and the dynamic providers, in-process, against a local ModelArts that injects faults: safe calls
are retried (and counted), creates are never duplicated, polls and deletes outlast bursts of errors, a stuck
delete ends with an error after its timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from modelarts_pulumi import http as http_module
from modelarts_pulumi import retry_policy
from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.errors import ModelArtsError
from modelarts_pulumi.inputs import TrainingJobInputs
from modelarts_pulumi.providers import job_lifecycle
from modelarts_pulumi.providers.algorithm import AlgorithmProvider
from modelarts_pulumi.providers.job_mapping import to_request
from modelarts_pulumi.providers.readable import OperationFailed
from modelarts_pulumi.providers.training_job import TrainingJobProvider
from modelarts_pulumi.settings import Settings
from tests.engine.stack import server_client
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.provider_process import configured_provider
from tests.support.server import LocalModelArts

pytestmark = pytest.mark.timeout(120)

ENGINE = {"engine_name": ENGINE_NAME, "engine_version": ENGINE_VERSION}
SERVER_CONFIG: dict[str, Any] = {
    "simulated": {"creating_seconds": 0.3, "pending_seconds": 0.3, "running_seconds": 1.0, "terminating_seconds": 0.3},
    "delete_linger_seconds": 0.2,
    "tick_seconds": 0.1,
    "unique_job_names": False,  # so that only the provider's lookups can prevent twins
}


@pytest.fixture
def server(start_local_modelarts: Any) -> LocalModelArts:
    handle: LocalModelArts = start_local_modelarts(config=SERVER_CONFIG)
    return handle


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoffs are waited for, but briefly: the tests count retries, not seconds."""
    monkeypatch.setattr(retry_policy, "pause", lambda seconds: time.sleep(min(seconds, 0.02)))


@pytest.fixture
def configured(server: LocalModelArts) -> Iterator[LocalModelArts]:
    """The providers' stack config points at ``server`` (AK/SK), and the transport counters start at zero."""
    with configured_provider(server.stack_config()):
        http_module.STATS.clear()
        yield server


def put_faults(server: LocalModelArts, config: dict[str, Any]) -> None:
    response = server.admin("PUT", "/faults", json=config)
    assert response.status_code == 200, response.text


def faults_injected(server: LocalModelArts) -> dict[str, int]:
    counters: dict[str, int] = server.admin("GET", "/faults").json()["counters"]
    return counters


def algorithm_props(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "code_dir": "/faulty-bucket/code/",
        "boot_file": "/faulty-bucket/code/train.py",
        **ENGINE,
        "inputs": [{"name": "data_url"}],
        "outputs": [{"name": "train_url"}],
    }


def job_props(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "code_dir": "/faulty-bucket/code/",
        "boot_file": "/faulty-bucket/code/train.py",
        **ENGINE,
        "flavor_id": FLAVOR_ID,
        "inputs": {"data_url": "/faulty-bucket/data/"},
        "outputs": {"train_url": "/faulty-bucket/outputs/"},
        "wait_timeout": 60,
        **extra,
    }


def checked(provider: Any, props: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, props)
    assert not result.failures, result.failures
    inputs: dict[str, Any] = result.inputs
    return inputs


def create(provider: Any, props: dict[str, Any]) -> Any:
    """What ``pulumi up`` does with a new resource's props: check them (they pass), then create."""
    return provider.create(checked(provider, props))


def submit(server: LocalModelArts, name: str) -> Any:
    """A job made directly through the client (no faults yet)."""
    inputs = TrainingJobInputs.model_validate(checked(TrainingJobProvider(), job_props(name)))
    return server_client(server).create_training_job(to_request(inputs))


def jobs_named(server: LocalModelArts, name: str) -> list[Any]:
    server.admin("DELETE", "/faults")
    return server_client(server).find_training_jobs_by_name(name)


# --- the transport ----------------------------------------------------------------------------------------


def test_safe_calls_ride_out_throttling_5xx_and_dropped_answers_and_the_retries_are_counted(configured):
    server = configured
    put_faults(
        server,
        {"seed": 11, "rules": [{"error_rate": 0.3, "throttle_rate": 0.1, "drop_rate": 0.1, "retry_after_seconds": 0}]},
    )
    client = server_client(server)
    for _ in range(15):
        assert client.list_flavors()
        assert client.search_training_jobs() is not None
    injected = faults_injected(server)
    assert injected["error"] + injected["throttle"] + injected["drop"] > 5
    # Every injected fault on these safe calls was answered by exactly one retry.
    assert http_module.STATS["retries"] == injected["error"] + injected["throttle"] + injected["drop"]
    assert http_module.STATS["calls"] == 30
    assert http_module.STATS["transport_errors"] == 0


def test_retries_stop_within_the_time_budget(configured):
    server = configured
    put_faults(server, {"rules": [{"methods": ["GET"], "error_rate": 1.0, "error_statuses": [503]}]})
    settings = server.stack_config()
    client = ModelArtsClient(Settings.from_config({**settings, "modelarts:retryBudgetSeconds": "2"}, env={}))
    started = time.monotonic()
    with pytest.raises(ModelArtsError) as caught:
        client.list_flavors()
    assert time.monotonic() - started < 5
    assert "503" in str(caught.value)
    assert http_module.STATS["budget_spent"] == 1


# --- creates ----------------------------------------------------------------------------------------------


def test_a_create_whose_answer_was_dropped_is_adopted_not_repeated(configured, capsys):
    server = configured
    # The first create is carried out, then its answer is dropped.
    put_faults(
        server, {"rules": [{"methods": ["POST"], "paths": ["/v2/*/algorithms"], "drop_rate": 1.0, "max_faults": 1}]}
    )
    result = create(AlgorithmProvider(), algorithm_props("faulty-algo-1"))
    assert "adopting the existing algorithm 'faulty-algo-1'" in capsys.readouterr().err
    server.admin("DELETE", "/faults")
    algorithms = [a for a in server_client(server).list_algorithms() if a.metadata.name == "faulty-algo-1"]
    assert [a.metadata.id for a in algorithms] == [result.id]
    assert faults_injected(server)["drop"] == 1


def test_a_training_job_create_under_heavy_faults_makes_exactly_one_job(configured, capsys):
    server = configured
    put_faults(
        server,
        {
            "seed": 5,
            "rules": [
                {"methods": ["POST"], "paths": ["/v2/*/training-jobs"], "drop_rate": 1.0, "max_faults": 1},
                {
                    "error_rate": 0.3,
                    "throttle_rate": 0.1,
                    "drop_rate": 0.1,
                    "reset_rate": 0.05,
                    "retry_after_seconds": 0,
                },
            ],
        },
    )
    result = create(TrainingJobProvider(), job_props("faulty-job-1"))
    err = capsys.readouterr().err
    assert "adopting the existing training job 'faulty-job-1'" in err
    assert (result.outs or {}).get("phase") in ("Pending", "Running", "Completed")
    assert [job.metadata.id for job in jobs_named(server, "faulty-job-1")] == [result.id]


def test_a_create_failing_with_5xx_is_sent_again_only_after_a_lookup_found_nothing(configured, capsys):
    server = configured
    put_faults(
        server,
        {"rules": [{"methods": ["POST"], "paths": ["/v2/*/training-jobs"], "error_rate": 1.0, "max_faults": 2}]},
    )
    result = create(TrainingJobProvider(), job_props("faulty-job-2"))
    err = capsys.readouterr().err
    assert err.count("nothing was created, retrying") == 2
    assert [job.metadata.id for job in jobs_named(server, "faulty-job-2")] == [result.id]


def test_an_expired_token_is_replaced_and_the_call_goes_through(server, capsys):
    config = {
        **{k: v for k, v in server.stack_config().items() if "Key" not in k},
        "modelarts:userName": server.user_name,
        "modelarts:password": server.password,
        "modelarts:domainName": server.domain_name,
    }
    with configured_provider(config):
        put_faults(server, {"rules": [{"token_expiry_rate": 1.0, "max_faults": 1}]})
        tokens_before = server.admin("GET", "/state").json()["tokens"]
        result = create(AlgorithmProvider(), algorithm_props("faulty-algo-token"))
        assert result.id
        assert faults_injected(server)["token_expiry"] == 1
        assert server.admin("GET", "/state").json()["tokens"] > tokens_before


# --- waiting, failing jobs, deleting --------------------------------------------------------------------


def test_polling_a_job_outlasts_a_burst_of_failures(configured, capsys):
    server = configured
    # Every poll of the job fails, at the transport too, until the rule has spent its 12 faults.
    put_faults(
        server,
        {"rules": [{"methods": ["GET"], "paths": ["/v2/*/training-jobs/*"], "error_rate": 1.0, "max_faults": 12}]},
    )
    result = create(TrainingJobProvider(), job_props("faulty-job-poll", wait_for="completed"))
    assert (result.outs or {}).get("phase") == "Completed"
    assert "polling failed" in capsys.readouterr().err


def test_a_job_that_fails_is_reported_and_cleaned_up(configured):
    server = configured
    put_faults(server, {"job_outcomes": [{"name": "faulty-doomed-*", "phase": "Failed", "exit_code": 7}]})
    with pytest.raises(OperationFailed) as caught:  # the engine prints its cause first: the job's failure
        create(TrainingJobProvider(), job_props("faulty-doomed-1"))
    assert isinstance(caught.value.__cause__, job_lifecycle.TrainingJobFailed)
    message = str(caught.value.__cause__)
    assert "is Failed" in message and "exit code 7" in message
    assert "nothing was left behind" in message
    assert jobs_named(server, "faulty-doomed-1") == []


def test_a_job_whose_tags_cannot_be_set_is_cleaned_up_unless_kept(configured):
    server = configured
    untaggable = {
        "rules": [{"methods": ["POST"], "paths": ["/v2/*/modelarts-training-job/*/tags/create"], "error_rate": 1.0}]
    }
    put_faults(server, untaggable)
    with pytest.raises(OperationFailed) as caught:
        create(TrainingJobProvider(), job_props("faulty-untagged-1", tags={"team": "vision"}))
    message = str(caught.value.__cause__)
    assert "could not be tagged" in message and "nothing was left behind" in message
    assert jobs_named(server, "faulty-untagged-1") == []
    put_faults(server, untaggable)
    with pytest.raises(OperationFailed) as kept:
        create(TrainingJobProvider(), job_props("faulty-untagged-2", tags={"team": "vision"}, keep_failed=True))
    assert "keep_failed is set: the job was kept" in str(kept.value.__cause__)
    assert [job.metadata.name for job in jobs_named(server, "faulty-untagged-2")] == ["faulty-untagged-2"]


def test_delete_is_idempotent_and_rides_out_faults(configured):
    server = configured
    job = submit(server, "faulty-job-delete")
    put_faults(server, {"seed": 3, "rules": [{"error_rate": 0.3, "drop_rate": 0.2, "retry_after_seconds": 0}]})
    client = server_client(server)
    job_lifecycle.delete_job(client, job.metadata.id, name="faulty-job-delete", timeout=60)
    assert jobs_named(server, "faulty-job-delete") == []
    # Deleting what is gone is success.
    job_lifecycle.delete_job(client, job.metadata.id, name="faulty-job-delete", timeout=5)


def test_a_delete_that_never_completes_fails_after_its_timeout(start_local_modelarts):
    server = start_local_modelarts(config={**SERVER_CONFIG, "delete_linger_seconds": 3600})
    client = server_client(server)
    job = submit(server, "faulty-job-stuck")
    started = time.monotonic()
    with pytest.raises(ModelArtsError) as caught:
        job_lifecycle.delete_job(client, job.metadata.id, name="faulty-job-stuck", timeout=3)
    elapsed = time.monotonic() - started
    assert 3 <= elapsed < 10
    assert "was deleted but is still listed (Terminated) after delete_timeout=3s" in str(caught.value)
