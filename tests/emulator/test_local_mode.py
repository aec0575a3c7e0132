"""Local mode: jobs really run as local processes (through modelarts_local.runner), with OBS paths mapped
to folders (``--bucket NAME=DIR``)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped, unused-ignore]
import pytest

from tests.support.bodies import PYTORCH, unique
from tests.support.server import FAST_LOCAL, LocalModelArts

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BUCKET = "demo-bucket"


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    """A bucket folder holding the example training code, the data and two test scripts."""
    folder = tmp_path / "bucket"
    shutil.copytree(EXAMPLES / "bucket" / "code", folder / "code")
    shutil.copytree(EXAMPLES / "bucket" / "data", folder / "data")
    shutil.copy(EXAMPLES / "scripts" / "sleep.py", folder / "code" / "sleep.py")
    shutil.copy(EXAMPLES / "scripts" / "fail.py", folder / "code" / "fail.py")
    return folder


@pytest.fixture
def local_server(start_local_modelarts, bucket: Path) -> LocalModelArts:
    server: LocalModelArts = start_local_modelarts(
        mode="local", config={"local": FAST_LOCAL, "delete_linger_seconds": 0.5}, buckets={BUCKET: bucket}
    )
    return server


def job(
    boot: str,
    *,
    name: str | None = None,
    node_count: int = 1,
    parameters: list[dict[str, str]] | None = None,
    **algorithm: Any,
) -> dict[str, Any]:
    return {
        "kind": "job",
        "metadata": {"name": name or unique("local")},
        "algorithm": {
            "code_dir": f"/{BUCKET}/code/",
            "boot_file": f"/{BUCKET}/code/{boot}",
            "engine": {"engine_name": "PyTorch", "engine_version": PYTORCH},
            "parameters": parameters or [],
            "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": f"obs://{BUCKET}/data/"}}}],
            "outputs": [
                {"name": "train_url", "remote": {"obs": {"obs_url": f"obs://{BUCKET}/outputs/{name or 'out'}/"}}}
            ],
            **algorithm,
        },
        "spec": {
            "resource": {"flavor_id": "modelarts.vm.cpu.8u", "node_count": node_count},
            "log_export_path": {"obs_url": f"/{BUCKET}/logs/"},
        },
    }


def create(server: LocalModelArts, body: dict[str, Any]) -> str:
    response = server.call("POST", "/training-jobs", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["metadata"]["id"])


def pids_of(server: LocalModelArts, job_id: str) -> list[int]:
    state = json.loads((server.data_dir / "runner" / f"{job_id}.json").read_text())
    return [task["pid"] for task in state["tasks"] if task["pid"]]


def alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def test_a_job_runs_the_boot_file_with_its_channels_and_completes(local_server: LocalModelArts, bucket: Path):
    """The guide's flow (algorithm, then a job that references it), really executed."""
    algorithm = local_server.call(
        "POST",
        "/algorithms",
        json={
            "metadata": {"name": unique("local-alg")},
            "job_config": {
                "code_dir": f"/{BUCKET}/code/",
                "boot_file": f"/{BUCKET}/code/train.py",
                "engine": {"engine_name": "PyTorch", "engine_version": PYTORCH},
                "inputs": [{"name": "data_url"}],
                "outputs": [{"name": "train_url"}],
                "parameters": [
                    {"name": "epochs", "value": "2", "constraint": {"type": "Integer"}},
                    {"name": "lr", "value": "0.5", "constraint": {"type": "Float"}},
                ],
            },
        },
    )
    assert algorithm.status_code == 201, algorithm.text
    assert algorithm.json()["job_config"]["code_tree"]["name"] == "code/"
    name = unique("train")
    body = job("train.py", name=name, parameters=[{"name": "epochs", "value": "3"}], environments={"MY_SETTING": "on"})
    for key in ("code_dir", "boot_file", "engine"):
        del body["algorithm"][key]
    body["algorithm"]["id"] = algorithm.json()["metadata"]["id"]
    job_id = create(local_server, body)
    done = local_server.wait_for_phase(job_id, {"Completed", "Failed", "Abnormal"}, timeout=30)
    log = (bucket / "logs" / f"modelarts-job-{job_id}-worker-0.log").read_text()
    assert done["status"]["phase"] == "Completed", log
    assert "epoch 3/3" in log
    model = json.loads((bucket / "outputs" / name / "model.json").read_text())
    assert model["epochs"] == 3
    status = done["status"]
    assert status["start_time"] > 0 and status["duration"] > 0
    assert status["running_records"][0]["end_reason"] == "job completed"
    metrics = {
        m["metric"]: m["value"]
        for m in local_server.call("GET", f"/training-jobs/{job_id}/metrics/worker-0").json()["metrics"]
    }
    assert metrics["cpuUsage"][0] >= 0, metrics  # at least one real sample
    assert metrics["gpuUtil"] == [-1] * len(metrics["gpuUtil"])
    preview = local_server.call("GET", f"/training-jobs/{job_id}/tasks/worker-0/logs/preview").json()
    assert preview["content"] == log


def test_a_distributed_job_runs_every_rank(local_server: LocalModelArts, bucket: Path):
    name = unique("dist")
    job_id = create(
        local_server, job("train.py", name=name, node_count=2, parameters=[{"name": "epochs", "value": "2"}])
    )
    done = local_server.wait_for_phase(job_id, {"Completed", "Failed", "Abnormal"}, timeout=30)
    logs = [(bucket / "logs" / f"modelarts-job-{job_id}-worker-{rank}.log").read_text() for rank in (0, 1)]
    assert done["status"]["phase"] == "Completed", logs
    assert done["status"]["tasks"] == ["worker-0", "worker-1"]
    assert all("rendezvous with 2 ranks" in text for text in logs)


def test_a_failing_process_fails_the_job_with_task_statuses(local_server: LocalModelArts):
    job_id = create(local_server, job("fail.py"))
    done = local_server.wait_for_phase(job_id, {"Completed", "Failed", "Abnormal"}, timeout=30)
    status = done["status"]
    assert status["phase"] == "Failed"
    assert status["task_statuses"] == [{"task": "worker-0", "exit_code": 3, "message": "exited with code 3"}]
    assert status["running_records"][0]["end_reason"] == "exit with 3"


def test_a_missing_boot_file_makes_the_job_abnormal(local_server: LocalModelArts):
    job_id = create(local_server, job("missing.py"))
    done = local_server.wait_for_phase(job_id, {"Running", "Completed", "Failed", "Abnormal"}, timeout=30)
    assert (done["status"]["phase"], done["status"]["secondary_phase"]) == ("Abnormal", "CreateFailed")
    events = local_server.call("GET", f"/training-jobs/{job_id}/events").json()["events"]
    assert "missing.py" in events[0]["message"]


def test_terminate_and_delete_stop_the_processes(local_server: LocalModelArts, bucket: Path):
    terminated = create(local_server, job("sleep.py", parameters=[{"name": "seconds", "value": "60"}]))
    deleted = create(
        local_server,
        job("sleep.py", parameters=[{"name": "seconds", "value": "60"}, {"name": "spawn_child", "value": "x"}]),
    )
    for job_id in (terminated, deleted):
        local_server.wait_for_phase(job_id, "Running", timeout=30)
    pids = pids_of(local_server, terminated) + pids_of(local_server, deleted)
    assert all(alive(pid) for pid in pids)

    response = local_server.call("POST", f"/training-jobs/{terminated}/actions", json={"action_type": "terminate"})
    assert response.json()["status"]["phase"] == "Terminating"
    assert local_server.call("DELETE", f"/training-jobs/{deleted}").status_code == 202

    done = local_server.wait_for_phase(terminated, "Terminated", timeout=30)
    assert done["status"]["task_statuses"][0]["exit_code"] == 143  # SIGTERM, as a shell reports it
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if local_server.call("GET", f"/training-jobs/{deleted}").status_code == 400:
            break
        time.sleep(0.1)
    assert local_server.call("GET", f"/training-jobs/{deleted}").json()["error_code"] == "ModelArts.2775"
    assert not any(alive(pid) for pid in pids)
    # The job's exported log stays (it is user data in the user's bucket).
    assert (bucket / "logs" / f"modelarts-job-{deleted}-worker-0.log").is_file()


def test_jobs_survive_a_server_restart(local_server: LocalModelArts):
    """Processes outlive the server; the next server picks them up, and says honestly what it knows."""
    short = create(local_server, job("sleep.py", parameters=[{"name": "seconds", "value": "2"}]))
    long = create(local_server, job("sleep.py", parameters=[{"name": "seconds", "value": "60"}]))
    for job_id in (short, long):
        local_server.wait_for_phase(job_id, "Running", timeout=30)
    long_pids = pids_of(local_server, long)

    local_server.restart(kill=True)  # a crash: no shutdown code runs
    assert all(alive(pid) for pid in long_pids)
    assert local_server.call("GET", f"/training-jobs/{long}").json()["status"]["phase"] == "Running"

    # The short job ended while no server was its parent: its exit status is unknown.
    lost = local_server.wait_for_phase(short, {"Completed", "Failed", "Abnormal"}, timeout=30)["status"]
    assert (lost["phase"], lost["secondary_phase"]) == ("Abnormal", "Lost")
    assert lost["task_statuses"][0]["exit_code"] == -1

    # The re-adopted long job can still be terminated.
    local_server.call("POST", f"/training-jobs/{long}/actions", json={"action_type": "terminate"})
    local_server.wait_for_phase(long, "Terminated", timeout=30)
    assert not any(alive(pid) for pid in long_pids)


def test_stop_jobs_on_shutdown_terminates_them_cleanly(start_local_modelarts, bucket: Path):
    server: LocalModelArts = start_local_modelarts(
        mode="local", config={"local": {**FAST_LOCAL, "stop_jobs_on_shutdown": True}}, buckets={BUCKET: bucket}
    )
    job_id = create(server, job("sleep.py", parameters=[{"name": "seconds", "value": "60"}]))
    server.wait_for_phase(job_id, "Running", timeout=30)
    pids = pids_of(server, job_id)
    assert server.stop() == 0
    assert not any(alive(pid) for pid in pids)
    server.restart()
    status = server.call("GET", f"/training-jobs/{job_id}").json()["status"]
    assert status["phase"] == "Terminated"
    events = server.call("GET", f"/training-jobs/{job_id}/events").json()["events"]
    assert any("shutting down" in e["message"] for e in events)
