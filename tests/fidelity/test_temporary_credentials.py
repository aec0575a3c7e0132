"""Temporary credentials (AK/SK + security token): the server accepts a temporary AK only with its token in
``X-Security-Token``; the official SDK (``BasicCredentials.with_security_token``) and our client both work
with it, and both are refused with another token or none."""

from __future__ import annotations

from pathlib import Path

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import ShowTrainingJobEnginesRequest

from modelarts_local.config import default_account_dict
from modelarts_pulumi import auth as provider_auth
from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.errors import ModelArtsApiError
from modelarts_pulumi.settings import Settings, modelarts_endpoint_env_var
from modelarts_pulumi.wire import AlgorithmRequest
from tests.fidelity.guide import BUCKET, GUIDE, guide_bucket, run_guide_flow, sdk_client
from tests.support.server import FAST_SIMULATED, LocalModelArts

TEMP_AK = "TEMPAKFIDELITY000000"
TEMP_SK = "temporary-secret-key-0000000000000000000"
SECURITY_TOKEN = "gQpjbi1ub3J0aC00sts-token-for-fidelity-tests"


@pytest.fixture
def server(start_local_modelarts, tmp_path: Path) -> LocalModelArts:
    """A server whose account also has a temporary AK/SK bound to a security token."""
    account = default_account_dict()
    account["access_keys"].append(
        {"access_key": TEMP_AK, "secret_key": TEMP_SK, "user_name": "local-user", "security_token": SECURITY_TOKEN}
    )
    started: LocalModelArts = start_local_modelarts(
        config={"accounts": [account], "simulated": FAST_SIMULATED, "delete_linger_seconds": 0.5},
        buckets={BUCKET: guide_bucket(tmp_path / "bucket")},
    )
    return started


def sdk_credentials(server: LocalModelArts, token: str | None) -> BasicCredentials:
    credentials = BasicCredentials(TEMP_AK, TEMP_SK, server.project_id)
    return credentials.with_security_token(token) if token is not None else credentials


def provider_client(server: LocalModelArts, token: str | None) -> ModelArtsClient:
    config = {
        "region": server.region,
        "projectId": server.project_id,
        "modelartsEndpoint": server.url,
        "iamEndpoint": server.url,
        "accessKey": TEMP_AK,
        "secretKey": TEMP_SK,
        "maxRetries": "0",
    }
    if token is not None:
        config["securityToken"] = token
    return ModelArtsClient(Settings.from_config(config, env={}))


def test_sdk_runs_the_guide_with_temporary_credentials(server: LocalModelArts, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(modelarts_endpoint_env_var(server.region), server.url)
    run = run_guide_flow(sdk_client(sdk_credentials(server, SECURITY_TOKEN)))
    assert run.phases[-1] == "Completed"
    assert run.job_gone_error == "400 ModelArts.2775"


@pytest.mark.parametrize("token", [None, "another-security-token"], ids=["no-token", "wrong-token"])
def test_sdk_with_temporary_credentials_is_refused_without_the_right_token(
    server: LocalModelArts, monkeypatch: pytest.MonkeyPatch, token: str | None
):
    monkeypatch.setenv(modelarts_endpoint_env_var(server.region), server.url)
    client = sdk_client(sdk_credentials(server, token))
    with pytest.raises(ClientRequestException) as caught:
        client.show_training_job_engines(ShowTrainingJobEnginesRequest())
    assert (caught.value.status_code, caught.value.error_code) == (401, "APIGW.0301")
    assert "verify security token fail" in caught.value.error_msg


def test_provider_client_works_with_temporary_credentials(server: LocalModelArts):
    client = provider_client(server, SECURITY_TOKEN)
    assert [f.flavor_id for f in client.list_flavors("CPU")] == ["modelarts.vm.cpu.2u", "modelarts.vm.cpu.8u"]
    algorithm = client.create_algorithm(AlgorithmRequest.model_validate(GUIDE["create_algorithm_request"]))
    assert client.get_algorithm(algorithm.metadata.id).metadata.name == "test-pytorch-cpu"
    client.delete_algorithm(algorithm.metadata.id)


@pytest.mark.parametrize("token", [None, "another-security-token"], ids=["no-token", "wrong-token"])
def test_provider_client_with_temporary_credentials_is_refused_without_the_right_token(
    server: LocalModelArts, token: str | None
):
    provider_auth.clear_caches()
    with pytest.raises(ModelArtsApiError) as caught:
        provider_client(server, token).list_engines()
    error = caught.value
    assert (error.status, error.error_code) == (401, "APIGW.0301")
    assert "verify security token fail" in str(error)
    assert TEMP_SK not in str(error) and SECURITY_TOKEN not in str(error)
