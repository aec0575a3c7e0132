"""The server as a program: command line, readiness, clean SIGTERM, restarts, routing errors, admin API."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.bodies import algorithm_body, inline_job_body, put_code, unique
from tests.support.server import LocalModelArts

CODE = "/restart-bucket/code/"


def test_health_needs_no_auth_and_state_needs_the_admin_secret(local_modelarts: LocalModelArts):
    health = requests.get(f"{local_modelarts.url}/_local/health", timeout=10)
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["mode"] == "simulated"
    assert requests.get(f"{local_modelarts.url}/_local/state", timeout=10).status_code == 403
    wrong = requests.get(f"{local_modelarts.url}/_local/state", headers={"X-Local-Admin-Secret": "x"}, timeout=10)
    assert wrong.status_code == 403
    state = local_modelarts.admin("GET", "/state").json()
    assert state["mode"] == "simulated"
    assert {"algorithms", "training_jobs", "tokens"} <= set(state)
    assert state["training_jobs"]["total"] == sum(state["training_jobs"]["by_phase"].values())


def test_unknown_paths_and_methods(local_modelarts: LocalModelArts):
    unknown = local_modelarts.call("GET", "/training-jobs/x/unknown-thing")
    assert unknown.status_code == 404
    assert unknown.json()["error_code"] == "ModelArts.2836"
    wrong_method = local_modelarts.call("PATCH", "/algorithms")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error_code"] == "ModelArts.2803"
    trailing = local_modelarts.call("GET", "/training-job-flavors/")
    assert trailing.status_code == 404  # no redirect
    iam = requests.get(f"{local_modelarts.url}/v3/nothing", timeout=10)
    assert iam.status_code == 404 and iam.json()["error"]["code"] == 404


def test_any_content_type_is_accepted_on_any_method(local_modelarts: LocalModelArts):
    for content_type in ("application/json;charset=UTF-8", "text/plain", "application/octet-stream", ""):
        headers = {"Content-Type": content_type} if content_type else {}
        assert local_modelarts.call("GET", "/training-job-engines", headers=headers).status_code == 200
        body = json.dumps(algorithm_body()).encode()
        assert local_modelarts.call("POST", "/algorithms", data=body, headers=headers).status_code == 201


def test_bad_configuration_exits_2_with_a_message(tmp_path: Path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"mode": "local", "tick_secs": 1}))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "modelarts_local",
            "serve",
            "--data-dir",
            str(tmp_path / "data"),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "tick_secs" in result.stderr
    bucket = subprocess.run(
        [sys.executable, "-m", "modelarts_local", "serve", "--data-dir", str(tmp_path / "data"), "--bucket", "nodir"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bucket.returncode == 2 and "NAME=DIR" in bucket.stderr


def test_restart_keeps_everything_acknowledged(start_local_modelarts):
    server: LocalModelArts = start_local_modelarts(
        config={"simulated": {"creating_seconds": 0.5, "pending_seconds": 0.5, "running_seconds": 1.5}}
    )
    assert (server.data_dir / "server.json").is_file()
    put_code(server.data_dir, CODE, {"train.py": "print(1)\n"})
    token = server.new_token()
    algorithm = server.call("POST", "/algorithms", json=algorithm_body(code_dir=CODE, boot_file=CODE + "train.py"))
    algorithm_id = algorithm.json()["metadata"]["id"]
    job_id = server.call("POST", "/training-jobs", json=inline_job_body(CODE, CODE + "train.py")).json()["metadata"][
        "id"
    ]
    running = server.wait_for_phase(job_id, "Running", timeout=10)
    secret = server.admin_secret

    assert server.stop() == 0  # SIGTERM: a clean exit
    assert "modelarts-local stopped" in server.log_tail()
    assert not (server.data_dir / "server.json").exists()
    server.restart()
    assert server.admin_secret == secret

    headers = {"X-Auth-Token": token}
    assert (
        requests.get(f"{server.v2}/algorithms/{algorithm_id}", headers=headers, timeout=10).json() == algorithm.json()
    )
    done = server.wait_for_phase(job_id, "Completed", timeout=10)
    # The clock kept running while the server was down: the phases keep their real dates.
    assert done["status"]["start_time"] == running["status"]["start_time"]
    assert done["status"]["duration"] == 1500

    server.restart(kill=True)  # even a crash loses nothing that was answered
    assert requests.get(f"{server.v2}/training-jobs/{job_id}", headers=headers, timeout=10).status_code == 200
    name = unique("after-crash")
    assert (
        server.call(
            "POST", "/algorithms", json=algorithm_body(name, code_dir=CODE, boot_file=CODE + "train.py")
        ).status_code
        == 201
    )


def test_port_zero_and_server_json(start_local_modelarts):
    server = start_local_modelarts()
    info = json.loads((server.data_dir / "server.json").read_text())
    assert info["url"] == server.url and info["port"] == server.port and info["pid"] == server.process.pid
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 10
