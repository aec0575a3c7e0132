"""``modelarts-pulumi download JOB CHANNEL DIR`` outside a Pulumi project (settings from the environment, OBS
from ``HUAWEICLOUD_SDK_REGION_OBS_<REGION>``): what a local-mode job wrote comes home; a wrong channel is named."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from modelarts_pulumi.settings import Settings
from tests.cli.test_cli_without_a_stack import tool, tool_env
from tests.lookups.test_download_job_output import BUCKET, run_job
from tests.support.pulumi_cli import REPO_ROOT
from tests.support.server import FAST_LOCAL


def test_download_brings_a_jobs_output_channel_home(start_local_modelarts: Any, tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    for part in ("code", "data"):
        shutil.copytree(REPO_ROOT / "examples" / "bucket" / part, bucket / part)
    server = start_local_modelarts(mode="local", config={"local": FAST_LOCAL}, buckets={BUCKET: bucket})
    job_id = run_job(Settings.from_config(server.stack_config(), env={}))
    server.wait_for_phase(job_id, "Completed", timeout=60)
    env = {**tool_env(server), "HUAWEICLOUD_SDK_REGION_OBS_CN_NORTH_4": server.obs_url}

    done = subprocess.run(
        tool("download", "download-output-1", "train_url", str(tmp_path / "out"), "--json"),
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"] == ["runs/1/model.json"]
    assert (tmp_path / "out" / "model.json").read_bytes() == (bucket / "runs" / "1" / "model.json").read_bytes()

    wrong = subprocess.run(
        tool("download", job_id, "model", str(tmp_path / "x")), cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert wrong.returncode == 1
    assert "has no output channel 'model' in OBS; its output channels: train_url" in wrong.stderr
