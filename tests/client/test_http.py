"""ApiSession against a small local HTTP server (``FakeCloud``): URL building, signing as received, retries,
errors."""

from __future__ import annotations

import json
import logging
import pickle
import socket
import time
from typing import Any

import pytest
import requests

from modelarts_pulumi import http as http_module
from modelarts_pulumi import retry_policy
from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.errors import ModelArtsApiError, ModelArtsTransportError
from modelarts_pulumi.http import ApiSession, raise_for_answer
from modelarts_pulumi.settings import Settings
from tests.client.fake_cloud import AK, PID, SK, FakeCloud, Reply, make_settings


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the transport's waits instead of waiting."""
    recorded: list[float] = []
    monkeypatch.setattr(retry_policy, "pause", recorded.append)
    return recorded


# --- requests as sent ---------------------------------------------------------------------------------------


def test_get_builds_the_url_and_signs_what_the_server_receives(cloud: FakeCloud):
    cloud.route("GET", f"/v2/{PID}/algorithms", Reply(200, {"items": []}))
    api = ApiSession(make_settings(cloud))
    response = api.request(
        "GET",
        f"/v2/{PID}/algorithms",
        params={
            "searches": "name:my algo/训练",
            "offset": 0,
            "flags": ["b", "a"],
            "hidden": True,
            "none": None,
        },
    )
    assert response.json() == {"items": []}
    (seen,) = cloud.seen
    assert seen.query == [
        ("flags", "a"),
        ("flags", "b"),
        ("hidden", "true"),
        ("offset", "0"),
        ("searches", "name:my algo/训练"),
    ]
    assert seen.target.endswith("searches=name%3Amy%20algo%2F%E8%AE%AD%E7%BB%83")  # the canonical query
    assert seen.headers["X-Project-Id"] == PID
    assert seen.headers["User-Agent"].startswith("modelarts-pulumi")
    assert "Connection" not in seen.headers.get("Authorization", "")
    assert "connection" not in seen.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    assert cloud.signature_is_valid(seen)


def test_json_body_is_signed_byte_for_byte_and_temporary_credentials_send_the_security_token(
    cloud: FakeCloud,
):
    cloud.route("POST", f"/v2/{PID}/algorithms", Reply(201, {"metadata": {"id": "a1"}}))
    api = ApiSession(make_settings(cloud, securityToken="STS-TOKEN-VALUE"))
    api.request("POST", f"/v2/{PID}/algorithms", json={"metadata": {"name": "ü-algo", "description": "训练"}})
    (seen,) = cloud.seen
    assert seen.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert seen.json() == {"metadata": {"name": "ü-algo", "description": "训练"}}
    assert seen.headers["X-Security-Token"] == "STS-TOKEN-VALUE"
    assert "x-security-token" in seen.headers["Authorization"]
    assert cloud.signature_is_valid(seen)


def test_a_wrong_secret_does_not_verify(cloud: FakeCloud):
    cloud.route("DELETE", f"/v2/{PID}/algorithms/a1", Reply(202, None))
    ApiSession(make_settings(cloud)).request("DELETE", f"/v2/{PID}/algorithms/a1")
    assert not cloud.signature_is_valid(cloud.seen[0], sk="another-secret")


def test_redirects_are_reported_not_followed(cloud: FakeCloud):
    cloud.route("GET", f"/v2/{PID}/algorithms", Reply(302, "", {"Location": "http://elsewhere.invalid/"}))
    with pytest.raises(ModelArtsApiError) as caught:
        ApiSession(make_settings(cloud)).request("GET", f"/v2/{PID}/algorithms")
    assert caught.value.status == 302
    assert len(cloud.seen) == 1


# --- retries ------------------------------------------------------------------------------------------------


def test_429_is_retried_after_the_retry_after_delay(cloud: FakeCloud, sleeps: list[float]):
    throttled = Reply(429, {"error_code": "APIGW.0308", "error_msg": "throttled"}, {"Retry-After": "3"})
    cloud.route("GET", f"/v2/{PID}/training-job-flavors", throttled, Reply(200, {"flavors": []}))
    response = ApiSession(make_settings(cloud)).request("GET", f"/v2/{PID}/training-job-flavors")
    assert response.status_code == 200
    assert len(cloud.seen) == 2
    assert sleeps == [3]
    assert all(cloud.signature_is_valid(s) for s in cloud.seen)


def test_503_is_retried_with_growing_jittered_backoff(cloud: FakeCloud, sleeps: list[float]):
    unavailable = Reply(503, {"error_code": "ModelArts.0010", "error_msg": "busy"})
    cloud.route("GET", f"/v2/{PID}/training-jobs/j1", unavailable, unavailable, unavailable, Reply(200, {}))
    ApiSession(make_settings(cloud)).request("GET", f"/v2/{PID}/training-jobs/j1")
    assert len(cloud.seen) == 4
    assert len(sleeps) == 3
    for attempt, wait in enumerate(sleeps, start=1):
        base = 0.5 * 2 ** (attempt - 1)
        assert base <= wait <= base + 0.5


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_post_is_never_retried_on_a_server_error(cloud: FakeCloud, sleeps: list[float], status: int):
    cloud.route(
        "POST",
        f"/v2/{PID}/training-jobs",
        Reply(status, {"error_code": "X.1", "error_msg": "no"}, {"Retry-After": "1"}),
    )
    with pytest.raises(ModelArtsApiError) as caught:
        ApiSession(make_settings(cloud)).request("POST", f"/v2/{PID}/training-jobs", json={"kind": "job"})
    assert caught.value.status == status
    assert len(cloud.seen) == 1
    assert sleeps == []


@pytest.mark.parametrize("code", ["APIGW.0308", "ModelArts.2799"])
def test_a_throttled_post_is_retried_after_retry_after_because_nothing_was_done(
    cloud: FakeCloud, sleeps: list[float], code: str
):
    throttled = Reply(429, {"error_code": code, "error_msg": "too many requests"}, {"Retry-After": "2"})
    cloud.route("POST", f"/v2/{PID}/training-jobs", throttled, Reply(201, {"metadata": {"id": "j1"}}))
    http_module.STATS.clear()
    response = ApiSession(make_settings(cloud)).request("POST", f"/v2/{PID}/training-jobs", json={"kind": "job"})
    assert response.status_code == 201
    assert len(cloud.seen) == 2
    assert sleeps == [2]
    assert http_module.STATS["retries"] == 1
    assert http_module.STATS["retries.HTTP 429"] == 1


def test_a_post_marked_idempotent_is_retried(cloud: FakeCloud, sleeps: list[float]):
    cloud.route("POST", f"/v2/{PID}/training-job-searches", Reply(503, "busy"), Reply(200, {"items": []}))
    api = ApiSession(make_settings(cloud))
    api.request("POST", f"/v2/{PID}/training-job-searches", json={"limit": 10}, idempotent=True)
    assert len(cloud.seen) == 2


def test_a_put_marked_not_idempotent_is_not_retried(cloud: FakeCloud, sleeps: list[float]):
    cloud.route("PUT", f"/v2/{PID}/algorithms/a1", Reply(503, "busy"))
    with pytest.raises(ModelArtsApiError):
        ApiSession(make_settings(cloud)).request("PUT", f"/v2/{PID}/algorithms/a1", json={}, idempotent=False)
    assert len(cloud.seen) == 1


def test_retries_stop_at_max_retries_and_the_last_answer_is_mapped(cloud: FakeCloud, sleeps: list[float]):
    cloud.route("GET", f"/v2/{PID}/algorithms", Reply(500, {"error_code": "ModelArts.2950", "error_msg": "boom"}))
    with pytest.raises(ModelArtsApiError) as caught:
        ApiSession(make_settings(cloud, maxRetries="2")).request("GET", f"/v2/{PID}/algorithms")
    assert (caught.value.status, caught.value.error_code, caught.value.error_msg) == (
        500,
        "ModelArts.2950",
        "boom",
    )
    assert len(cloud.seen) == 3
    assert len(sleeps) == 2


def test_max_retries_zero_means_one_attempt(cloud: FakeCloud, sleeps: list[float]):
    cloud.route("GET", f"/v2/{PID}/algorithms", Reply(503, "busy"))
    with pytest.raises(ModelArtsApiError):
        ApiSession(make_settings(cloud, maxRetries="0")).request("GET", f"/v2/{PID}/algorithms")
    assert len(cloud.seen) == 1


def test_a_retry_after_beyond_the_budget_is_not_waited_for(cloud: FakeCloud, sleeps: list[float]):
    cloud.route(
        "GET",
        f"/v2/{PID}/algorithms",
        Reply(429, {"error_code": "ModelArts.2799", "error_msg": "slow"}, {"Retry-After": "120"}),
    )
    with pytest.raises(ModelArtsApiError) as caught:
        ApiSession(make_settings(cloud, retryBudgetSeconds="60")).request("GET", f"/v2/{PID}/algorithms")
    assert caught.value.error_code == "ModelArts.2799"
    assert len(cloud.seen) == 1
    assert sleeps == []


def test_the_budget_bounds_the_total_time_spent_retrying(cloud: FakeCloud):
    cloud.route("GET", f"/v2/{PID}/algorithms", Reply(503, "busy", {"Retry-After": "1"}))
    api = ApiSession(make_settings(cloud, retryBudgetSeconds="1.5", maxRetries="10"))
    started = time.monotonic()
    with pytest.raises(ModelArtsApiError) as caught:
        api.request("GET", f"/v2/{PID}/algorithms")
    elapsed = time.monotonic() - started
    assert caught.value.status == 503
    assert len(cloud.seen) == 2  # at t=0 and t=1s; a third at t=2s would pass the 1.5s budget
    assert 1.0 <= elapsed < 1.5


def test_retries_are_logged_at_debug_with_the_attempt_and_without_headers(
    cloud: FakeCloud, sleeps: list[float], caplog: pytest.LogCaptureFixture
):
    cloud.route("GET", f"/v2/{PID}/algorithms", Reply(503, "busy"), Reply(200, {}))
    with caplog.at_level(logging.DEBUG, logger="modelarts_pulumi"):
        ApiSession(make_settings(cloud)).request("GET", f"/v2/{PID}/algorithms")
    messages = [r.getMessage() for r in caplog.records if r.name == "modelarts_pulumi.http"]
    assert any("attempt 1 failed (HTTP 503); retrying in" in m for m in messages)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert AK not in text
    assert SK not in text
    assert "Authorization" not in text


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_retried_even_for_post_then_reported_as_transport_error(sleeps: list[float]):
    url = f"http://127.0.0.1:{_closed_port()}"
    settings = Settings.from_config(
        {
            "region": "cn-north-4",
            "projectId": PID,
            "modelartsEndpoint": url,
            "iamEndpoint": url,
            "accessKey": AK,
            "secretKey": SK,
            "maxRetries": "2",
        },
        env={},
    )
    with pytest.raises(ModelArtsTransportError) as caught:
        ApiSession(settings).request("POST", f"/v2/{PID}/training-jobs", json={})
    error = caught.value
    assert isinstance(error, ModelArtsApiError)
    assert error.status == 0
    assert error.maybe_processed is False
    assert len(sleeps) == 2  # nothing was sent, so even a POST may try again
    assert str(error).startswith(f"POST /v2/{PID}/training-jobs -> 0 ConnectionError:")
    assert SK not in str(error)


def test_read_timeout_is_retried_for_get_and_reported_as_maybe_processed(cloud: FakeCloud, sleeps: list[float]):
    cloud.route("GET", f"/v2/{PID}/algorithms", Reply(200, {}, delay=0.6))
    api = ApiSession(make_settings(cloud, timeoutSeconds="0.2", maxRetries="1"))
    with pytest.raises(ModelArtsTransportError) as caught:
        api.request("GET", f"/v2/{PID}/algorithms")
    assert caught.value.maybe_processed is True
    assert len(cloud.seen) == 2


def test_read_timeout_on_post_is_not_retried(cloud: FakeCloud, sleeps: list[float]):
    cloud.route("POST", f"/v2/{PID}/training-jobs", Reply(201, {}, delay=0.6))
    api = ApiSession(make_settings(cloud, timeoutSeconds="0.2"))
    with pytest.raises(ModelArtsTransportError) as caught:
        api.request("POST", f"/v2/{PID}/training-jobs", json={})
    assert caught.value.maybe_processed is True
    assert caught.value.error_code in ("ReadTimeout", "ConnectionError")
    assert len(cloud.seen) == 1


# --- error mapping ------------------------------------------------------------------------------------------


def test_service_error_is_mapped_with_code_message_and_request_id(cloud: FakeCloud):
    cloud.route(
        "POST",
        f"/v2/{PID}/algorithms",
        Reply(400, {"error_code": "ModelArts.2821", "error_msg": "Duplicate algorithm name."}),
    )
    with pytest.raises(ModelArtsApiError) as caught:
        ApiSession(make_settings(cloud)).request("POST", f"/v2/{PID}/algorithms", json={"x": 1})
    error = caught.value
    assert (error.status, error.error_code, error.error_msg, error.request_id) == (
        400,
        "ModelArts.2821",
        "Duplicate algorithm name.",
        "req-123",
    )
    assert error.method == "POST"
    assert error.url == f"{cloud.url}/v2/{PID}/algorithms"
    assert str(error) == (
        f"POST /v2/{PID}/algorithms -> 400 ModelArts.2821: Duplicate algorithm name. (request id req-123)"
    )
    assert not error.is_not_found


@pytest.mark.parametrize(
    ("status", "body", "code", "message", "not_found"),
    [
        (
            400,
            {"error_code": "ModelArts.2775", "error_msg": "job not found"},
            "ModelArts.2775",
            "job not found",
            True,
        ),
        (
            400,
            {"error_code": "ModelArts.2755", "error_msg": "algorithm not found"},
            "ModelArts.2755",
            "algorithm not found",
            True,
        ),
        (
            401,
            {
                "error": {
                    "code": 401,
                    "message": "The request you have made requires authentication.",
                    "title": "Unauthorized",
                }
            },
            "401",
            "The request you have made requires authentication.",
            False,
        ),
        (403, {"errorCode": "IAM.0002", "errorMsg": "forbidden"}, "IAM.0002", "forbidden", False),
        (500, {"code": "APIG.0101", "message": "gateway"}, "APIG.0101", "gateway", False),
        (404, "<html><body>Not Found</body></html>", "404", "<html><body>Not Found</body></html>", True),
        (
            404,
            {"error_code": "ModelArts.2786", "error_msg": "token project mismatch"},
            "ModelArts.2786",
            "token project mismatch",
            False,
        ),
        (
            409,
            {"error_code": "ModelArts.2796", "error_msg": "not allowed"},
            "ModelArts.2796",
            "not allowed",
            False,
        ),
        (400, "", "400", "(empty body)", False),
    ],
)
def test_error_bodies_are_parsed_like_the_sdk(
    cloud: FakeCloud, sleeps: list[float], status, body, code, message, not_found
):
    cloud.route("DELETE", f"/v2/{PID}/training-jobs/j1", Reply(status, body))
    with pytest.raises(ModelArtsApiError) as caught:
        ApiSession(make_settings(cloud, maxRetries="0")).request("DELETE", f"/v2/{PID}/training-jobs/j1")
    assert (caught.value.status, caught.value.error_code, caught.value.error_msg) == (status, code, message)
    assert caught.value.is_not_found is not_found


def _response(status: int, body: bytes, url: str = "http://h/v2/p/training-jobs/j/metrics/worker-0") -> Any:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["X-Request-Id"] = "r1"
    response.request = requests.Request("GET", url).prepare()
    return response


def test_204_carrying_an_error_code_is_an_error():
    body = json.dumps({"error_code": "ModelArts.2777", "error_msg": "metrics not ready"}).encode()
    with pytest.raises(ModelArtsApiError) as caught:
        raise_for_answer(_response(204, body))
    assert (caught.value.status, caught.value.error_code) == (204, "ModelArts.2777")
    raise_for_answer(_response(204, b""))
    raise_for_answer(_response(200, b'{"error_code_count": 1}'))


def test_a_204_carrying_its_code_in_the_x_error_code_header_is_a_not_ready_error(cloud: FakeCloud):
    # The local ModelArts cannot send the documented 204 body; it sends the code in headers instead.
    headers = {"X-Error-Code": "ModelArts.2777", "X-Error-Message": "metrics not ready"}
    cloud.route("GET", f"/v2/{PID}/training-jobs/j1/metrics/worker-0", Reply(204, None, headers))
    with pytest.raises(ModelArtsApiError) as caught:
        ApiSession(make_settings(cloud)).request("GET", f"/v2/{PID}/training-jobs/j1/metrics/worker-0")
    error = caught.value
    assert (error.status, error.error_code, error.error_msg) == (204, "ModelArts.2777", "metrics not ready")
    assert error.is_not_ready and not error.is_transient


def test_a_call_expecting_a_document_reads_a_bare_204_as_not_ready(cloud: FakeCloud):
    # The real service's 204 body never reaches a client: the code is lost, "not ready" is not.
    cloud.route("GET", f"/v2/{PID}/training-jobs/j1/tasks/worker-0/logs/url", Reply(204, None))
    client = ModelArtsClient(make_settings(cloud))
    with pytest.raises(ModelArtsApiError) as caught:
        client.get_log_url("j1", "worker-0")
    assert caught.value.status == 204
    assert caught.value.is_not_ready


@pytest.mark.parametrize(
    ("status", "code", "transient", "maybe_processed"),
    [
        (429, "APIGW.0308", True, False),  # refused before anything was done
        (500, "ModelArts.0010", True, True),
        (503, "X", True, True),
        (501, "X", False, False),  # not implemented: asking again will not help
        (400, "ModelArts.2821", False, False),
        (409, "ModelArts.2796", False, False),
    ],
)
def test_every_failure_is_classified_once_on_the_error(status, code, transient, maybe_processed):
    error = ModelArtsApiError(status, code, "m", method="POST", url="http://h/v2/p/training-jobs")
    assert (error.is_transient, error.maybe_processed) == (transient, maybe_processed)
    assert error.is_duplicate_name is (code == "ModelArts.2821")
    assert error.is_not_stoppable is (code == "ModelArts.2796")
    refused = ModelArtsTransportError("ConnectionError", "refused", method="POST", url="u", maybe_processed=False)
    assert refused.is_transient and not refused.maybe_processed


@pytest.mark.parametrize(
    ("status", "idempotent", "resend"),
    [(429, False, True), (429, True, True), (503, True, True), (503, False, False), (501, True, False)],
)
def test_the_transport_resends_what_the_policy_allows(status, idempotent, resend):
    assert retry_policy.may_resend(status, idempotent=idempotent) is resend


def test_a_create_is_looked_up_only_after_a_failure_that_may_have_done_the_work():
    def error(status: int, code: str = "X") -> ModelArtsApiError:
        return ModelArtsApiError(status, code, "m", method="POST", url="u")

    assert retry_policy.look_up_before_resending(error(502))
    assert retry_policy.look_up_before_resending(error(400, "ModelArts.2751"))  # the name is taken: by a twin?
    lost = ModelArtsTransportError("ReadTimeout", "slow", method="POST", url="u", maybe_processed=True)
    assert retry_policy.look_up_before_resending(lost)
    assert not retry_policy.look_up_before_resending(error(429))  # the transport retried it already
    assert not retry_policy.look_up_before_resending(error(400))
    never_sent = ModelArtsTransportError("ConnectionError", "refused", method="POST", url="u", maybe_processed=False)
    assert not retry_policy.look_up_before_resending(never_sent)


def test_a_bare_204_over_http_is_returned_empty(cloud: FakeCloud):
    # http.client never reads a 204 body, whatever the server writes: an empty 204 means "not ready".
    cloud.route("GET", f"/v2/{PID}/training-jobs/j1/metrics/worker-0", Reply(204, None))
    response = ApiSession(make_settings(cloud)).request("GET", f"/v2/{PID}/training-jobs/j1/metrics/worker-0")
    assert (response.status_code, response.content) == (204, b"")


def test_errors_survive_pickling_and_a_long_html_body_is_truncated():
    error = ModelArtsApiError(400, "ModelArts.2775", "gone", "r", method="GET", url="http://h/v2/p/x?a=1")
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.status, clone.error_code, str(clone)) == (400, "ModelArts.2775", str(error))
    assert str(error) == "GET /v2/p/x?a=1 -> 400 ModelArts.2775: gone (request id r)"
    transport = ModelArtsTransportError("ReadTimeout", "slow", method="POST", url="http://h/x", maybe_processed=True)
    assert pickle.loads(pickle.dumps(transport)).maybe_processed is True
    with pytest.raises(ModelArtsApiError) as caught:
        raise_for_answer(_response(502, b"<html>" + b"x" * 5000 + b"</html>"))
    assert len(caught.value.error_msg) < 2100
