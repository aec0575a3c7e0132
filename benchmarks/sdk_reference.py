"""The reference: the official Huawei Cloud SDK (``huaweicloudsdkmodelarts``, unchanged) doing what the job
stack does, with 4 threads, as a hand-written script would.

- create: one algorithm, then N jobs from it, each ``create`` + poll the job until it reaches the target
  (``submitted``: out of Creating; ``running``: Running);
- destroy: each job ``terminate`` + poll until it ended + ``delete`` + poll until the service answers "no
  such job" (ModelArts.2775), then the algorithm.

Polls every 0.5 s (the provider's first interval). The bodies are the ones the provider sends for the job
stack (``benchmarks/stacks.py``), written out here so that the reference does not depend on the provider.
The SDK finds the server through its own endpoint override ``HUAWEICLOUD_SDK_REGION_MODELARTS_<REGION>``.
"""

from __future__ import annotations

import copy
import os
import queue
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkmodelarts.v1 import (
    CreateAlgorithmRequest,
    CreateTrainingJobRequest,
    DeleteAlgorithmRequest,
    DeleteTrainingJobRequest,
    JobActionType,
    ModelArtsClient,
    ShowTrainingJobDetailsRequest,
    StopTrainingJobRequest,
)
from huaweicloudsdkmodelarts.v1.region.modelarts_region import ModelArtsRegion

from tests.support.bodies import parameter
from tests.support.server import LocalModelArts

THREADS = 4
POLL_SECONDS = 0.5
WAIT_TIMEOUT = 300.0
REACHED = {"submitted": frozenset({"Pending", "Running", "Completed"}), "running": frozenset({"Running", "Completed"})}
ENDED = frozenset({"Completed", "Failed", "Terminated", "Abnormal"})
JOB_GONE = "ModelArts.2775"

ALGORITHM_BODY: dict[str, Any] = {
    "metadata": {"name": "", "description": "", "workspace_id": "0", "tags": []},
    "job_config": {
        "code_dir": "/bench-bucket/code/",
        "boot_file": "/bench-bucket/code/train.py",
        "parameters": [parameter("epochs", "1", "Integer")],
        "parameters_customization": True,
        "inputs": [{"name": "data_url", "description": ""}],
        "outputs": [{"name": "train_url", "description": ""}],
        "engine": {
            "engine_name": "PyTorch",
            "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64",
        },
    },
    "resource_requirements": [],
}


def job_body(name: str, index: int, algorithm_id: str) -> dict[str, Any]:
    return {
        "kind": "job",
        "metadata": {"name": name, "description": "", "workspace_id": "0"},
        "algorithm": {
            "id": algorithm_id,
            "parameters": [{"name": "epochs", "value": str(index + 1)}],
            "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": "/bench-bucket/data/"}}}],
            "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": f"/bench-bucket/outputs/{index:03d}/"}}}],
        },
        "spec": {
            "resource": {"flavor_id": "modelarts.vm.cpu.8u", "node_count": 1},
            "log_export_path": {"obs_url": "/bench-bucket/logs/"},
        },
    }


@dataclass(frozen=True)
class Deployed:
    """What an SDK run created, for the matching destroy."""

    algorithm_id: str
    job_ids: list[str]


class SdkReference:
    """A pool of ``threads`` official clients aimed at ``server`` (built before any timing starts)."""

    def __init__(self, server: LocalModelArts, threads: int = THREADS) -> None:
        self.threads = threads
        os.environ["HUAWEICLOUD_SDK_REGION_MODELARTS_" + server.region.replace("-", "_").upper()] = server.url
        credentials = BasicCredentials(server.access_key, server.secret_key, server.project_id)
        self._clients: queue.Queue[Any] = queue.Queue()
        for _ in range(threads):
            client = (
                ModelArtsClient.new_builder()
                .with_credentials(credentials)
                .with_region(ModelArtsRegion.value_of(server.region))
                .with_http_config(HttpConfig.get_default_config())
                .build()
            )
            self._clients.put(client)
        self._runs = 0

    @contextmanager
    def client(self) -> Iterator[Any]:
        client = self._clients.get()
        try:
            yield client
        finally:
            self._clients.put(client)

    def create(self, jobs: int, wait_for: str) -> Deployed:
        """The algorithm, then ``jobs`` jobs (``threads`` at a time), each waited for until it reached ``wait_for``."""
        self._runs += 1
        prefix = f"sdk-{self._runs:02d}"
        with self.client() as client:
            body = copy.deepcopy(ALGORITHM_BODY)
            body["metadata"]["name"] = f"{prefix}-algo"
            request = CreateAlgorithmRequest(body=_model(client, body, CreateAlgorithmRequest))
            algorithm_id = client.create_algorithm(request).metadata.id

        def one(index: int) -> str:
            with self.client() as client:
                body = job_body(f"{prefix}-job-{index:03d}", index, algorithm_id)
                request = CreateTrainingJobRequest(body=_model(client, body, CreateTrainingJobRequest))
                created = client.create_training_job(request)
                job_id: str = created.metadata.id
                _wait(lambda: _phase(client, job_id), REACHED[wait_for], job_id, current=created.status.phase)
                return job_id

        with ThreadPoolExecutor(self.threads) as pool:
            job_ids = list(pool.map(one, range(jobs)))
        return Deployed(algorithm_id, job_ids)

    def destroy(self, deployed: Deployed) -> None:
        """Every job terminated, deleted and gone (``threads`` at a time), then the algorithm deleted."""

        def one(job_id: str) -> None:
            with self.client() as client:
                client.stop_training_job(
                    StopTrainingJobRequest(training_job_id=job_id, body=JobActionType(action_type="terminate"))
                )
                _wait(lambda: _phase(client, job_id), ENDED, job_id)
                client.delete_training_job(DeleteTrainingJobRequest(training_job_id=job_id))
                _wait(lambda: _phase(client, job_id), frozenset({"gone"}), job_id)

        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(one, deployed.job_ids))
        with self.client() as client:
            client.delete_algorithm(DeleteAlgorithmRequest(algorithm_id=deployed.algorithm_id))


def _model(client: Any, body: dict[str, Any], request_class: Any) -> Any:
    """The SDK's model of a request body, built by the SDK's own deserializer (as ``tests/fidelity`` does)."""
    return client._deserialize(copy.deepcopy(body), request_class.openapi_types["body"])


def _phase(client: Any, job_id: str) -> str:
    """The job's phase, or ``gone`` once the service no longer knows it."""
    try:
        details = client.show_training_job_details(ShowTrainingJobDetailsRequest(training_job_id=job_id))
    except ClientRequestException as exc:
        if exc.error_code == JOB_GONE:
            return "gone"
        raise
    phase: str = details.status.phase
    return phase


def _wait(read_phase: Callable[[], str], wanted: frozenset[str], job_id: str, *, current: str = "") -> None:
    """Poll every ``POLL_SECONDS`` until the phase is one of ``wanted`` (``current``: the phase known now)."""
    deadline = time.monotonic() + WAIT_TIMEOUT
    while current not in wanted:
        if time.monotonic() > deadline:
            raise RuntimeError(f"SDK reference: job {job_id} is still {current}, not {sorted(wanted)}")
        time.sleep(POLL_SECONDS)
        current = read_phase()
