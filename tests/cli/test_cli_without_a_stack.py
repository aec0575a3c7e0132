"""The command-line tool outside a Pulumi project: settings from the environment alone, jobs named by ID or
name. A job with no log yet: `logs` says so; `logs --follow` waits for it, then follows it to its end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.bodies import inline_job_body, unique
from tests.support.server import FAST_SIMULATED


def tool_env(server: Any) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HW_", "OS_", "HUAWEICLOUD_SDK_", "PULUMI_"))}
    env.update(
        {
            "HW_REGION_NAME": server.region,
            "HW_PROJECT_ID": server.project_id,
            "HW_ACCESS_KEY": server.access_key,
            "HW_SECRET_KEY": server.secret_key,
            "HW_AUTH_URL": server.url,
            "HUAWEICLOUD_SDK_REGION_MODELARTS_CN_NORTH_4": server.url,
            "NO_COLOR": "1",
        }
    )
    return env


def tool(*args: str) -> list[str]:
    return [sys.executable, "-m", "modelarts_pulumi", *args]


def test_no_log_yet_says_so_and_follow_waits_for_it(start_local_modelarts: Any, tmp_path: Path) -> None:
    server = start_local_modelarts(config={"simulated": {**FAST_SIMULATED, "pending_seconds": 4.0}})
    name = unique("pending")
    body = inline_job_body("/cli-bucket/code/", "/cli-bucket/code/train.py", name=name)
    job_id = server.call("POST", "/training-jobs", json=body).json()["metadata"]["id"]
    env = tool_env(server)

    early = subprocess.run(tool("logs", name), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert early.returncode == 1
    assert f"{name}: no log yet for worker-0 (the job is" in early.stderr and "--follow waits for it" in early.stderr

    followed = subprocess.run(
        tool("logs", job_id, "--follow"), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert followed.returncode == 0, followed.stderr
    assert f"waiting for {name} to run" in followed.stderr
    assert "epoch 1: loss=0.6931" in followed.stdout and followed.stdout.rstrip().endswith("exited with code 0")
    assert "Completed after" in followed.stderr
    watched = subprocess.run(
        tool("metrics", name, "--watch", "--interval", "1", "--json"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert watched.returncode == 0 and '"cpuUsage"' in watched.stdout
