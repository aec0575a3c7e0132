"""The local ModelArts produces every fault on demand: throttling, 5xx, latency, resets, answers dropped after
the work was done, expiring tokens and failing jobs; seeded, filtered, counted, and off by default."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from modelarts_local.config import ConfigError, config_from_dict
from tests.support import server as server_support
from tests.support.aksk import signed_request
from tests.support.bodies import algorithm_body, inline_job_body
from tests.support.server import FAST_SIMULATED, LocalModelArts

pytestmark = pytest.mark.timeout(60)

ALGORITHMS = "/v2/*/algorithms"
JOBS = "/v2/*/training-jobs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalModelArts]:
    data_dir = tmp_path_factory.mktemp("faults") / "data"
    config = {"simulated": {**FAST_SIMULATED, "running_seconds": 0.5}, "delete_linger_seconds": 0.2}
    with server_support.serving(data_dir, config=config) as handle:
        yield handle


@pytest.fixture
def faults(server: LocalModelArts) -> Iterator[Any]:
    """``faults(config)`` sets the server's faults for this test; they are turned off afterwards."""

    def put(config: dict[str, Any]) -> dict[str, Any]:
        response = server.admin("PUT", "/faults", json=config)
        assert response.status_code == 200, response.text
        snapshot: dict[str, Any] = response.json()
        return snapshot

    try:
        yield put
    finally:
        server.admin("DELETE", "/faults")


def counters(server: LocalModelArts) -> dict[str, int]:
    data: dict[str, int] = server.admin("GET", "/faults").json()["counters"]
    return data


def job_body(name: str) -> dict[str, Any]:
    return inline_job_body("/fault-bucket/code/", "/fault-bucket/code/train.py", name)


def algorithm_names(server: LocalModelArts) -> list[str]:
    response = server.call("GET", "/algorithms", params={"limit": 50})
    response.raise_for_status()
    return [item["metadata"]["name"] for item in response.json()["items"]]


# --- the connection faults ------------------------------------------------------------------------------


def test_a_dropped_answer_closes_the_connection_after_the_create_was_committed(server, faults):
    faults({"rules": [{"methods": ["POST"], "paths": [ALGORITHMS], "drop_rate": 1.0, "max_faults": 1}]})
    with pytest.raises(requests.ConnectionError) as caught:
        server.call("POST", "/algorithms", json=algorithm_body("fault-dropped"))
    # No status line, no byte: the client cannot tell whether anything happened.
    assert "without response" in str(caught.value)
    # ... but the server did the work.
    assert "fault-dropped" in algorithm_names(server)
    assert counters(server)["drop"] == 1
    # max_faults=1: the next create is answered normally.
    response = server.call("POST", "/algorithms", json=algorithm_body("fault-after-drop"))
    assert response.status_code in (200, 201)


def test_a_reset_aborts_the_connection_before_anything_is_done(server, faults):
    faults({"rules": [{"methods": ["POST"], "paths": [ALGORITHMS], "reset_rate": 1.0}]})
    with pytest.raises(requests.ConnectionError) as caught:
        server.call("POST", "/algorithms", json=algorithm_body("fault-reset"))
    assert "reset" in str(caught.value).lower() or "aborted" in str(caught.value).lower()
    assert "fault-reset" not in algorithm_names(server)
    assert counters(server)["reset"] == 1


def test_the_server_keeps_serving_other_connections_after_resets_and_drops(server, faults):
    faults(
        {"rules": [{"methods": ["GET"], "paths": ["/v2/*/training-job-flavors"], "reset_rate": 0.5, "drop_rate": 0.5}]}
    )
    for _ in range(10):
        with pytest.raises(requests.ConnectionError):
            server.call("GET", "/training-job-flavors")
    assert server.call("GET", "/training-job-engines").status_code == 200
    assert counters(server)["reset"] + counters(server)["drop"] == 10


# --- answers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "shape"),
    [("APIGW.0308", "gateway"), ("ModelArts.2799", "service")],
)
def test_throttling_answers_429_with_retry_after_and_the_chosen_code(server, faults, code, shape):
    faults({"rules": [{"throttle_rate": 1.0, "throttle_codes": [code], "retry_after_seconds": 3}]})
    response = server.call("GET", "/training-job-flavors")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    body = response.json()
    assert body["error_code"] == code
    if shape == "gateway":
        assert body["error_msg"].startswith("The throttling threshold has been reached")
        assert body["request_id"] == response.headers["X-Request-Id"]
    else:
        assert body["error_msg"] == "services too many requests"


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "ModelArts.2950"), (502, "APIG.0202"), (503, None), (504, "APIG.0203")],
)
def test_server_errors_carry_the_documented_codes(server, faults, status, code):
    faults({"rules": [{"error_rate": 1.0, "error_statuses": [status]}]})
    response = server.call("GET", "/training-job-flavors")
    assert response.status_code == status
    if code is None:  # a load balancer's page: no code, the client falls back to the status
        assert response.headers["Content-Type"].startswith("text/html")
    else:
        assert response.json()["error_code"] == code
    assert counters(server)["error"] == 1


def test_an_expiring_token_is_answered_like_the_gateway_and_signed_requests_are_spared(server, faults):
    faults({"rules": [{"token_expiry_rate": 1.0}]})
    response = server.call("GET", "/training-job-flavors")
    assert response.status_code == 401
    assert response.json()["error_code"] == "APIGW.0301"
    assert response.json()["error_msg"].endswith("token expires")
    # AK/SK-signed requests carry no token to expire.
    url = f"{server.v2}/training-job-flavors"
    signed = signed_request("GET", url, server.access_key, server.secret_key, project_id=server.project_id)
    assert signed.status_code == 200


def test_latency_delays_the_answer(server, faults):
    faults({"rules": [{"latency_rate": 1.0, "latency_seconds": 0.4}]})
    started = time.monotonic()
    assert server.call("GET", "/training-job-flavors").status_code == 200
    assert time.monotonic() - started >= 0.4
    assert counters(server)["latency"] == 1


# --- scope: filters, IAM, admin -------------------------------------------------------------------------


def test_method_and_path_filters_target_only_the_creates(server, faults):
    faults({"rules": [{"methods": ["POST"], "paths": [JOBS], "error_rate": 1.0}]})
    assert server.call("POST", "/training-jobs", json=job_body("fault-filtered")).status_code >= 500
    assert server.call("GET", "/training-job-flavors").status_code == 200
    search = server.call("POST", "/training-job-searches", json={"limit": 10})
    assert search.status_code == 200
    assert counters(server)["error"] == 1


def test_iam_and_the_admin_api_stay_fault_free_unless_iam_is_included(server, faults):
    faults({"rules": [{"error_rate": 1.0}]})
    assert server.new_token()  # IAM untouched
    assert server.admin("GET", "/state").status_code == 200  # /_local never faulted
    faults({"include_iam": True, "rules": [{"error_rate": 1.0, "error_statuses": [503]}]})
    with pytest.raises(requests.HTTPError) as caught:
        server.new_token()
    assert caught.value.response.status_code == 503


def test_the_admin_api_needs_the_secret_and_rejects_bad_configurations(server):
    assert requests.get(f"{server.url}/_local/faults", timeout=10).status_code == 403
    assert requests.put(f"{server.url}/_local/faults", json={}, timeout=10).status_code == 403
    bad = server.admin("PUT", "/faults", json={"rules": [{"error_rate": 0.8, "drop_rate": 0.5}]})
    assert bad.status_code == 400
    assert "add up to" in bad.json()["error_msg"]
    unknown = server.admin("PUT", "/faults", json={"rules": [{"eror_rate": 0.1}]})
    assert unknown.status_code == 400 and "eror_rate" in unknown.json()["error_msg"]


def test_counters_and_configuration_are_readable_and_reset_by_a_new_configuration(server, faults):
    snapshot = faults({"seed": 7, "rules": [{"methods": ["GET"], "error_rate": 1.0, "error_statuses": [502]}]})
    assert snapshot["enabled"] is True and snapshot["seed"] == 7
    assert all(value == 0 for value in snapshot["counters"].values())
    for _ in range(3):
        server.call("GET", "/training-job-engines")
    state = server.admin("GET", "/faults").json()
    assert state["counters"]["error"] == 3
    assert state["by_detail"]["error.502"] == 3
    assert state["requests"]["GET /v2/{project_id}/training-job-engines"] == 3
    assert state["config"]["rules"][0]["error_statuses"] == [502]
    off = server.admin("DELETE", "/faults").json()
    assert off["enabled"] is False and off["counters"]["error"] == 3  # kept readable
    assert server.call("GET", "/training-job-engines").status_code == 200


def test_counting_alone_counts_and_dates_every_request_and_faults_none(server, faults):
    before = server.admin("GET", "/faults").json()
    assert before["enabled"] is False
    snapshot = faults({"count_requests": True})
    assert snapshot["enabled"] is True and snapshot["config"]["count_requests"] is True
    started = time.time()
    statuses = [server.call("GET", "/training-job-flavors").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    state = server.admin("GET", "/faults").json()
    assert state["requests"] == {"GET /v2/{project_id}/training-job-flavors": 3}
    assert sum(state["counters"].values()) == 0
    arrivals = server.admin("GET", "/faults/requests", params={"since": started - 1}).json()["requests"]
    assert [key for _, key in arrivals] == ["GET /v2/{project_id}/training-job-flavors"] * 3
    times = [at for at, _ in arrivals]
    assert times == sorted(times) and started - 1 < times[0] <= times[-1] <= time.time()
    later = server.admin("GET", "/faults/requests", params={"since": times[1]}).json()["requests"]
    assert [at for at, _ in later] == times[2:]
    bad = server.admin("GET", "/faults/requests", params={"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()["error_msg"]


def test_a_seed_replays_the_same_faults_for_the_same_requests(server, faults):
    config = {"seed": 1234, "rules": [{"throttle_rate": 0.3, "error_rate": 0.3}]}

    def run() -> list[int]:
        faults(config)
        return [server.call("GET", "/training-job-flavors").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert {200, 429} <= set(first) and any(status >= 500 for status in first)
    faults({**config, "seed": 4321})
    other = [server.call("GET", "/training-job-flavors").status_code for _ in range(30)]
    assert other != first


def test_an_unseeded_configuration_reports_the_seed_it_chose(server, faults):
    snapshot = faults({"rules": [{"error_rate": 0.1}]})
    assert isinstance(snapshot["seed"], int)
    assert snapshot["config"]["seed"] == snapshot["seed"]


# --- jobs that fail ------------------------------------------------------------------------------------


def test_job_outcome_rules_make_matching_simulated_jobs_fail_or_turn_abnormal(server, faults):
    faults(
        {
            "job_outcomes": [
                {"name": "fault-flaky-*", "phase": "Failed", "exit_code": 3},
                {"name": "fault-lost-*", "phase": "Abnormal", "after_seconds": 0.5},
            ]
        }
    )
    ids = {}
    for name in ("fault-flaky-1", "fault-lost-1", "fault-fine-1"):
        response = server.call("POST", "/training-jobs", json=job_body(name))
        assert response.status_code in (200, 201), response.text
        ids[name] = response.json()["metadata"]["id"]
    failed = server.wait_for_phase(ids["fault-flaky-1"], {"Failed", "Completed"}, timeout=10)
    assert failed["status"]["phase"] == "Failed"
    assert failed["status"]["task_statuses"][0]["exit_code"] == 3
    assert server.wait_for_phase(ids["fault-lost-1"], {"Abnormal", "Completed"}, timeout=10)["status"]["phase"] == (
        "Abnormal"
    )
    assert server.wait_for_phase(ids["fault-fine-1"], {"Completed", "Failed"}, timeout=10)["status"]["phase"] == (
        "Completed"
    )
    assert counters(server)["job_outcome"] == 2


# --- configuration at start ----------------------------------------------------------------------------


def test_faults_from_the_config_file_are_active_from_the_start(start_local_modelarts):
    handle = start_local_modelarts(
        config={
            "faults": {
                "seed": 3,
                "rules": [{"methods": ["GET"], "paths": ["/v2/*/training-job-engines"], "error_rate": 1.0}],
            }
        }
    )
    assert handle.call("GET", "/training-job-engines").status_code >= 500
    assert handle.call("GET", "/training-job-flavors").status_code == 200
    snapshot = handle.admin("GET", "/faults").json()
    assert snapshot["seed"] == 3 and snapshot["counters"]["error"] == 1


def test_a_server_without_faults_injects_none(server):
    snapshot = server.admin("GET", "/faults").json()
    assert snapshot["enabled"] is False


@pytest.mark.parametrize(
    ("faults_config", "message"),
    [
        ({"rules": [{"drop_rate": 2}]}, "between 0 and 1"),
        ({"rules": [{"error_statuses": [418]}]}, "error_statuses"),
        ({"rules": [{"throttle_codes": ["X.1"]}]}, "throttle_codes"),
        ({"job_outcomes": [{"phase": "Completed"}]}, "phase"),
        ({"seed": "x"}, "seed"),
        ({"count_requests": "yes"}, "count_requests"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_an_invalid_faults_key_is_a_config_error_naming_it(tmp_path: Path, faults_config, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"faults": faults_config}, data_dir=tmp_path)


def test_the_config_key_round_trips_through_json(tmp_path: Path):
    raw = {
        "seed": 5,
        "count_requests": True,
        "rules": [{"methods": ["post"], "paths": [JOBS], "drop_rate": 0.05, "latency_seconds": [0.1, 0.2]}],
    }
    config = config_from_dict({"faults": raw}, data_dir=tmp_path).faults
    again = config_from_dict({"faults": json.loads(json.dumps(config.to_dict()))}, data_dir=tmp_path).faults
    assert again == config
    assert config.rules[0].methods == ("POST",)
