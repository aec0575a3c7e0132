"""IAM tokens (fetch, cache, refresh, 401 re-authentication, threads) and project-id discovery, end to end."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from modelarts_pulumi import auth as auth_module
from modelarts_pulumi.auth.iam_tokens import IamTokenProvider, _parse_expiry
from modelarts_pulumi.errors import ModelArtsApiError, ModelArtsConfigError
from modelarts_pulumi.http import ApiSession
from modelarts_pulumi.settings import Settings
from tests.client.fake_cloud import AK, PID, SK, FakeCloud, Reply, Seen

PASSWORD = "local-password-VISIBLE"


def password_settings(cloud: FakeCloud, **config: str | None) -> Settings:
    base: dict[str, str | None] = {
        "region": "cn-north-4",
        "projectId": PID,
        "modelartsEndpoint": cloud.url,
        "iamEndpoint": cloud.url,
        "userName": "local-user",
        "password": PASSWORD,
        "domainName": "local-account",
        "timeoutSeconds": "5",
    }
    base.update(config)
    return Settings.from_config({k: v for k, v in base.items() if v is not None}, env={})


def aksk_settings(cloud: FakeCloud, **config: str | None) -> Settings:
    return password_settings(cloud, userName=None, password=None, domainName=None, accessKey=AK, secretKey=SK, **config)


def flavors(api: ApiSession) -> None:
    cloud_path = f"/v2/{api.project_id}/training-job-flavors"
    api.request("GET", cloud_path)


def modelarts_calls(cloud: FakeCloud) -> list[Seen]:
    return [s for s in cloud.seen if s.path.startswith("/v2/")]


# --- tokens -------------------------------------------------------------------------------------------------


def test_a_password_token_is_fetched_once_and_shared_by_sessions(cloud: FakeCloud):
    cloud.route("GET", f"/v2/{PID}/training-job-flavors", Reply(200, {"flavors": []}))
    settings = password_settings(cloud)
    for _ in range(2):
        api = ApiSession(settings)
        flavors(api)
        flavors(api)
    (token_request,) = cloud.requests_to("POST", "/v3/auth/tokens")
    assert token_request.query == [("nocatalog", "true")]
    assert token_request.headers["Content-Type"] == "application/json;charset=utf8"
    assert token_request.json() == {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": "local-user", "password": PASSWORD, "domain": {"name": "local-account"}}},
            },
            "scope": {"project": {"id": PID}},
        }
    }
    assert "Authorization" not in token_request.headers
    calls = modelarts_calls(cloud)
    assert len(calls) == 4
    assert {c.headers["X-Auth-Token"] for c in calls} == {"MIItoken-1"}
    assert all("Authorization" not in c.headers for c in calls)


def test_a_token_close_to_expiry_is_replaced_before_use(cloud: FakeCloud):
    cloud.route("GET", f"/v2/{PID}/training-job-flavors", Reply(200, {"flavors": []}))
    cloud.token_ttl = timedelta(minutes=4)  # under the 5-minute margin: stale as soon as it is issued
    api = ApiSession(password_settings(cloud))
    flavors(api)
    flavors(api)
    assert cloud.issued == ["MIItoken-1", "MIItoken-2"]
    assert [c.headers["X-Auth-Token"] for c in modelarts_calls(cloud)] == ["MIItoken-1", "MIItoken-2"]

    cloud.token_ttl = timedelta(minutes=10)
    flavors(api)
    flavors(api)
    assert len(cloud.issued) == 3


def test_a_401_gets_a_new_token_once_and_the_call_succeeds(cloud: FakeCloud):
    expired = Reply(401, {"error_code": "ModelArts.0202", "error_msg": "token expired"})

    def by_token(seen: Seen) -> Reply:
        return expired if seen.headers["X-Auth-Token"] == "MIItoken-1" else Reply(200, {"flavors": ["ok"]})

    cloud.route("GET", f"/v2/{PID}/training-job-flavors", by_token)
    api = ApiSession(password_settings(cloud))
    response = api.request("GET", f"/v2/{PID}/training-job-flavors")
    assert response.json() == {"flavors": ["ok"]}
    assert [r.status_code for r in response.history] == [401]
    assert cloud.issued == ["MIItoken-1", "MIItoken-2"]
    # The renewed token is the cached one now.
    api.request("GET", f"/v2/{PID}/training-job-flavors")
    assert len(cloud.issued) == 2


def test_a_persistent_401_is_retried_only_once_then_reported(cloud: FakeCloud):
    cloud.route(
        "GET",
        f"/v2/{PID}/training-job-flavors",
        Reply(401, {"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"}),
    )
    api = ApiSession(password_settings(cloud))
    with pytest.raises(ModelArtsApiError) as caught:
        api.request("GET", f"/v2/{PID}/training-job-flavors")
    assert (caught.value.status, caught.value.error_code) == (401, "APIGW.0301")
    assert len(modelarts_calls(cloud)) == 2
    assert len(cloud.issued) == 2
    assert PASSWORD not in str(caught.value)
    assert "MIItoken" not in str(caught.value)


def test_a_pre_issued_token_is_sent_as_is_and_never_refreshed(cloud: FakeCloud):
    cloud.route(
        "GET",
        f"/v2/{PID}/training-job-flavors",
        Reply(200, {}),
        Reply(401, {"error": {"code": 401, "message": "token expired"}}),
    )
    settings = password_settings(cloud, userName=None, password=None, domainName=None, token="MIIgiven")
    api = ApiSession(settings)
    api.request("GET", f"/v2/{PID}/training-job-flavors")
    with pytest.raises(ModelArtsApiError) as caught:
        api.request("GET", f"/v2/{PID}/training-job-flavors")
    assert caught.value.error_msg == "token expired"
    assert cloud.requests_to("POST", "/v3/auth/tokens") == []
    assert [c.headers["X-Auth-Token"] for c in modelarts_calls(cloud)] == ["MIIgiven", "MIIgiven"]


def test_concurrent_threads_share_a_single_token_fetch(cloud: FakeCloud):
    cloud.route("GET", f"/v2/{PID}/training-job-flavors", Reply(200, {}))
    cloud.token_delay = 0.2  # all threads ask while the first fetch is in flight
    settings = password_settings(cloud)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            flavors(ApiSession(settings))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cloud.issued == ["MIItoken-1"]
    assert len(modelarts_calls(cloud)) == 8


def test_a_failed_password_login_is_reported_without_the_password(cloud: FakeCloud):
    cloud.route(
        "POST",
        "/v3/auth/tokens",
        Reply(
            401,
            {
                "error": {
                    "code": 401,
                    "message": "The username or password is wrong.",
                    "title": "Unauthorized",
                }
            },
        ),
    )
    api = ApiSession(password_settings(cloud))
    with pytest.raises(ModelArtsApiError) as caught:
        flavors(api)
    error = caught.value
    assert (error.status, error.error_code, error.error_msg) == (
        401,
        "401",
        "The username or password is wrong.",
    )
    assert str(error).startswith("POST /v3/auth/tokens?nocatalog=true -> 401 401:")
    assert PASSWORD not in str(error)
    assert PASSWORD not in repr(error)


def iam_without_project(cloud: FakeCloud) -> None:
    """IAM that knows the user but refuses every project scope, as for a project the account lacks."""

    def answer(seen: Seen) -> Reply:
        if "project" in seen.json()["auth"]["scope"]:
            return Reply(401, {"error": {"code": 401, "message": "The request you have made requires authentication."}})
        return cloud.issue_token(seen)

    cloud.route("POST", "/v3/auth/tokens", answer)


@pytest.mark.parametrize(
    ("project", "message"),
    [
        (None, "project not found for region 'cn-north-4'"),
        ("f" * 32, f"has no project with id '{'f' * 32}'"),
    ],
)
def test_a_project_iam_does_not_know_is_told_apart_from_a_wrong_password(
    cloud: FakeCloud, project: str | None, message: str
):
    iam_without_project(cloud)
    with pytest.raises(ModelArtsConfigError) as caught:
        flavors(ApiSession(password_settings(cloud, projectId=project)))
    assert message in str(caught.value)
    assert "modelarts:projectId" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    first, probe = cloud.requests_to("POST", "/v3/auth/tokens")
    assert "project" in first.json()["auth"]["scope"]
    assert probe.json()["auth"]["scope"] == {"domain": {"name": "local-account"}}


def test_a_wrong_password_stays_the_iam_error_after_the_probe(cloud: FakeCloud):
    cloud.route("POST", "/v3/auth/tokens", Reply(401, {"error": {"code": 401, "message": "wrong password"}}))
    with pytest.raises(ModelArtsApiError) as caught:
        flavors(ApiSession(password_settings(cloud)))
    assert (caught.value.status, caught.value.error_msg) == (401, "wrong password")
    assert len(cloud.requests_to("POST", "/v3/auth/tokens")) == 2  # the project-scoped try, then the probe


def test_an_iam_answer_without_a_subject_token_is_an_error(cloud: FakeCloud):
    cloud.route("POST", "/v3/auth/tokens", Reply(201, {"token": {}}))
    with pytest.raises(ModelArtsApiError, match="no X-Subject-Token"):
        flavors(ApiSession(password_settings(cloud)))


def test_token_expiry_parsing():
    assert _parse_expiry("2015-11-09T01:42:57.527363Z") == pytest.approx(1447033377.527363)
    assert _parse_expiry("2015-11-09T01:42:57Z") == pytest.approx(1447033377)
    assert _parse_expiry("2015-11-09T01:42:57") == pytest.approx(1447033377)  # naive means UTC
    assert _parse_expiry("soon") is None
    assert _parse_expiry(None) is None


def test_token_provider_refuses_aksk_settings(cloud: FakeCloud):
    with pytest.raises(ValueError, match="AK/SK"):
        IamTokenProvider(aksk_settings(cloud), ApiSession(aksk_settings(cloud)).send)
    assert "local-password" not in repr(auth_module.IamToken("MIIx", 0.0))


# --- project discovery --------------------------------------------------------------------------------------


def test_aksk_discovers_the_project_once_and_signs_without_project_header(cloud: FakeCloud):
    cloud.route("GET", f"/v2/{PID}/training-job-flavors", Reply(200, {}))
    settings = aksk_settings(cloud, projectId=None)
    first = ApiSession(settings)
    assert first.project_id == PID
    flavors(first)
    flavors(ApiSession(settings))

    (lookup,) = cloud.requests_to("GET", "/v3/projects")
    assert lookup.query == [("name", "cn-north-4")]
    assert "X-Project-Id" not in lookup.headers
    assert cloud.signature_is_valid(lookup)
    calls = modelarts_calls(cloud)
    assert [c.headers["X-Project-Id"] for c in calls] == [PID, PID]
    assert all(cloud.signature_is_valid(c) for c in calls)


def test_a_password_token_scoped_by_region_name_gives_the_project_id(cloud: FakeCloud):
    cloud.route("GET", f"/v2/{PID}/training-job-flavors", Reply(200, {}))
    api = ApiSession(password_settings(cloud, projectId=None))
    flavors(api)
    (token_request,) = cloud.requests_to("POST", "/v3/auth/tokens")
    assert token_request.json()["auth"]["scope"] == {"project": {"name": "cn-north-4"}}
    assert cloud.requests_to("GET", "/v3/projects") == []  # no IAM read permission needed


def test_without_a_project_in_the_token_the_projects_api_is_asked_with_the_token(cloud: FakeCloud):
    cloud.token_project = None
    api = ApiSession(password_settings(cloud, projectId=None))
    assert api.project_id == PID
    (lookup,) = cloud.requests_to("GET", "/v3/projects")
    assert lookup.headers["X-Auth-Token"] == "MIItoken-1"


def test_a_pre_issued_token_discovers_through_the_projects_api(cloud: FakeCloud):
    settings = password_settings(cloud, userName=None, password=None, domainName=None, token="MIIgiven", projectId=None)
    assert ApiSession(settings).project_id == PID
    (lookup,) = cloud.requests_to("GET", "/v3/projects")
    assert lookup.headers["X-Auth-Token"] == "MIIgiven"


def test_no_project_for_the_region_is_a_config_error(cloud: FakeCloud):
    cloud.projects = []
    with pytest.raises(ModelArtsConfigError) as caught:
        _ = ApiSession(aksk_settings(cloud, projectId=None)).project_id
    assert "project not found for region 'cn-north-4'" in str(caught.value)
    assert "modelarts:projectId" in str(caught.value)


def test_several_projects_for_the_region_is_a_config_error(cloud: FakeCloud):
    cloud.projects = [{"id": "p1", "name": "cn-north-4"}, {"id": "p2", "name": "cn-north-4"}]
    with pytest.raises(ModelArtsConfigError, match=r"several IAM projects .*p1, p2"):
        _ = ApiSession(aksk_settings(cloud, projectId=None)).project_id


def test_a_denied_project_lookup_is_an_api_error(cloud: FakeCloud):
    cloud.route("GET", "/v3/projects", Reply(403, {"error_code": "IAM.0003", "error_msg": "no permission"}))
    with pytest.raises(ModelArtsApiError) as caught:
        _ = ApiSession(aksk_settings(cloud, projectId=None)).project_id
    assert (caught.value.status, caught.value.error_code) == (403, "IAM.0003")
    assert SK not in str(caught.value)


def test_no_network_until_first_use(cloud: FakeCloud):
    ApiSession(password_settings(cloud, projectId=None))
    ApiSession(aksk_settings(cloud, projectId=None))
    assert cloud.seen == []
