"""Authentication of ModelArts calls: tokens and AK/SK signatures (signed by the SDK's own signer)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.support.aksk import signed_request
from tests.support.bodies import algorithm_body
from tests.support.server import LocalModelArts

APIGW_PREFIX = "Incorrect IAM authentication information: "


def assert_gateway_error(response: requests.Response, message_start: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error_code"] == "APIGW.0301"
    assert body["error_msg"].startswith(APIGW_PREFIX + message_start), body
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_every_response_carries_a_request_id(local_modelarts: LocalModelArts):
    ids = set()
    for response in (
        requests.get(f"{local_modelarts.url}/_local/health", timeout=10),
        local_modelarts.call("GET", "/training-job-engines"),
        requests.get(f"{local_modelarts.v2}/training-job-engines", timeout=10),
        local_modelarts.call("GET", "/no-such-thing"),
    ):
        uuid.UUID(response.headers["X-Request-Id"])
        ids.add(response.headers["X-Request-Id"])
    assert len(ids) == 4


def test_missing_credentials_are_rejected_by_the_gateway(local_modelarts: LocalModelArts):
    response = requests.get(f"{local_modelarts.v2}/training-job-flavors", timeout=10)
    assert_gateway_error(response, "x-auth-token not found")


def test_unknown_token_cannot_be_decrypted(local_modelarts: LocalModelArts):
    response = requests.get(
        f"{local_modelarts.v2}/training-job-flavors", headers={"X-Auth-Token": "MIIbogus"}, timeout=10
    )
    assert_gateway_error(response, "decrypt token fail")


def test_token_of_another_project_is_forbidden(local_modelarts: LocalModelArts):
    other = "ffffffffffffffffffffffffffffffff"
    response = requests.get(
        f"{local_modelarts.url}/v2/{other}/training-job-flavors",
        headers={"X-Auth-Token": local_modelarts.token},
        timeout=10,
    )
    assert response.status_code == 403
    assert response.json()["error_code"] == "ModelArts.0210"
    mismatch = local_modelarts.call("GET", "/training-job-flavors", headers={"X-Project-Id": other})
    assert mismatch.status_code == 403
    assert mismatch.json()["error_code"] == "ModelArts.0210"


def create_signed_algorithm(s: LocalModelArts, content_type: str, **options: Any) -> requests.Response:
    """POST /algorithms signed with the AK/SK, the body sent as ``content_type``."""
    return signed_request(
        "POST",
        f"{s.v2}/algorithms",
        s.access_key,
        s.secret_key,
        json_body=algorithm_body(),
        headers={"Content-Type": content_type},
        **options,
    )


def test_aksk_get_with_query_and_post_with_body_are_accepted(local_modelarts: LocalModelArts):
    s = local_modelarts
    flavors = signed_request(
        "GET",
        f"{s.v2}/training-job-flavors",
        s.access_key,
        s.secret_key,
        query=[("flavor_type", "GPU")],
        project_id=s.project_id,
    )
    assert flavors.status_code == 200, flavors.text
    assert {f["flavor_type"] for f in flavors.json()["flavors"]} == {"GPU"}
    # Characters that need encoding in the query (':' and a space) and a JSON body.
    listing = signed_request(
        "GET",
        f"{s.v2}/algorithms",
        s.access_key,
        s.secret_key,
        query=[("searches", "name:no such"), ("limit", 5), ("offset", 0)],
        project_id=s.project_id,
    )
    assert listing.status_code == 200, listing.text
    created = create_signed_algorithm(s, "application/json;charset=UTF-8", project_id=s.project_id)
    assert created.status_code == 201, created.text
    assert created.json()["metadata"]["user_name"] == s.user_name


def test_aksk_unsigned_payload_and_credential_form_are_accepted(local_modelarts: LocalModelArts):
    s = local_modelarts
    # A non-JSON content type makes the SDK sign "UNSIGNED-PAYLOAD" instead of the body hash.
    created = create_signed_algorithm(s, "text/plain")
    assert created.status_code == 201, created.text

    def credential_form(headers: dict[str, str]) -> None:
        headers["Authorization"] = headers["Authorization"].replace(
            f"Access={s.access_key}", f"Credential={s.access_key}/20150907//ec2/sdk_request"
        )

    response = signed_request("GET", f"{s.v2}/training-job-engines", s.access_key, s.secret_key, tamper=credential_form)
    assert response.status_code == 200, response.text


def test_aksk_bad_signature_unknown_key_and_skew_are_rejected(local_modelarts: LocalModelArts):
    s = local_modelarts
    url = f"{s.v2}/training-job-engines"
    wrong_secret = signed_request("GET", url, s.access_key, "x" * 40)
    assert_gateway_error(wrong_secret, "verify aksk signature fail")

    def change_signed_header(headers: dict[str, str]) -> None:
        headers["X-Project-Id"] = s.project_id  # a signed header changed after signing

    wrong_project = signed_request("GET", url, s.access_key, s.secret_key, project_id="0" * 32)
    assert wrong_project.status_code == 403  # the signature is fine; the project is not
    tampered = signed_request("GET", url, s.access_key, s.secret_key, project_id="0" * 32, tamper=change_signed_header)
    assert_gateway_error(tampered, "verify aksk signature fail")

    unknown = signed_request("GET", url, "UNKNOWNAK00000000000", s.secret_key)
    assert_gateway_error(unknown, "Get secretKey failed,ak:UNKNOWNAK00000000000,err:ak not exist")

    stale = signed_request("GET", url, s.access_key, s.secret_key, sdk_date=datetime.now(UTC) - timedelta(minutes=20))
    assert_gateway_error(stale, "verify aksk signature fail")
    assert "away from the server time" in stale.json()["error_msg"]
    fine = signed_request("GET", url, s.access_key, s.secret_key, sdk_date=datetime.now(UTC) - timedelta(minutes=10))
    assert fine.status_code == 200


def test_aksk_body_change_after_signing_is_rejected(local_modelarts: LocalModelArts):
    s = local_modelarts
    body = algorithm_body()
    good = signed_request("POST", f"{s.v2}/algorithms", s.access_key, s.secret_key, json_body=body)
    assert good.status_code == 201
    # Another body under the same signature: the payload hash no longer matches.
    other = algorithm_body()
    response = signed_request(
        "POST",
        f"{s.v2}/algorithms",
        s.access_key,
        s.secret_key,
        json_body=body,
        send_body=json.dumps(other).encode(),
    )
    assert_gateway_error(response, "verify aksk signature fail")
    # A declared payload hash that is not the signed one fails the same way.
    declared = signed_request(
        "POST",
        f"{s.v2}/algorithms",
        s.access_key,
        s.secret_key,
        json_body=other,
        tamper=lambda headers: headers.update({"X-Sdk-Content-Sha256": "0" * 64}),
    )
    assert_gateway_error(declared, "verify aksk signature fail")


def test_aksk_with_wrong_project_is_forbidden(local_modelarts: LocalModelArts):
    s = local_modelarts
    response = signed_request("GET", f"{s.url}/v2/{'e' * 32}/training-job-engines", s.access_key, s.secret_key)
    assert response.status_code == 403
    assert response.json()["error_code"] == "ModelArts.0210"


@pytest.fixture
def temporary_credentials_server(start_local_modelarts):
    from modelarts_local.config import default_account_dict

    account = default_account_dict()
    account["access_keys"].append(
        {
            "access_key": "TEMPAK00000000000000",
            "secret_key": "t" * 40,
            "user_name": "local-user",
            "security_token": "sts-token-value",
        }
    )
    return start_local_modelarts(config={"accounts": [account], "signature_skew_seconds": 60})


def test_temporary_credentials_need_the_security_token(temporary_credentials_server):
    s = temporary_credentials_server
    url = f"{s.v2}/training-job-engines"
    without = signed_request("GET", url, "TEMPAK00000000000000", "t" * 40)
    assert_gateway_error(without, "verify security token fail")
    wrong = signed_request("GET", url, "TEMPAK00000000000000", "t" * 40, security_token="other")
    assert_gateway_error(wrong, "verify security token fail")
    right = signed_request("GET", url, "TEMPAK00000000000000", "t" * 40, security_token="sts-token-value")
    assert right.status_code == 200, right.text
    # The skew window is configurable.
    stale = signed_request("GET", url, s.access_key, s.secret_key, sdk_date=datetime.now(UTC) - timedelta(minutes=2))
    assert_gateway_error(stale, "verify aksk signature fail")


def test_an_access_key_failing_more_than_five_times_in_a_row_is_locked_for_a_while(start_local_modelarts):
    s = start_local_modelarts(config={"aksk_lock_seconds": 1.5})
    url = f"{s.v2}/training-job-engines"

    def wrong() -> requests.Response:
        return signed_request("GET", url, s.access_key, "x" * 40)

    def right() -> requests.Response:
        return signed_request("GET", url, s.access_key, s.secret_key)

    # A success in between resets the count: five failures, one success, five failures, still not locked.
    for _ in range(5):
        assert_gateway_error(wrong(), "verify aksk signature fail")
    assert right().status_code == 200
    for _ in range(5):
        assert_gateway_error(wrong(), "verify aksk signature fail")
    assert right().status_code == 200

    for _ in range(6):
        assert_gateway_error(wrong(), "verify aksk signature fail")
    assert_gateway_error(right(), "AK access failed to reach the limit,forbidden.")  # even the right secret
    assert right().status_code == 401
    # Other keys are not affected; the lock ends after its time.
    unknown = signed_request("GET", url, "UNKNOWNAK00000000000", s.secret_key)
    assert_gateway_error(unknown, "Get secretKey failed")
    time.sleep(1.6)
    assert right().status_code == 200, right().text
