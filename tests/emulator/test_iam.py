"""IAM of the local ModelArts: password tokens, token validation, project lookup."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import requests

from tests.support.aksk import signed_request
from tests.support.server import LocalModelArts, token_request

ISO_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_password_token_is_created_with_subject_header_and_keystone_body(local_modelarts: LocalModelArts):
    s = local_modelarts
    response = requests.post(
        f"{s.url}/v3/auth/tokens", json=token_request(s.user_name, s.password, s.domain_name, s.region), timeout=10
    )
    assert response.status_code == 201
    token = response.headers["X-Subject-Token"]
    assert token.startswith("MII") and len(token) > 100
    assert response.headers["X-Request-Id"]
    body = response.json()["token"]
    assert ISO_MICROS.match(body["expires_at"]) and ISO_MICROS.match(body["issued_at"])
    expires = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert 23.9 * 3600 < expires.timestamp() - time.time() <= 24 * 3600  # 24 h by default
    assert body["methods"] == ["password"]
    assert body["user"]["name"] == s.user_name
    assert body["user"]["domain"] == {"id": s.domain_id, "name": s.domain_name}
    assert body["project"] == {
        "id": s.project_id,
        "name": s.region,
        "domain": {"id": s.domain_id, "name": s.domain_name},
    }
    assert body["roles"]
    types = {entry["type"] for entry in body["catalog"]}
    assert {"identity", "modelarts"} <= types


def scoped_token(s: LocalModelArts, scope: dict[str, Any], query: str = "") -> requests.Response:
    """POST /v3/auth/tokens with the password method and the given scope."""
    body = token_request(s.user_name, s.password, s.domain_name, None)
    body["auth"]["scope"] = scope
    return requests.post(f"{s.url}/v3/auth/tokens{query}", json=body, timeout=10)


def test_nocatalog_drops_the_catalog_and_project_scope_by_id_works(local_modelarts: LocalModelArts):
    s = local_modelarts
    response = scoped_token(s, {"project": {"id": s.project_id}}, "?nocatalog=true")
    assert response.status_code == 201
    assert "catalog" not in response.json()["token"]
    assert response.json()["token"]["project"]["id"] == s.project_id


def test_domain_scoped_token_cannot_call_modelarts(local_modelarts: LocalModelArts):
    s = local_modelarts
    response = scoped_token(s, {"domain": {"name": s.domain_name}})
    assert response.status_code == 201
    token = response.headers["X-Subject-Token"]
    assert response.json()["token"]["domain"] == {"id": s.domain_id, "name": s.domain_name}
    assert "project" not in response.json()["token"]
    answer = requests.get(f"{s.v2}/training-job-flavors", headers={"X-Auth-Token": token}, timeout=10)
    assert answer.status_code == 401
    assert answer.json()["error_code"] == "ModelArts.0207"


def test_wrong_password_is_401_in_keystone_shape(local_modelarts: LocalModelArts):
    s = local_modelarts
    response = requests.post(
        f"{s.url}/v3/auth/tokens", json=token_request(s.user_name, "nope", s.domain_name, s.region), timeout=10
    )
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 401 and error["title"] == "Unauthorized" and error["message"]


def test_unknown_project_and_malformed_bodies_are_rejected(local_modelarts: LocalModelArts):
    s = local_modelarts
    response = requests.post(
        f"{s.url}/v3/auth/tokens",
        json=token_request(s.user_name, s.password, s.domain_name, "xx-nowhere-1"),
        timeout=10,
    )
    assert response.status_code == 401
    bad = requests.post(f"{s.url}/v3/auth/tokens", data=b"{not json", timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["title"] == "Bad Request"
    no_methods = requests.post(f"{s.url}/v3/auth/tokens", json={"auth": {"identity": {}}}, timeout=10)
    assert no_methods.status_code == 400


def test_token_validation_returns_the_subject_token(local_modelarts: LocalModelArts):
    s = local_modelarts
    subject = s.new_token()
    response = requests.get(
        f"{s.url}/v3/auth/tokens", headers={"X-Auth-Token": s.token, "X-Subject-Token": subject}, timeout=10
    )
    assert response.status_code == 200
    assert response.headers["X-Subject-Token"] == subject
    assert response.json()["token"]["project"]["id"] == s.project_id
    missing = requests.get(
        f"{s.url}/v3/auth/tokens", headers={"X-Auth-Token": s.token, "X-Subject-Token": "MIIunknown"}, timeout=10
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 404
    unauthenticated = requests.get(f"{s.url}/v3/auth/tokens", headers={"X-Subject-Token": subject}, timeout=10)
    assert unauthenticated.status_code == 401


def test_projects_by_name_with_token_or_aksk(local_modelarts: LocalModelArts):
    s = local_modelarts
    response = requests.get(
        f"{s.url}/v3/projects", params={"name": s.region}, headers={"X-Auth-Token": s.token}, timeout=10
    )
    assert response.status_code == 200
    projects = response.json()["projects"]
    assert [(p["id"], p["name"], p["domain_id"], p["enabled"]) for p in projects] == [
        (s.project_id, s.region, s.domain_id, True)
    ]
    signed = signed_request("GET", f"{s.url}/v3/projects", s.access_key, s.secret_key, query=[("name", s.region)])
    assert signed.status_code == 200
    assert [p["id"] for p in signed.json()["projects"]] == [s.project_id]
    none = requests.get(
        f"{s.url}/v3/projects", params={"name": "xx-nowhere-1"}, headers={"X-Auth-Token": s.token}, timeout=10
    )
    assert none.json()["projects"] == []
    anonymous = requests.get(f"{s.url}/v3/projects", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["title"] == "Unauthorized"


def test_tokens_expire_after_the_configured_lifetime(start_local_modelarts):
    server = start_local_modelarts(config={"token_lifetime_seconds": 1})
    token = server.new_token()
    assert server.call("GET", "/training-job-engines").status_code == 200
    time.sleep(1.2)
    response = requests.get(f"{server.v2}/training-job-engines", headers={"X-Auth-Token": token}, timeout=10)
    assert response.status_code == 401
    body = response.json()
    assert body["error_code"] == "APIGW.0301"
    assert body["error_msg"] == "Incorrect IAM authentication information: token expires"
    assert body["request_id"] == response.headers["X-Request-Id"]
