"""The guide "Using PyTorch to Create a Training Job" (modelarts_03_0407) run by the official SDK, and a
comparison of what the server answers against the guide's example responses.

- ``GUIDE``: the guide's example bodies (``guide_examples.json``, copied verbatim from the guide);
  ``guide_engine(engine_id)``: one engine of its engine list.
- ``guide_bucket(folder)``: a bucket laid out as the guide assumes (``pytorch/fast_example/code/cpu/
  test-pytorch.py`` + ``data/``), the boot file being the example's real training script.
- ``sdk_client(...)``: the official ``ModelArtsClient``, built as the SDK documents, nothing patched.
- ``run_guide_flow(client, ...)``: the guide's steps 1-9 through that client; returns every raw answer.
- ``shape_problems(guide, actual, ...)``: every guide key missing or of another JSON type in ``actual``, and
  every value that differs where it is not expected to (see ``EXPECTED_DIFFERENCES``).
"""

from __future__ import annotations

import copy
import json
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.sdk_response import SdkResponse
from huaweicloudsdkcore.utils.http_utils import sanitize_for_serialization
from huaweicloudsdkmodelarts.v1 import (
    CreateAlgorithmRequest,
    CreateTrainingJobRequest,
    DeleteAlgorithmRequest,
    DeleteTrainingJobRequest,
    ModelArtsClient,
    ShowAlgorithmByUuidRequest,
    ShowTrainingJobDetailsRequest,
    ShowTrainingJobEnginesRequest,
    ShowTrainingJobFlavorsRequest,
    ShowTrainingJobMetricsRequest,
)
from huaweicloudsdkmodelarts.v1.region.modelarts_region import ModelArtsRegion

ROOT = Path(__file__).resolve().parents[2]
GUIDE: dict[str, Any] = json.loads((Path(__file__).parent / "guide_examples.json").read_text(encoding="utf-8"))

BUCKET = "cnnorth4-job-test-v2"
"""The guide's bucket; its paths are used exactly as the guide writes them."""

LOG_URL_PATH = "/v2/{project_id}/training-jobs/{training_job_id}/tasks/{task_id}/logs/url"


def guide_engine(engine_id: str) -> dict[str, Any]:
    """One engine of the guide's engine list (step 1's example answer)."""
    engine: dict[str, Any] = next(e for e in GUIDE["engines_response"]["items"] if e["engine_id"] == engine_id)
    return engine


def guide_bucket(folder: Path) -> Path:
    """A folder to map to the guide's bucket: its code (the example's real training script under the guide's
    boot-file name) and its data."""
    example = ROOT / "examples" / "bucket"
    code = folder / "pytorch" / "fast_example" / "code" / "cpu"
    code.mkdir(parents=True)
    shutil.copy(example / "code" / "train.py", code / "test-pytorch.py")
    shutil.copytree(example / "data", folder / "pytorch" / "fast_example" / "data")
    return folder


def sdk_client(credentials: BasicCredentials, region: str = "cn-north-4") -> Any:
    """The official client for ``region``, as the SDK documents it: ``ModelArtsRegion.value_of(region)``.

    Point it at a local server with the SDK's own endpoint override, the environment variable
    ``HUAWEICLOUD_SDK_REGION_MODELARTS_<REGION>`` (set by the caller).
    """
    return (
        ModelArtsClient.new_builder()
        .with_credentials(credentials)
        .with_region(ModelArtsRegion.value_of(region))
        .with_http_config(HttpConfig.get_default_config())
        .build()
    )


def sdk_model(client: Any, data: Mapping[str, Any], request_class: Any) -> Any:
    """The SDK model of a request's body, built from plain JSON by the SDK's own deserializer."""
    return client._deserialize(copy.deepcopy(dict(data)), request_class.openapi_types["body"])


class ShowObsUrlOfTrainingJobLogsResponse(SdkResponse):
    """The SDK's response model of ShowObsUrlOfTrainingJobLogs (``obs_url``, ``shards``).

    huaweicloudsdkmodelarts 3.1.211 ships this call; the pinned 3.1.219 dropped it. The call is made through
    the client's public ``call_api`` with the same request the generated method sends; only this response
    model, copied from 3.1.211, is ours.
    """

    openapi_types = {"obs_url": "str", "shards": "object"}
    attribute_map = {"obs_url": "obs_url", "shards": "shards"}

    def __init__(self, obs_url: str | None = None, shards: Any = None) -> None:
        super().__init__()
        self.obs_url = obs_url
        self.shards = shards


def show_obs_url_of_training_job_logs(client: Any, training_job_id: str, task_id: str) -> Any:
    """GET .../tasks/{task_id}/logs/url through the SDK client, as the generated method of 3.1.211 sends it."""
    return client.call_api(
        resource_path=LOG_URL_PATH,
        method="GET",
        path_params={"training_job_id": training_job_id, "task_id": task_id},
        query_params=[],
        header_params={"Content-Type": "application/json"},
        body=None,
        post_params={},
        response_type=ShowObsUrlOfTrainingJobLogsResponse,
        response_headers=[],
        collection_formats={},
        request_type="ShowObsUrlOfTrainingJobLogsRequest",
    )


def raw(response: Any) -> Any:
    """The JSON the server sent, as the SDK received it."""
    return json.loads(response.raw_content)


@dataclass
class GuideRun:
    """Every answer of one run of the guide, as raw JSON (``None`` where a step had no body)."""

    flavors: Any = None
    engines: Any = None
    algorithm: Any = None
    job: Any = None
    running: Any = None  # the details while the job was Running (None if never seen Running)
    final: Any = None  # the details once the job reached ``until``
    phases: list[str] = field(default_factory=list)
    log_url: str = ""
    log_text: str = ""
    metrics: Any = None
    job_delete_status: int = 0
    algorithm_delete_status: int = 0
    job_gone_error: str = ""
    algorithm_gone_error: str = ""


def run_guide_flow(
    client: Any,
    *,
    algorithm_body: Mapping[str, Any] | None = None,
    job_body: Mapping[str, Any] | None = None,
    until: str = "Completed",
    timeout: float = 120.0,
    fetch: Callable[[str], str] | None = None,
) -> GuideRun:
    """Steps 1-9 of the guide through the official client, with the guide's bodies (or the ones given).

    ``until`` is the phase to wait for in step 6; ``fetch`` reads the log URL of step 7.
    """
    import requests

    run = GuideRun()
    # 1-2: flavors and engines.
    run.flavors = raw(client.show_training_job_flavors(ShowTrainingJobFlavorsRequest(flavor_type="CPU")))
    run.engines = raw(client.show_training_job_engines(ShowTrainingJobEnginesRequest()))

    # 3: the algorithm, from the guide's body exactly as the SDK serializes it.
    algorithm_json = dict(algorithm_body or GUIDE["create_algorithm_request"])
    algorithm_model = sdk_model(client, algorithm_json, CreateAlgorithmRequest)
    assert sanitize_for_serialization(algorithm_model) == algorithm_json, "the SDK would not send the guide's body"
    run.algorithm = raw(client.create_algorithm(CreateAlgorithmRequest(body=algorithm_model)))
    algorithm_id = run.algorithm["metadata"]["id"]

    # 4: the training job from that algorithm.
    job_json = copy.deepcopy(dict(job_body or GUIDE["create_training_job_request"]))
    job_json["algorithm"]["id"] = algorithm_id
    job_model = sdk_model(client, job_json, CreateTrainingJobRequest)
    assert sanitize_for_serialization(job_model) == job_json, "the SDK would not send the guide's body"
    created = client.create_training_job(CreateTrainingJobRequest(body=job_model))
    assert created.status_code == 201
    run.job = raw(created)
    job_id = run.job["metadata"]["id"]

    # 5-6: the details until the phase wanted.
    deadline = time.monotonic() + timeout
    while True:
        details = raw(client.show_training_job_details(ShowTrainingJobDetailsRequest(training_job_id=job_id)))
        phase = details["status"]["phase"]
        if not run.phases or run.phases[-1] != phase:
            run.phases.append(phase)
        if phase == "Running" and run.running is None:
            run.running = details
        if phase == until:
            run.final = details
            break
        if phase in ("Failed", "Abnormal", "Terminated") or time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} ended in {phase} (phases {run.phases}), not {until}")
        time.sleep(0.1)
    task = details["status"]["tasks"][0]

    # 7: the log's temporary URL, and what it serves.
    log = show_obs_url_of_training_job_logs(client, job_id, task)
    assert log.status_code == 200, log.raw_content
    run.log_url = log.obs_url
    run.log_text = (fetch or (lambda url: requests.get(url, timeout=30).text))(run.log_url)

    # 8: metrics.
    run.metrics = raw(
        client.show_training_job_metrics(ShowTrainingJobMetricsRequest(training_job_id=job_id, task_id=task))
    )

    # 9: delete the job (and, to leave nothing behind, the algorithm); both are gone afterwards.
    run.job_delete_status = client.delete_training_job(DeleteTrainingJobRequest(training_job_id=job_id)).status_code
    run.job_gone_error = _wait_gone(
        lambda: client.show_training_job_details(ShowTrainingJobDetailsRequest(training_job_id=job_id)), deadline
    )
    run.algorithm_delete_status = client.delete_algorithm(DeleteAlgorithmRequest(algorithm_id=algorithm_id)).status_code
    run.algorithm_gone_error = _wait_gone(
        lambda: client.show_algorithm_by_uuid(ShowAlgorithmByUuidRequest(algorithm_id=algorithm_id)), deadline
    )
    return run


def _wait_gone(show: Callable[[], Any], deadline: float) -> str:
    """Poll until the SDK raises; ``"<status> <error_code>"`` of that error."""
    while time.monotonic() < deadline:
        try:
            show()
        except ClientRequestException as exc:
            return f"{exc.status_code} {exc.error_code}"
        time.sleep(0.2)
    raise AssertionError("still there after the deadline")


# --- comparing answers with the guide ---------------------------------------------------------------------

EXPECTED_DIFFERENCES: dict[str, str] = {
    # Identities and clocks of this run, not of the guide's.
    "metadata.id": "generated by the server for each object",
    "algorithm.id": "the algorithm created in this run",
    "metadata.create_time": "the time of this run",
    "metadata.domain_id": "the local account's domain id",
    "metadata.user_name": "the local user who made the call (the guide shows '' for one call and a staff "
    "account for another: the field carries the caller)",
    "metadata.size": "the size of this run's code folder (the example's script under the guide's file name)",
    "status.phase": "where the job is in this run when the call is made",
    "status.secondary_phase": "where the job is in this run when the call is made",
    "status.duration": "how long this run's job has been running",
    "status.start_time": "when this run's job started",
    "status.node_count_metrics": "samples of this run's node count over time",
    "metrics[].value": "samples of this run's CPU and memory use",
    "total": "the local catalog holds fewer engines than the guide's region (28)",
    "items": "the guide shows three of its engines ('only part of the response body is displayed'): those three "
    "must be here, equal, among others",
}
"""Fields whose *value* legitimately differs from the guide's example (their type may not), and why."""


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _compatible(expected: Any, actual: Any) -> bool:
    want, got = _kind(expected), _kind(actual)
    if want == "number":
        return got in ("number", "integer")  # JSON has one number type; a float example admits integers
    return want == got


_ITEM_KEYS = ("flavor_id", "engine_id", "metric", "name", "key")


def _identity(items: list[Any]) -> str | None:
    """The key that names the items of a list of objects, if they have one."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in _ITEM_KEYS:
        if all(key in item for item in items):
            return key
    return None


def shape_problems(
    expected: Any, actual: Any, path: str = "", exempt: Mapping[str, str] = EXPECTED_DIFFERENCES
) -> list[str]:
    """Every way ``actual`` departs from the guide's ``expected``, as ``"path: problem"`` lines.

    - Every key of an expected object must be present, with a value of the same JSON type (a ``null`` in the
      guide must be ``null`` here too); keys the guide does not show are allowed.
    - Values must be equal, except at the paths of ``exempt`` (where only the types are compared).
    - Lists of named objects (``flavor_id``, ``engine_id``, ``metric``, ``name``, ``key``) are matched by name;
      every item of the guide must be there. Other lists must be equal, or (exempt) hold items of the types the
      guide's items have.
    """
    where = path or "(top)"
    if not _compatible(expected, actual):
        return [f"{where}: expected {_kind(expected)} like {expected!r}, got {_kind(actual)} {actual!r}"[:300]]
    if isinstance(expected, dict):
        problems: list[str] = []
        for key, value in expected.items():
            child = f"{path}.{key}" if path else key
            if key not in actual:
                problems.append(f"{child}: missing")
            else:
                problems += shape_problems(value, actual[key], child, exempt)
        return problems
    if isinstance(expected, list):
        return _list_problems(expected, actual, path, exempt)
    if expected != actual and path not in exempt:
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def _list_problems(expected: list[Any], actual: list[Any], path: str, exempt: Mapping[str, str]) -> list[str]:
    where = path or "(top)"
    item_path = f"{path}[]"
    key = _identity(expected)
    if key is not None:
        problems: list[str] = []
        by_name = {item.get(key): item for item in actual if isinstance(item, dict)}
        for item in expected:
            found = by_name.get(item[key])
            if found is None:
                problems.append(f"{item_path}: no item with {key}={item[key]!r} (have {sorted(map(str, by_name))})")
            else:
                problems += shape_problems(item, found, item_path, exempt)
        if path not in exempt and len(actual) != len(expected):
            problems.append(f"{where}: {len(expected)} items expected, got {len(actual)}")
        return problems
    if path in exempt or item_path in exempt:
        if expected and not actual:
            return [f"{where}: empty, the guide shows items like {expected[0]!r}"]
        problems = []
        for index, item in enumerate(actual):
            if not any(_compatible(model, item) for model in expected):
                problems.append(f"{item_path}[{index}]: {_kind(item)} {item!r} unlike the guide's items")
            elif isinstance(item, list):
                problems += _list_problems(expected[0], item, item_path, {**exempt, item_path: "nested"})
        return problems
    if len(expected) != len(actual):
        return [f"{where}: expected {expected!r}, got {actual!r}"[:300]]
    problems = []
    for model, item in zip(expected, actual, strict=True):
        problems += shape_problems(model, item, item_path, exempt)
    return problems
