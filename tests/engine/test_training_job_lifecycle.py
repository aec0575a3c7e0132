"""The TrainingJob resource through the real Pulumi CLI against the local ModelArts."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.engine.stack import job_gone, make_project, server_client, steps
from tests.support.programs import Program, code

pytestmark = pytest.mark.pulumi_cli

REPO = Path(__file__).resolve().parents[2]

PROGRAM = (
    Program(bucket=code('config.get("bucket") or "engine-bucket"'))
    .algorithm(
        boot_file=code('f"/{bucket}/code/" + (config.get("bootFile") or "train.py")'),
        parameters=[
            {"name": "dist", "value": "False", "type": "Boolean"},
            {"name": "world_size", "value": "1", "type": "Integer"},
            {"name": "epochs", "value": "5", "type": "Integer"},
        ],
    )
    .training_job(
        name=code('config.get("jobName")'),
        description=code('config.get("description") or "first"'),
        hyperparameters={"dist": False, "world_size": 1, "epochs": code('int(config.get("epochs") or 5)')},
        node_count=code('int(config.get("nodeCount") or 1)'),
        wait_for=code('config.get("waitFor") or "submitted"'),
        wait_timeout=code('int(config.get("waitTimeout") or 120)'),
    )
    .export(algorithm_id="algorithm.algorithm_id")
    .export(**{name: f"job.{name}" for name in ("job_id", "phase", "tasks", "exit_code", "log_url", "log_path")})
    .export(**{name: f"job.{name}" for name in ("console_url", "metrics", "output_urls")})
    .text()
)


def job_ids(server: Any) -> list[str]:
    return sorted(job.metadata.id for job in server_client(server).search_training_jobs())


def bucket_copy(tmp_path: Path) -> Path:
    """A private copy of the example bucket (code, data) for a local-mode server."""
    bucket = tmp_path / "bucket"
    shutil.copytree(REPO / "examples" / "bucket" / "code", bucket / "code")
    shutil.copytree(REPO / "examples" / "bucket" / "data", bucket / "data")
    shutil.copy(REPO / "examples" / "scripts" / "fail.py", bucket / "code" / "fail.py")
    shutil.copy(REPO / "examples" / "scripts" / "sleep.py", bucket / "code" / "sleep.py")
    return bucket


@pytest.fixture
def local_run_server(tmp_path: Path, start_local_modelarts: Any) -> tuple[Any, Path]:
    """A local-mode server (jobs really run) whose bucket `engine-bucket` is a temp copy of the example."""
    bucket = bucket_copy(tmp_path)
    return start_local_modelarts(mode="local", buckets={"engine-bucket": bucket}), bucket


def test_wait_for_completed_really_trains_and_exports_status(tmp_path: Path, local_run_server: Any) -> None:
    server, bucket = local_run_server
    project = make_project(tmp_path / "p", server, PROGRAM, config={"waitFor": "completed"})
    result = project.up(timeout=240)
    outputs = project.outputs()
    assert outputs["phase"] == "Completed"
    assert outputs["exit_code"] == 0
    assert outputs["tasks"] == [{"task": "worker-0", "exit_code": 0, "message": outputs["tasks"][0]["message"]}]
    assert outputs["output_urls"] == {"train_url": "/engine-bucket/outputs/"}
    assert outputs["log_path"] == "/engine-bucket/logs/"
    assert outputs["console_url"].startswith("https://console.huaweicloud.com/modelarts/")
    assert outputs["job_id"] in outputs["console_url"]
    assert "cpuUsage" in (outputs["metrics"] or {})
    assert outputs["log_url"] == "[secret]"
    assert project.outputs(show_secrets=True)["log_url"].startswith(server.url)
    # Progress is visible while `up` waits.
    assert "Completed" in result.output
    model_files = list((bucket / "outputs").glob("*"))
    assert model_files, "the training script writes its model into the output folder"
    assert json.loads(model_files[0].read_text())
    # Quiet after completion: a refresh changes nothing and the next preview is empty.
    project.run("refresh", "--yes", "--skip-preview")
    assert steps(project.preview_json()) == {}
    project.destroy()
    assert job_ids(server) == []


def test_failing_boot_file_fails_up_with_the_log_tail_and_leaves_nothing(tmp_path: Path, local_run_server: Any) -> None:
    server, _bucket = local_run_server
    project = make_project(tmp_path / "p", server, PROGRAM, config={"waitFor": "completed", "bootFile": "fail.py"})
    result = project.run("up", "--yes", "--skip-preview", check=False, timeout=240)
    assert result.returncode != 0
    assert "Failed" in result.output
    assert "exit code 3" in result.output
    assert "last lines of the log" in result.output
    assert job_ids(server) == []
    assert not [r for r in project.resources() if r["type"].endswith("TrainingJob")]
    project.destroy()


def test_description_updates_in_place_and_hyperparameters_replace(tmp_path: Path, local_modelarts: Any) -> None:
    project = make_project(tmp_path / "p", local_modelarts, PROGRAM, config={"jobName": "engine-job-named"})
    project.up()
    first = project.outputs()["job_id"]

    project.set_config("description", "second")
    assert steps(project.preview_json())["job"] == "update"
    project.up()
    assert project.outputs()["job_id"] == first
    assert server_client(local_modelarts).get_training_job(first).metadata.description == "second"

    project.set_config("epochs", "7")
    assert steps(project.preview_json())["job"] == "replace"
    result = project.up()
    second = project.outputs()["job_id"]
    # Explicit name: the old job is deleted before the new one is submitted (the names would collide).
    assert result.output.index(f"({first}") < result.output.index(f"submitted as {second}")
    assert second != first
    assert job_gone(local_modelarts, first)
    params = server_client(local_modelarts).get_training_job(second).algorithm.parameters  # type: ignore[union-attr]
    assert {p.name: p.value for p in params or []}["epochs"] == "7"
    project.destroy()
    assert job_gone(local_modelarts, second)


def test_refresh_drops_a_job_deleted_behind_pulumis_back(tmp_path: Path, local_modelarts: Any) -> None:
    project = make_project(tmp_path / "p", local_modelarts, PROGRAM)
    project.up()
    job_id = project.outputs()["job_id"]
    client = server_client(local_modelarts)
    client.terminate_training_job(job_id)
    client.delete_training_job(job_id)
    for _ in range(100):
        if job_gone(local_modelarts, job_id):
            break
        time.sleep(0.2)
    project.run("refresh", "--yes", "--skip-preview")
    assert not [r for r in project.resources() if r["type"].endswith("TrainingJob")]
    assert steps(project.preview_json())["job"] == "create"
    project.destroy()


def test_destroy_terminates_a_running_job_and_leaves_the_server_empty(tmp_path: Path, local_run_server: Any) -> None:
    server, _bucket = local_run_server
    project = make_project(tmp_path / "p", server, PROGRAM, config={"waitFor": "running", "bootFile": "sleep.py"})
    project.up(timeout=240)
    job_id = project.outputs()["job_id"]
    assert server_client(server).get_training_job(job_id).phase == "Running"
    project.destroy(timeout=240)
    assert job_gone(server, job_id)
    assert job_ids(server) == []


def test_preview_with_the_algorithm_id_unknown(tmp_path: Path, local_modelarts: Any) -> None:
    before = job_ids(local_modelarts)
    project = make_project(tmp_path / "p", local_modelarts, PROGRAM)
    assert steps(project.preview_json()) == {"algo": "create", "job": "create"}
    assert job_ids(local_modelarts) == before
