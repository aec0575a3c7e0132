"""Fidelity: the official Huawei Cloud SDK (huaweicloudsdkmodelarts, used unchanged) runs the whole guide
"Using PyTorch to Create a Training Job" against the local ModelArts, and every answer has the shape of the
guide's examples.

The SDK finds the server through its own documented overrides only: ``HUAWEICLOUD_SDK_REGION_MODELARTS_<REGION>``
for ModelArts (read by ``ModelArtsRegion.value_of``) and ``HUAWEICLOUD_SDK_IAM_ENDPOINT`` for IAM. The server
has no notion of which client calls it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials, Credentials

from modelarts_pulumi.settings import modelarts_endpoint_env_var
from tests.fidelity.guide import BUCKET, GUIDE, GuideRun, guide_bucket, run_guide_flow, sdk_client, shape_problems
from tests.support.server import FAST_LOCAL, FAST_SIMULATED, LocalModelArts

GUIDE_STEPS = (
    ("flavors_response", "flavors"),
    ("engines_response", "engines"),
    ("create_algorithm_response", "algorithm"),
    ("create_training_job_response", "job"),
    ("training_job_details_response", "running"),
    ("training_job_metrics_response", "metrics"),
)


@pytest.fixture(autouse=True)
def _sdk_forgets_projects(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK caches discovered project ids per AK and region for the process; each test starts afresh."""
    monkeypatch.setattr(Credentials, "_CACHE", {})


@pytest.fixture
def point_sdk_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[LocalModelArts], None]:
    """Aim the SDK's ModelArts endpoint of the server's region at the server (the SDK's env override)."""

    def point(server: LocalModelArts) -> None:
        monkeypatch.setenv(modelarts_endpoint_env_var(server.region), server.url)

    return point


def assert_guide_shapes(run: GuideRun) -> None:
    """Every answer has every field the guide shows, with the same JSON type and (see EXPECTED_DIFFERENCES)
    the same value."""
    problems = {}
    for example, step in GUIDE_STEPS:
        actual = getattr(run, step)
        if step == "running" and actual is None:
            actual = run.final  # the job ran too fast to be seen Running: its final details have the same shape
        found = shape_problems(GUIDE[example], actual)
        if found:
            problems[example] = found
    assert problems == {}, json.dumps(problems, indent=2)


def assert_guide_ran(run: GuideRun) -> None:
    assert run.phases[0] == "Creating" and run.phases[-1] == "Completed", run.phases
    assert run.log_url.startswith("http") and "Signature=" in run.log_url
    assert run.job_delete_status == 202  # the guide: "Status code 202 ... the job is successfully deleted"
    assert run.job_gone_error == "400 ModelArts.2775"
    assert run.algorithm_delete_status in (200, 202, 204)
    assert run.algorithm_gone_error == "400 ModelArts.2755"


def test_sdk_runs_the_guide_for_real_with_aksk(start_local_modelarts, point_sdk_at, tmp_path: Path):
    """Local mode: the job really runs the guide's boot file (the example's training script) on the guide's data."""
    bucket = guide_bucket(tmp_path / "bucket")
    server = start_local_modelarts(
        mode="local", config={"local": FAST_LOCAL, "delete_linger_seconds": 0.5}, buckets={BUCKET: bucket}
    )
    point_sdk_at(server)
    client = sdk_client(BasicCredentials(server.access_key, server.secret_key, server.project_id))

    run = run_guide_flow(client)

    assert_guide_ran(run)
    assert "epoch 20/20 loss=" in run.log_text, run.log_text  # the URL served the real training log
    model = json.loads((bucket / "pytorch" / "fast_example" / "outputs" / "model.json").read_text())
    assert model  # the training wrote its model where the guide's train_url points
    assert run.final["status"]["duration"] > 0
    assert_guide_shapes(run)


def test_sdk_discovers_the_project_through_iam_and_runs_the_guide(
    start_local_modelarts, point_sdk_at, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """BasicCredentials without a project id: the SDK asks IAM (GET /v3/projects?name=<region>, AK/SK-signed)
    at the endpoint of HUAWEICLOUD_SDK_IAM_ENDPOINT, then runs the guide with the id it found."""
    server = start_local_modelarts(
        config={"simulated": FAST_SIMULATED, "delete_linger_seconds": 0.5},
        buckets={BUCKET: guide_bucket(tmp_path / "bucket")},
    )
    point_sdk_at(server)
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", server.url)
    credentials = BasicCredentials(server.access_key, server.secret_key)
    assert credentials.project_id is None

    run = run_guide_flow(sdk_client(credentials))

    assert credentials.project_id == server.project_id
    discovered = dict(Credentials._CACHE)  # what the SDK learnt from IAM, per AK and region
    assert discovered == {server.access_key + server.region: server.project_id}
    assert_guide_ran(run)
    assert "training job ended: Completed" in run.log_text, run.log_text
    assert_guide_shapes(run)


def test_sdk_project_discovery_fails_clearly_for_a_region_iam_does_not_know(
    start_local_modelarts, monkeypatch: pytest.MonkeyPatch
):
    """The other side of discovery: IAM has no project named after the region, and the SDK says so when the
    client is built (the SDK discovers then)."""
    from huaweicloudsdkcore.exceptions.exceptions import SdkException

    server = start_local_modelarts(config={"simulated": FAST_SIMULATED})
    monkeypatch.setenv(modelarts_endpoint_env_var("cn-north-1"), server.url)
    monkeypatch.setenv("HUAWEICLOUD_SDK_IAM_ENDPOINT", server.url)
    with pytest.raises(SdkException, match="Failed to get project id of region 'cn-north-1'"):
        sdk_client(BasicCredentials(server.access_key, server.secret_key), region="cn-north-1")
