"""The official Huawei Cloud SDK (huaweicloudsdkmodelarts + huaweicloudsdkcore) works against the local
ModelArts unchanged: BasicCredentials(ak, sk, project_id) and an endpoint override, AK/SK signing."""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkmodelarts.v1 import (
    Algorithm,
    AlgorithmCreateEngine,
    AlgorithmCreateInput,
    AlgorithmCreateOutput,
    AlgorithmJobConfig,
    AlgorithmMetadata,
    ChangeTrainingJobDescriptionRequest,
    CreateAlgorithmRequest,
    CreateTrainingJobRequest,
    DeleteAlgorithmRequest,
    DeleteTrainingJobRequest,
    Filter,
    Input,
    InputDataInfo,
    InputDataInfoObs,
    Job,
    JobActionType,
    JobAlgorithm,
    JobMetadata,
    JobSearches,
    JobUpdateRequestBody,
    ListAlgorithmsRequest,
    ListTrainingJobsRequest,
    LogExportPath,
    ModelArtsClient,
    Output,
    Parameters,
    ParametersConstraint,
    Remote,
    RemoteObs,
    ShowAlgorithmByUuidRequest,
    ShowTrainingJobDetailsRequest,
    ShowTrainingJobEnginesRequest,
    ShowTrainingJobFlavorsRequest,
    ShowTrainingJobMetricsRequest,
    Spec,
    SpecResource,
    StopTrainingJobRequest,
)

from tests.support.bodies import BUCKET, PYTORCH, put_code, unique
from tests.support.server import LocalModelArts

# A code folder of this module's own, so other modules' files do not interfere.
CODE_DIR = f"/{BUCKET}/sdk/code/"
BOOT_FILE = f"{CODE_DIR}train.py"


@pytest.fixture(scope="module")
def client(local_modelarts: LocalModelArts) -> ModelArtsClient:
    credentials = BasicCredentials(local_modelarts.access_key, local_modelarts.secret_key, local_modelarts.project_id)
    return (
        ModelArtsClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([local_modelarts.url])  # http://127.0.0.1:<port>: plain HTTP with a port in Host
        .with_http_config(HttpConfig.get_default_config())
        .build()
    )


def test_sdk_lists_flavors_and_engines(client: ModelArtsClient):
    flavors = client.show_training_job_flavors(ShowTrainingJobFlavorsRequest(flavor_type="CPU"))
    assert flavors.total_count == 2
    assert [f.flavor_id for f in flavors.flavors] == ["modelarts.vm.cpu.2u", "modelarts.vm.cpu.8u"]
    assert flavors.flavors[1].flavor_info.max_num == 16
    engines = client.show_training_job_engines(ShowTrainingJobEnginesRequest())
    assert engines.total == len(engines.items) >= 8
    assert PYTORCH in {e.engine_id for e in engines.items}


def test_sdk_creates_reads_lists_and_deletes_an_algorithm(client: ModelArtsClient, local_modelarts: LocalModelArts):
    put_code(local_modelarts.data_dir, CODE_DIR, {"train.py": "print('hello')\n"})
    name = unique("sdk-alg")
    body = Algorithm(
        metadata=AlgorithmMetadata(name=name, description="created by the SDK"),
        job_config=AlgorithmJobConfig(
            code_dir=CODE_DIR,
            boot_file=BOOT_FILE,
            engine=AlgorithmCreateEngine(engine_name="PyTorch", engine_version=PYTORCH),
            inputs=[AlgorithmCreateInput(name="data_url", description="Data source 1")],
            outputs=[AlgorithmCreateOutput(name="train_url", description="Output data 1")],
            parameters=[
                Parameters(
                    name="epochs",
                    value="3",
                    description="",
                    constraint=ParametersConstraint(
                        type="Integer",
                        editable=True,
                        required=False,
                        sensitive=False,
                        valid_type="None",
                        valid_range=[],
                    ),
                )
            ],
            parameters_customization=True,
        ),
        resource_requirements=[],
    )
    created = client.create_algorithm(CreateAlgorithmRequest(body=body))
    algorithm_id = created.metadata.id
    assert created.metadata.name == name
    assert created.job_config.engine.engine_id == PYTORCH
    assert created.job_config.parameters[0].constraint.type == "Integer"

    shown = client.show_algorithm_by_uuid(ShowAlgorithmByUuidRequest(algorithm_id=algorithm_id))
    assert shown.metadata.id == algorithm_id
    assert shown.job_config.code_dir == CODE_DIR

    listed = client.list_algorithms(ListAlgorithmsRequest(searches=f"name:{name}", limit=10, offset=0))
    assert [a.metadata.id for a in listed.items] == [algorithm_id]

    client.delete_algorithm(DeleteAlgorithmRequest(algorithm_id=algorithm_id))
    with pytest.raises(ClientRequestException) as caught:
        client.show_algorithm_by_uuid(ShowAlgorithmByUuidRequest(algorithm_id=algorithm_id))
    assert caught.value.status_code == 400
    assert caught.value.error_code == "ModelArts.2755"
    assert caught.value.request_id


def test_sdk_runs_a_training_job_through_its_lifecycle(client: ModelArtsClient, local_modelarts: LocalModelArts):
    put_code(local_modelarts.data_dir, CODE_DIR, {"train.py": "print('hello')\n"})
    algorithm = client.create_algorithm(
        CreateAlgorithmRequest(
            body=Algorithm(
                metadata=AlgorithmMetadata(name=unique("sdk-alg")),
                job_config=AlgorithmJobConfig(
                    code_dir=CODE_DIR,
                    boot_file=BOOT_FILE,
                    engine=AlgorithmCreateEngine(engine_name="PyTorch", engine_version=PYTORCH),
                    inputs=[AlgorithmCreateInput(name="data_url")],
                    outputs=[AlgorithmCreateOutput(name="train_url")],
                ),
            )
        )
    )
    name = unique("sdk-job")
    job = Job(
        kind="job",
        metadata=JobMetadata(name=name, description="first"),
        algorithm=JobAlgorithm(
            id=algorithm.metadata.id,
            inputs=[Input(name="data_url", remote=InputDataInfo(obs=InputDataInfoObs(obs_url=f"/{BUCKET}/data/")))],
            outputs=[Output(name="train_url", remote=Remote(obs=RemoteObs(obs_url=f"/{BUCKET}/outputs/")))],
        ),
        spec=Spec(
            resource=SpecResource(flavor_id="modelarts.vm.cpu.8u", node_count=1),
            log_export_path=LogExportPath(obs_url=f"/{BUCKET}/logs/"),
        ),
    )
    created = client.create_training_job(CreateTrainingJobRequest(body=job))
    job_id = created.metadata.id
    assert created.status.phase == "Creating"
    assert created.spec.resource.flavor_detail.flavor_type == "CPU"

    client.change_training_job_description(
        ChangeTrainingJobDescriptionRequest(training_job_id=job_id, body=JobUpdateRequestBody(description="second"))
    )
    running = local_modelarts.wait_for_phase(job_id, "Running")
    assert running["metadata"]["description"] == "second"
    details = client.show_training_job_details(ShowTrainingJobDetailsRequest(training_job_id=job_id))
    assert details.status.phase in ("Running", "Completed")
    assert details.status.tasks == ["worker-0"]

    metrics = client.show_training_job_metrics(
        ShowTrainingJobMetricsRequest(training_job_id=job_id, task_id="worker-0")
    )
    assert {m.metric for m in metrics.metrics} >= {"cpuUsage", "memUsage"}

    found = client.list_training_jobs(
        ListTrainingJobsRequest(
            body=JobSearches(limit=10, offset=0, filters=[Filter(key="name", operator="like", value=[name])])
        )
    )
    assert [item.metadata.id for item in found.items] == [job_id]

    job_after = local_modelarts.wait_for_phase(job_id, "Completed")
    assert job_after["status"]["duration"] > 0
    with pytest.raises(ClientRequestException) as caught:
        client.stop_training_job(
            StopTrainingJobRequest(training_job_id=job_id, body=JobActionType(action_type="terminate"))
        )
    assert caught.value.status_code == 409
    assert caught.value.error_code == "ModelArts.2796"
    client.delete_training_job(DeleteTrainingJobRequest(training_job_id=job_id))


def test_sdk_finds_the_project_id_through_iam(local_modelarts: LocalModelArts):
    """Without a project id the SDK asks IAM (GET /v3/projects?name=<region>, AK/SK-signed)."""
    from huaweicloudsdkcore.region.region import Region

    credentials = BasicCredentials(local_modelarts.access_key, local_modelarts.secret_key)
    credentials.iam_endpoint = local_modelarts.url
    sdk = (
        ModelArtsClient.new_builder()
        .with_credentials(credentials)
        .with_region(Region(id=local_modelarts.region, endpoint=local_modelarts.url))
        .with_http_config(HttpConfig.get_default_config())
        .build()
    )
    engines = sdk.show_training_job_engines(ShowTrainingJobEnginesRequest())
    assert engines.total >= 8
    assert credentials.project_id == local_modelarts.project_id
