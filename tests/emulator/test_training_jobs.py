"""Training jobs in simulated mode: the guide's answers, validation codes and their order, the phase
machine, terminate / delete, search, tasks, logs, metrics, events and the admin outcome hook."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.bodies import (
    BUCKET,
    GUIDE_JOB,
    PYTORCH,
    algorithm_body,
    inline_job_body,
    job_body,
    put_code,
    unique,
)
from tests.support.server import FAST_SIMULATED, LocalModelArts

CODE = f"/{BUCKET}/jobs/code/"
BOOT = f"{CODE}train.py"


@pytest.fixture(scope="module")
def algorithm(local_modelarts: LocalModelArts) -> dict[str, Any]:
    put_code(local_modelarts.data_dir, CODE, {"train.py": "print('train')\n"})
    body = algorithm_body(code_dir=CODE, boot_file=BOOT)
    response = local_modelarts.call("POST", "/algorithms", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def create_job(server: LocalModelArts, body: dict[str, Any]) -> dict[str, Any]:
    response = server.call("POST", "/training-jobs", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def error_of(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error_code"]


# --- create --------------------------------------------------------------------------------------------


def test_create_answers_the_guides_job_response(local_modelarts: LocalModelArts, algorithm: dict[str, Any]):
    body = job_body(algorithm["metadata"]["id"])
    before = int(time.time() * 1000)
    job = create_job(local_modelarts, body)
    meta = job["metadata"]
    uuid.UUID(meta["id"])
    assert before <= meta["create_time"] <= int(time.time() * 1000)
    assert job["kind"] == "job"
    assert meta == {
        "id": meta["id"],
        "name": body["metadata"]["name"],
        "description": "test pytorch work cpu in mode gloo",
        "create_time": meta["create_time"],
        "workspace_id": "0",
        "ai_project": "default-ai-project",
        "user_name": local_modelarts.user_name,
        "annotations": {"job_template": "Template DL", "key_task": "worker"},
    }
    assert job["status"] == {
        "phase": "Creating",
        "secondary_phase": "Creating",
        "duration": 0,
        "start_time": 0,
        "node_count_metrics": None,
        "tasks": ["worker-0"],
    }
    alg = job["algorithm"]
    assert alg["id"] == algorithm["metadata"]["id"]
    assert alg["name"] == algorithm["metadata"]["name"]
    assert (alg["code_dir"], alg["boot_file"]) == (CODE, BOOT)
    assert alg["parameters"] == algorithm["job_config"]["parameters"]
    assert alg["parameters_customization"] is True
    assert alg["inputs"] == [
        {
            "name": "data_url",
            "description": "Data source 1",
            "local_dir": "/home/ma-user/modelarts/inputs/data_url_0",
            "remote": {"obs": {"obs_url": f"/{BUCKET}/pytorch/fast_example/data/"}},
        }
    ]
    assert alg["outputs"] == [
        {
            "name": "train_url",
            "description": "Output data 1",
            "local_dir": "/home/ma-user/modelarts/outputs/train_url_0",
            "remote": {"obs": {"obs_url": f"/{BUCKET}/pytorch/fast_example/outputs/"}},
            "mode": "upload_periodically",
            "period": 30,
        }
    ]
    assert alg["engine"] == {
        "engine_id": PYTORCH,
        "engine_name": "PyTorch",
        "engine_version": PYTORCH,
        "usage": "training",
        "support_groups": "public",
        "tags": [{"key": "auto_search", "value": "True"}],
        "v1_compatible": False,
        "run_user": "1102",
    }
    assert job["spec"] == {
        "resource": {
            "policy": "regular",
            "flavor_id": "modelarts.vm.cpu.8u",
            "flavor_name": "Computing CPU(8U) instance",
            "node_count": 1,
            "flavor_detail": {
                "flavor_type": "CPU",
                "billing": {"code": "modelarts.vm.cpu.8u", "unit_num": 1},
                "flavor_info": {
                    "cpu": {"arch": "x86", "core_num": 8},
                    "memory": {"size": 32, "unit": "GB"},
                    "disk": {"size": 50, "unit": "GB"},
                },
            },
        },
        "log_export_path": {"obs_url": f"/{BUCKET}/pytorch/fast_example/log/"},
        "is_hosted_log": True,
    }


def test_job_overrides_parameters_and_keeps_given_annotations(local_modelarts, algorithm):
    body = job_body(algorithm["metadata"]["id"])
    body["algorithm"]["parameters"] = [{"name": "world_size", "value": "4"}, {"name": "extra", "value": "x"}]
    body["metadata"]["annotations"] = {"job_template": "Template RL", "fault-tolerance/job-retry-num": "3"}
    body["algorithm"]["environments"] = {"MY_SETTING": "1"}
    del body["spec"]["log_export_path"]
    job = create_job(local_modelarts, body)
    params = {p["name"]: p["value"] for p in job["algorithm"]["parameters"]}
    assert params == {"dist": "False", "world_size": "4", "extra": "x"}
    assert job["metadata"]["annotations"] == {
        "job_template": "Template RL",
        "fault-tolerance/job-retry-num": "3",
        "key_task": "worker",
    }
    assert job["algorithm"]["environments"] == {"MY_SETTING": "1"}
    assert job["spec"]["log_export_path"] == {}
    assert job["spec"]["is_hosted_log"] is True


def test_inline_job_resolves_its_engine_and_runs_on_several_nodes(local_modelarts):
    body = inline_job_body(CODE, BOOT, parameters=[{"name": "lr", "value": "0.1"}])
    body["spec"]["resource"]["node_count"] = 3
    job = create_job(local_modelarts, body)
    assert job["algorithm"]["engine"]["engine_id"] == PYTORCH
    assert job["algorithm"]["parameters"][0]["value"] == "0.1"
    assert job["status"]["tasks"] == ["worker-0", "worker-1", "worker-2"]
    assert job["spec"]["resource"]["node_count"] == 3


def mutated(algorithm_id: str, change: Any) -> dict[str, Any]:
    body = job_body(algorithm_id)
    change(body)
    return body


def _parent(body: dict[str, Any], path: str) -> tuple[Any, str]:
    *parents, last = path.split(".")
    target: Any = body
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
    return target, last


def _set(path: str, value: Any) -> Any:
    def change(body: dict[str, Any]) -> None:
        target, last = _parent(body, path)
        target[last] = value

    return change


def _drop(path: str) -> Any:
    def change(body: dict[str, Any]) -> None:
        target, last = _parent(body, path)
        del target[last]

    return change


INVALID: list[tuple[str, Any, str, str | None]] = [
    ("no kind", _drop("kind"), "ModelArts.2788", "kind"),
    ("unknown kind", _set("kind", "rocket"), "ModelArts.2788", "kind"),
    ("no metadata", _drop("metadata"), "ModelArts.2788", "metadata"),
    ("bad name", _set("metadata.name", "a b"), "ModelArts.2788", "metadata.name"),
    ("long description", _set("metadata.description", "x" * 257), "ModelArts.2788", "metadata.description"),
    ("no algorithm", _drop("algorithm"), "ModelArts.2788", "algorithm"),
    ("no spec", _drop("spec"), "ModelArts.2788", "spec"),
    ("no resource", _drop("spec.resource"), "ModelArts.2788", "spec.resource"),
    ("no flavor", _drop("spec.resource.flavor_id"), "ModelArts.2788", "spec.resource.flavor_id"),
    ("zero nodes", _set("spec.resource.node_count", 0), "ModelArts.2788", "spec.resource.node_count"),
    ("env key", _set("algorithm.environments", {"1BAD": "x"}), "ModelArts.2788", "algorithm.environments"),
    ("env reference", _set("algorithm.environments", {"A": "$HOME/x"}), "ModelArts.2788", "algorithm.environments"),
    ("env long value", _set("algorithm.environments", {"A": "v" * 4097}), "ModelArts.2788", None),
    ("env too many", _set("algorithm.environments", {f"K{i}": "v" for i in range(101)}), "ModelArts.2788", None),
    ("env not a map", _set("algorithm.environments", ["A=1"]), "ModelArts.2788", None),
    ("input obs path", _set("algorithm.inputs.0.remote", {"obs": {"obs_url": "s3://b/x/"}}), "ModelArts.2791", None),
    ("log path", _set("spec.log_export_path", {"obs_url": "/B/x/"}), "ModelArts.2791", None),
    ("input without remote", _drop("algorithm.inputs.0.remote"), "ModelArts.2788", None),
    (
        "dataset input",
        _set("algorithm.inputs.0.remote", {"dataset": {"id": "ds1", "version_id": "v1"}}),
        "ModelArts.2783",
        "Dataset (ID: ds1) not found.",
    ),
    ("output without name", _drop("algorithm.outputs.0.name"), "ModelArts.2788", None),
    (
        "auto_stop unit",
        _set("spec.auto_stop", {"time_unit": "DAYS", "duration": 1}),
        "ModelArts.2788",
        "spec.auto_stop",
    ),
    ("auto_stop duration", _set("spec.auto_stop", {"time_unit": "HOURS", "duration": 0}), "ModelArts.2788", None),
    ("local_code_dir", _set("algorithm.local_code_dir", "/home/ma-user/modelarts/code"), "ModelArts.2857", None),
    ("unknown input", _set("algorithm.inputs.0.name", "other_url"), "ModelArts.2814", None),
    (
        "repeated override",
        _set("algorithm.parameters", [{"name": "dist", "value": "True"}] * 2),
        "ModelArts.2767",
        None,
    ),
    ("override type", _set("algorithm.parameters", [{"name": "world_size", "value": "many"}]), "ModelArts.2768", None),
    (
        "duplicate channel",
        _set("algorithm.inputs", [copy.deepcopy(GUIDE_JOB["algorithm"]["inputs"][0])] * 2),
        "ModelArts.2753",
        None,
    ),
]


@pytest.mark.parametrize(("change", "code", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_jobs_get_the_documented_code(local_modelarts, algorithm, change, code, message):
    response = local_modelarts.call("POST", "/training-jobs", json=mutated(algorithm["metadata"]["id"], change))
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == code
    if message is not None:
        assert message in response.json()["error_msg"]


def test_malformed_json_is_2787(local_modelarts):
    response = local_modelarts.call("POST", "/training-jobs", data=b"[1, 2")
    assert error_of(response) == (400, "ModelArts.2787")
    not_an_object = local_modelarts.call("POST", "/training-jobs", json=[1, 2])
    assert error_of(not_an_object) == (400, "ModelArts.2787")


def test_checks_needing_state_come_in_the_documented_order(local_modelarts, algorithm):
    algorithm_id = algorithm["metadata"]["id"]
    # algorithm (2755) before flavor (2763)
    body = job_body(str(uuid.uuid4()), flavor_id="modelarts.vm.none")
    assert local_modelarts.call("POST", "/training-jobs", json=body).json() == {
        "error_code": "ModelArts.2755",
        "error_msg": "algorithm not found.",
    }
    # flavor (2763) before node count (2793)
    body = job_body(algorithm_id, flavor_id="modelarts.vm.none", node_count=99)
    assert local_modelarts.call("POST", "/training-jobs", json=body).json() == {
        "error_code": "ModelArts.2763",
        "error_msg": "The selected flavor is invalid.",
    }
    # node count (2793)
    body = job_body(algorithm_id, flavor_id="modelarts.vm.cpu.2u", node_count=2)
    assert local_modelarts.call("POST", "/training-jobs", json=body).json() == {
        "error_code": "ModelArts.2793",
        "error_msg": "The number of flavor instances (2) exceeds the maximum (1).",
    }
    # flavor (2763) before engine (2780) for an inline job; then the engine
    inline = inline_job_body(CODE, BOOT, engine={"engine_id": "no-such-engine"})
    inline["spec"]["resource"]["flavor_id"] = "modelarts.vm.none"
    assert error_of(local_modelarts.call("POST", "/training-jobs", json=inline)) == (400, "ModelArts.2763")
    inline["spec"]["resource"]["flavor_id"] = "modelarts.vm.cpu.8u"
    assert local_modelarts.call("POST", "/training-jobs", json=inline).json() == {
        "error_code": "ModelArts.2780",
        "error_msg": "AI engine(id:no-such-engine) not found.",
    }
    # engine before duplicate name (2751)
    name = unique("dup")
    create_job(local_modelarts, job_body(algorithm_id, name))
    again = inline_job_body(CODE, BOOT, name=name, engine={"engine_id": "no-such-engine"})
    assert error_of(local_modelarts.call("POST", "/training-jobs", json=again)) == (400, "ModelArts.2780")
    duplicate = local_modelarts.call("POST", "/training-jobs", json=job_body(algorithm_id, name))
    assert duplicate.json() == {"error_code": "ModelArts.2751", "error_msg": f"Duplicate training job (name {name})."}
    # inline code checks
    no_boot = inline_job_body(CODE, BOOT)
    del no_boot["algorithm"]["boot_file"]
    assert error_of(local_modelarts.call("POST", "/training-jobs", json=no_boot)) == (400, "ModelArts.2757")
    outside = inline_job_body(CODE, f"/{BUCKET}/elsewhere/train.py")
    assert error_of(local_modelarts.call("POST", "/training-jobs", json=outside)) == (400, "ModelArts.2758")


def test_pools_quota_and_a_failing_simulation(start_local_modelarts, tmp_path):
    server = start_local_modelarts(
        config={
            "pools": [{"pool_id": "pool-gpu", "flavor_type": "GPU", "max_node_count": 2}],
            "quotas": {"max_active_training_jobs": 1},
            "simulated": {
                **FAST_SIMULATED,
                "creating_seconds": 0.2,
                "pending_seconds": 0.2,
                "running_seconds": 0.2,
                "outcome": "Failed",
                "failure_exit_code": 3,
            },
        }
    )
    body = inline_job_body(CODE, BOOT)
    body["spec"]["resource"] = {"pool_id": "pool-nowhere", "flavor_id": "modelarts.pool.visual.xlarge"}
    missing_pool = server.call("POST", "/training-jobs", json=body)
    assert error_of(missing_pool) == (404, "ModelArts.2890")
    body["spec"]["resource"] = {"pool_id": "pool-gpu", "flavor_id": "modelarts.pool.visual.huge"}
    assert server.call("POST", "/training-jobs", json=body).json()["error_code"] == "ModelArts.2781"
    body["spec"]["resource"] = {"pool_id": "pool-gpu", "flavor_id": "modelarts.pool.visual.2xlarge", "node_count": 3}
    assert error_of(server.call("POST", "/training-jobs", json=body)) == (400, "ModelArts.2793")
    body["spec"]["resource"]["node_count"] = 2
    job = create_job(server, body)
    assert job["spec"]["resource"]["pool_id"] == "pool-gpu"
    assert job["spec"]["resource"]["flavor_detail"]["flavor_info"]["gpu"]["unit_num"] == 2

    second = inline_job_body(CODE, BOOT)
    quota = server.call("POST", "/training-jobs", json=second)
    assert quota.json() == {
        "error_code": "ModelArts.2815",
        "error_msg": "Exceed quota limit of resource(training job).",
    }

    failed = server.wait_for_phase(job["metadata"]["id"], "Failed", timeout=10)
    assert failed["status"]["secondary_phase"] == "Failed"
    assert failed["status"]["task_statuses"] == [{"task": "worker-0", "exit_code": 3, "message": "exited with code 3"}]
    assert failed["status"]["running_records"][0]["end_reason"] == "exit with 3"
    create_job(server, second)  # the failed job no longer counts against the quota


# --- the phase machine -----------------------------------------------------------------------------------


def test_phases_advance_on_a_real_clock(local_modelarts, algorithm):
    job = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))
    job_id = job["metadata"]["id"]
    created = job["metadata"]["create_time"]
    pending = local_modelarts.wait_for_phase(job_id, {"Pending", "Running", "Completed"})
    if pending["status"]["phase"] == "Pending":
        assert pending["status"]["secondary_phase"] == "Queuing"
        assert pending["status"]["start_time"] == 0
    running = local_modelarts.wait_for_phase(job_id, {"Running", "Completed"})
    status = running["status"]
    # Dated at their due time: created + 1 s (Pending) + 1 s (Running).
    assert status["start_time"] == created + 2000
    assert status["node_count_metrics"][:3] == [[created, 0], [created + 1000, 0], [created + 2000, 1]]
    assert status["running_records"][0]["start_at"] == (created + 2000) // 1000
    done = local_modelarts.wait_for_phase(job_id, "Completed")["status"]
    assert done["secondary_phase"] == "Completed"
    assert done["duration"] == 1000
    assert done["node_count_metrics"][-1] == [created + 3000, 0]
    assert done["running_records"][0]["end_at"] == (created + 3000) // 1000
    assert done["running_records"][0]["end_reason"] == "job completed"
    assert "task_statuses" not in done
    events = local_modelarts.call("GET", f"/training-jobs/{job_id}/events", params={"order": "asc"}).json()
    assert [e["message"].split(".")[0] for e in events["events"]] == [
        "Training job created",
        "Training job is queuing for resources",
        "Training job started running",
        "Training job completed",
    ]
    assert {e["source"] for e in events["events"]} == {"Job"}


def test_admin_outcome_forces_failed_and_abnormal(local_modelarts, algorithm):
    failing = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))["metadata"]["id"]
    response = local_modelarts.admin("POST", f"/jobs/{failing}/outcome", json={"phase": "Failed", "exit_code": 2})
    assert response.status_code == 200, response.text
    status = response.json()["status"]
    assert status["phase"] == "Failed"
    assert status["task_statuses"] == [{"task": "worker-0", "exit_code": 2, "message": "exited with code 2"}]
    assert status["start_time"] > 0
    again = local_modelarts.admin("POST", f"/jobs/{failing}/outcome", json={"phase": "Completed"})
    assert again.status_code == 409

    abnormal = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))["metadata"]["id"]
    status = local_modelarts.admin("POST", f"/jobs/{abnormal}/outcome", json={"phase": "Abnormal"}).json()["status"]
    assert (status["phase"], status["secondary_phase"]) == ("Abnormal", "CreateFailed")
    assert local_modelarts.call("GET", f"/training-jobs/{abnormal}").json()["status"]["phase"] == "Abnormal"
    no_secret = requests.post(
        f"{local_modelarts.url}/_local/jobs/{abnormal}/outcome", json={"phase": "Failed"}, timeout=10
    )
    assert no_secret.status_code == 403
    bad = local_modelarts.admin("POST", f"/jobs/{abnormal}/outcome", json={"phase": "Running"})
    assert error_of(bad) == (400, "ModelArts.2788")


def test_auto_stop_terminates_a_running_job(start_local_modelarts):
    server = start_local_modelarts(
        config={
            "auto_stop_hour_seconds": 0.5,
            "simulated": {
                "creating_seconds": 0.1,
                "pending_seconds": 0.1,
                "running_seconds": 60,
                "terminating_seconds": 0.1,
            },
        }
    )
    body = inline_job_body(CODE, BOOT)
    body["spec"]["auto_stop"] = {"time_unit": "HOURS", "duration": 1}
    job_id = create_job(server, body)["metadata"]["id"]
    stopped = server.wait_for_phase(job_id, "Terminated", timeout=10)
    assert 500 <= stopped["status"]["duration"] <= 1000
    messages = [e["message"] for e in server.call("GET", f"/training-jobs/{job_id}/events").json()["events"]]
    assert any("auto_stop" in m for m in messages)


# --- terminate, delete, update -------------------------------------------------------------------------------


def test_terminate_goes_through_terminating(local_modelarts, algorithm):
    job_id = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))["metadata"]["id"]
    bad = local_modelarts.call("POST", f"/training-jobs/{job_id}/actions", json={"action_type": "restart"})
    assert bad.json() == {"error_code": "ModelArts.2812", "error_msg": "Unsupported action type:restart"}
    response = local_modelarts.call("POST", f"/training-jobs/{job_id}/actions", json={"action_type": "terminate"})
    assert response.status_code == 202
    assert (response.json()["status"]["phase"], response.json()["status"]["secondary_phase"]) == (
        "Terminating",
        "Terminating",
    )
    assert response.json()["metadata"]["id"] == job_id
    done = local_modelarts.wait_for_phase(job_id, "Terminated")
    assert done["status"]["secondary_phase"] == "Terminated"
    again = local_modelarts.call("POST", f"/training-jobs/{job_id}/actions", json={"action_type": "terminate"})
    assert error_of(again) == (409, "ModelArts.2796")
    missing = local_modelarts.call("POST", f"/training-jobs/{uuid.uuid4()}/actions", json={"action_type": "terminate"})
    assert error_of(missing) == (400, "ModelArts.2775")


def test_delete_lingers_then_the_job_is_gone(local_modelarts, algorithm):
    job_id = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))["metadata"]["id"]
    local_modelarts.wait_for_phase(job_id, "Running")
    response = local_modelarts.call("DELETE", f"/training-jobs/{job_id}")
    assert response.status_code == 202 and response.content == b""
    # Still visible for a moment (being terminated first, since it was running).
    visible = local_modelarts.call("GET", f"/training-jobs/{job_id}")
    assert visible.status_code == 200
    assert visible.json()["status"]["phase"] in ("Terminating", "Terminated")
    assert local_modelarts.call("DELETE", f"/training-jobs/{job_id}").status_code == 202
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        gone = local_modelarts.call("GET", f"/training-jobs/{job_id}")
        if gone.status_code == 400:
            break
        time.sleep(0.1)
    assert gone.json() == {"error_code": "ModelArts.2775", "error_msg": f"Training job (ID: {job_id}) not found."}
    assert error_of(local_modelarts.call("DELETE", f"/training-jobs/{job_id}")) == (400, "ModelArts.2775")


def test_put_changes_only_the_description(local_modelarts, algorithm):
    job_id = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))["metadata"]["id"]
    response = local_modelarts.call("PUT", f"/training-jobs/{job_id}", json={"description": "better words"})
    assert response.status_code == 200 and response.content == b""
    assert local_modelarts.call("GET", f"/training-jobs/{job_id}").json()["metadata"]["description"] == "better words"
    too_long = local_modelarts.call("PUT", f"/training-jobs/{job_id}", json={"description": "x" * 257})
    assert error_of(too_long) == (400, "ModelArts.2788")
    missing = local_modelarts.call("PUT", f"/training-jobs/{uuid.uuid4()}", json={"description": "x"})
    assert error_of(missing) == (400, "ModelArts.2775")


# --- search ---------------------------------------------------------------------------------------------------


def test_search_filters_sorts_and_pages(local_modelarts, algorithm):
    tag = uuid.uuid4().hex[:8]
    ids = [
        create_job(local_modelarts, job_body(algorithm["metadata"]["id"], f"search-{tag}-{i}"))["metadata"]["id"]
        for i in range(3)
    ]
    by_name = {"key": "name", "operator": "like", "value": [tag]}
    result = local_modelarts.call(
        "POST", "/training-job-searches", json={"limit": 2, "offset": 0, "order": "asc", "filters": [by_name]}
    ).json()
    assert (result["count"], result["limit"], result["offset"], result["order"]) == (3, 2, 0, "asc")
    assert result["total"] >= 3
    assert (result["workspace_id"], result["ai_project"]) == ("0", "default-ai-project")
    assert [j["metadata"]["id"] for j in result["items"]] == ids[:2]
    page2 = local_modelarts.call(
        "POST", "/training-job-searches", json={"limit": 2, "offset": 1, "order": "asc", "filters": [by_name]}
    ).json()
    assert [j["metadata"]["id"] for j in page2["items"]] == ids[2:]
    local_modelarts.admin("POST", f"/jobs/{ids[1]}/outcome", json={"phase": "Failed"})
    failed = local_modelarts.call(
        "POST",
        "/training-job-searches",
        json={"filters": [by_name, {"key": "phase", "operator": "in", "value": ["Failed"]}]},
    ).json()
    assert [j["metadata"]["id"] for j in failed["items"]] == [ids[1]]
    created = [j["metadata"]["create_time"] for j in result["items"]]
    window = {"key": "create_time", "operator": "between", "value": [str(created[0]), str(created[0])]}
    assert [
        j["metadata"]["id"]
        for j in local_modelarts.call("POST", "/training-job-searches", json={"filters": [by_name, window]}).json()[
            "items"
        ]
    ] == [ids[0]]
    algorithm_name = {"key": "algorithm_name", "operator": "like", "value": [algorithm["metadata"]["name"]]}
    kind = {"key": "kind", "operator": "in", "value": ["job"]}
    assert (
        local_modelarts.call(
            "POST", "/training-job-searches", json={"filters": [by_name, algorithm_name, kind]}
        ).json()["count"]
        == 3
    )
    by_name_desc = local_modelarts.call(
        "POST", "/training-job-searches", json={"sort_by": "name", "order": "desc", "filters": [by_name]}
    ).json()
    assert [j["metadata"]["name"] for j in by_name_desc["items"]] == [f"search-{tag}-{i}" for i in (2, 1, 0)]


def test_search_sees_phases_nobody_read_and_sorts_by_phase_and_duration(start_local_modelarts):
    # The ticker does not come round during the test: only the search itself can move the jobs on.
    phases = {"creating_seconds": 0.2, "pending_seconds": 0.2, "running_seconds": 60, "terminating_seconds": 60}
    server = start_local_modelarts(config={"tick_seconds": 600, "simulated": phases})
    tag = uuid.uuid4().hex[:8]
    running, completed, terminating = (
        create_job(server, inline_job_body(CODE, BOOT, f"phases-{tag}-{i}"))["metadata"]["id"] for i in range(3)
    )
    server.admin("POST", f"/jobs/{completed}/outcome", json={"phase": "Completed"})
    server.call("POST", f"/training-jobs/{terminating}/actions", json={"action_type": "terminate"})
    other_workspace = inline_job_body(CODE, BOOT, f"phases-{tag}-elsewhere")
    other_workspace["metadata"]["workspace_id"] = f"ws-{tag}"
    elsewhere = create_job(server, other_workspace)["metadata"]["id"]
    time.sleep(0.6)  # `running` is due to run by now; nobody has read it

    def search(**body: Any) -> list[str]:
        filters = [{"key": "name", "operator": "like", "value": [tag.upper()]}, *body.pop("filters", [])]
        found = server.call("POST", "/training-job-searches", json={"filters": filters, **body}).json()
        return [item["metadata"]["id"] for item in found["items"]]

    by_name = server.call(
        "POST", "/training-job-searches", json={"filters": [{"key": "name", "operator": "like", "value": [tag]}]}
    ).json()
    assert {j["metadata"]["id"]: j["status"]["phase"] for j in by_name["items"]}[running] == "Running"
    assert search(filters=[{"key": "phase", "operator": "in", "value": ["Running"]}]) == [running]
    assert sorted(search(filters=[{"key": "phase", "operator": "not", "value": ["Running"]}])) == sorted(
        [completed, terminating]
    )
    assert search(sort_by="phase", order="asc") == [completed, running, terminating]
    assert search(sort_by="duration", order="desc")[0] == running
    assert search(workspace_id=f"ws-{tag}") == [elsewhere]
    total = server.call("POST", "/training-job-searches", json={"workspace_id": f"ws-{tag}"}).json()["total"]
    assert total == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"filters": [{"key": "owner", "operator": "in", "value": ["x"]}]}, "ModelArts.2807"),
        ({"filters": [{"key": "name", "operator": "in", "value": ["x"]}]}, "ModelArts.2808"),
        ({"filters": [{"key": "phase", "operator": "in", "value": ["Sleeping"]}]}, "ModelArts.2809"),
        ({"filters": [{"key": "create_time", "operator": "between", "value": ["a", "b"]}]}, "ModelArts.2809"),
        ({"sort_by": "flavor"}, "ModelArts.2790"),
        ({"limit": 0}, "ModelArts.2788"),
        ({"limit": 51}, "ModelArts.2788"),
    ],
)
def test_search_rejects_what_it_does_not_support(local_modelarts, body, code):
    assert error_of(local_modelarts.call("POST", "/training-job-searches", json=body)) == (400, code)


# --- tasks, logs, metrics, events ------------------------------------------------------------------------------


def test_nothing_to_fetch_before_the_job_runs(local_modelarts, algorithm):
    job_id = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))["metadata"]["id"]
    assert local_modelarts.call("GET", f"/training-jobs/{job_id}/tasks").json() == []
    for path, code in (
        ("/tasks/worker-0/logs/url", "ModelArts.2776"),
        ("/tasks/worker-0/logs/preview", "ModelArts.2776"),
        ("/metrics/worker-0", "ModelArts.2777"),
    ):
        response = local_modelarts.call("GET", f"/training-jobs/{job_id}{path}")
        assert response.status_code == 204, path
        assert response.content == b""
        assert response.headers["X-Error-Code"] == code
    unknown = local_modelarts.call("GET", f"/training-jobs/{job_id}/tasks/worker-7/logs/url")
    assert error_of(unknown) == (400, "ModelArts.2788")
    assert error_of(local_modelarts.call("GET", f"/training-jobs/{job_id}/metrics/worker-7")) == (400, "ModelArts.2788")
    missing = local_modelarts.call("GET", f"/training-jobs/{uuid.uuid4()}/tasks")
    assert error_of(missing) == (400, "ModelArts.2775")


def test_tasks_logs_metrics_of_a_running_job(local_modelarts, algorithm):
    job = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))
    job_id = job["metadata"]["id"]
    local_modelarts.wait_for_phase(job_id, {"Running", "Completed"})
    assert local_modelarts.call("GET", f"/training-jobs/{job_id}/tasks").json() == [
        {"task": "worker-0", "ip": "127.0.0.1", "host_ip": "127.0.0.1", "schedule_count": 0}
    ]
    # The log goes to log_export_path, named as ModelArts names it.
    log_file = (
        local_modelarts.data_dir / "obs" / BUCKET / "pytorch/fast_example/log" / f"modelarts-job-{job_id}-worker-0.log"
    )
    assert log_file.is_file()

    preview = local_modelarts.call(
        "GET", f"/training-jobs/{job_id}/tasks/worker-0/logs/url", headers={"Content-Type": "text/plain"}
    ).json()["obs_url"]
    parts = urlsplit(preview)
    assert f"{parts.scheme}://{parts.netloc}" == local_modelarts.url
    assert parts.path.endswith(f"modelarts-job-{job_id}-worker-0.log")
    assert set(parse_qs(parts.query)) >= {"AccessKeyId", "Expires", "Signature"}
    assert 290 <= int(parse_qs(parts.query)["Expires"][0]) - time.time() <= 301
    fetched = requests.get(preview, timeout=10)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"].startswith("text/plain")
    assert fetched.text == log_file.read_text()
    assert "started on worker-0" in fetched.text

    for kwargs in (
        {"headers": {"Content-Type": "application/octet-stream"}},
        {"params": {"Content-Type": "application/octet-stream"}},
    ):
        download = local_modelarts.call("GET", f"/training-jobs/{job_id}/tasks/worker-0/logs/url", **kwargs).json()
        got = requests.get(download["obs_url"], timeout=10)
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith("attachment")
    tampered = preview.replace("Signature=", "Signature=AA")
    assert requests.get(tampered, timeout=10).status_code == 403
    unsigned = requests.get(preview.split("?")[0], timeout=10)
    assert unsigned.status_code == 403 and b"<Error>" in unsigned.content

    text = local_modelarts.call("GET", f"/training-jobs/{job_id}/tasks/worker-0/logs/preview").json()
    assert text["content"] == log_file.read_text()
    assert text["current_size"] == text["full_size"] == log_file.stat().st_size

    metrics = local_modelarts.call("GET", f"/training-jobs/{job_id}/metrics/worker-0").json()["metrics"]
    assert [m["metric"] for m in metrics] == [
        "cpuUsage",
        "memUsage",
        "gpuUtil",
        "gpuMemUsage",
        "npuUtil",
        "npuMemUsage",
    ]
    series = {m["metric"]: m["value"] for m in metrics}
    assert len(series["cpuUsage"]) == 1 and series["cpuUsage"][0] >= 0
    assert series["gpuUtil"] == series["npuUtil"] == [-1]


def test_gpu_flavors_report_gpu_metrics(local_modelarts):
    body = inline_job_body(CODE, BOOT)
    body["spec"]["resource"]["flavor_id"] = "modelarts.p3.large.public.free"
    job_id = create_job(local_modelarts, body)["metadata"]["id"]
    local_modelarts.admin("POST", f"/jobs/{job_id}/outcome", json={"phase": "Completed"})
    series = {
        m["metric"]: m["value"]
        for m in local_modelarts.call("GET", f"/training-jobs/{job_id}/metrics/worker-0").json()["metrics"]
    }
    assert series["gpuUtil"][0] >= 0 and series["npuUtil"] == [-1]


def test_a_link_in_the_log_folder_does_not_lead_the_log_outside_its_bucket(local_modelarts, tmp_path):
    body = inline_job_body(CODE, BOOT)
    body["spec"]["log_export_path"] = {"obs_url": f"/{BUCKET}/linked-logs/"}
    job_id = create_job(local_modelarts, body)["metadata"]["id"]
    folder = local_modelarts.data_dir / "obs" / BUCKET / "linked-logs"
    folder.mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "outside.log"
    outside.write_text("untouched\n")
    (folder / f"modelarts-job-{job_id}-worker-0.log").symlink_to(outside)  # before the job starts writing
    local_modelarts.admin("POST", f"/jobs/{job_id}/outcome", json={"phase": "Completed"})
    assert local_modelarts.call("GET", f"/training-jobs/{job_id}").json()["status"]["phase"] == "Completed"
    assert outside.read_text() == "untouched\n"


def test_log_urls_expire_and_previews_keep_the_newest_part(start_local_modelarts):
    server = start_local_modelarts(config={"log_url_expiry_seconds": 1, "log_preview_max_bytes": 40})
    job_id = create_job(server, inline_job_body(CODE, BOOT))["metadata"]["id"]
    server.admin("POST", f"/jobs/{job_id}/outcome", json={"phase": "Completed"})
    url = server.call("GET", f"/training-jobs/{job_id}/tasks/worker-0/logs/url").json()["obs_url"]
    assert requests.get(url, timeout=10).status_code == 200
    preview = server.call("GET", f"/training-jobs/{job_id}/tasks/worker-0/logs/preview").json()
    full = requests.get(url, timeout=10).content
    assert preview["current_size"] == 40 and preview["full_size"] == len(full)
    assert preview["content"].encode() == full[-40:]
    time.sleep(2.1)
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403
    assert b"<Code>RequestTimeTooSkewed</Code><Message>Request has expired.</Message>" in expired.content


def test_events_filter_and_validate(local_modelarts, algorithm):
    job_id = create_job(local_modelarts, job_body(algorithm["metadata"]["id"]))["metadata"]["id"]
    local_modelarts.admin("POST", f"/jobs/{job_id}/outcome", json={"phase": "Failed"})
    events = local_modelarts.call("GET", f"/training-jobs/{job_id}/events").json()
    assert events["total"] == 4 and (events["limit"], events["offset"], events["order"]) == (50, 0, "desc")
    assert events["events"][0]["level"] == "Error" and events["events"][0]["message"].startswith("Training job failed")
    assert events["start_time"] and events["end_time"]
    errors_only = local_modelarts.call("GET", f"/training-jobs/{job_id}/events", params={"level": "Error"}).json()
    assert errors_only["total"] == 1
    pattern = local_modelarts.call("GET", f"/training-jobs/{job_id}/events", params={"pattern": "QUEUING"}).json()
    assert pattern["total"] == 1
    page = local_modelarts.call("GET", f"/training-jobs/{job_id}/events", params={"limit": 3, "offset": 1}).json()
    assert len(page["events"]) == 1
    for params in ({"limit": 0}, {"limit": 101}, {"start_time": "1"}, {"level": "Debug"}, {"order": "sideways"}):
        assert error_of(local_modelarts.call("GET", f"/training-jobs/{job_id}/events", params=params)) == (
            400,
            "ModelArts.2764",
        )
