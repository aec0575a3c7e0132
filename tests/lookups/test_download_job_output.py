"""download_job_output: a finished job's output channel, from the local OBS into a local folder, after a
local-mode job really wrote it; and the errors that say which job, channel or phase is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import modelarts_pulumi as modelarts
from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.inputs import TrainingJobInputs
from modelarts_pulumi.providers.job_mapping import to_request
from modelarts_pulumi.settings import Settings
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.pulumi_cli import REPO_ROOT
from tests.support.server import FAST_LOCAL

BUCKET = "results"


def run_job(settings: Settings) -> str:
    inputs = TrainingJobInputs.model_validate(
        {
            "name": "download-output-1",
            "code_dir": f"/{BUCKET}/code/",
            "boot_file": f"/{BUCKET}/code/train.py",
            "engine_name": ENGINE_NAME,
            "engine_version": ENGINE_VERSION,
            "flavor_id": FLAVOR_ID,
            "hyperparameters": {"epochs": "2"},
            "inputs": [{"name": "data_url", "obs_url": f"/{BUCKET}/data/"}],
            "outputs": [{"name": "train_url", "obs_url": f"/{BUCKET}/runs/1/"}],
        }
    )
    return ModelArtsClient(settings).create_training_job(to_request(inputs)).metadata.id


def test_a_finished_jobs_output_channel_comes_home(tmp_path: Path, start_local_modelarts: Any) -> None:
    bucket = tmp_path / "bucket"
    for part in ("code", "data"):
        shutil.copytree(REPO_ROOT / "examples" / "bucket" / part, bucket / part)
    server = start_local_modelarts(mode="local", config={"local": FAST_LOCAL}, buckets={BUCKET: bucket})
    settings = Settings.from_config(server.stack_config(), env={})
    job_id = run_job(settings)

    with pytest.raises(modelarts.ModelArtsError, match=r"is (Creating|Pending|Running): its outputs are whole"):
        modelarts.download_job_output(job_id, "train_url", tmp_path / "early", settings=settings)
    server.wait_for_phase(job_id, "Completed", timeout=60)

    report = modelarts.download_job_output(job_id, "train_url", tmp_path / "out", settings=settings)
    assert report.transferred == ["runs/1/model.json"]
    downloaded = json.loads((tmp_path / "out" / "model.json").read_text())
    assert downloaded == json.loads((bucket / "runs" / "1" / "model.json").read_text())
    assert downloaded["epochs"] == 2  # what the job wrote

    with pytest.raises(modelarts.ModelArtsError, match="has no output channel 'model' in OBS; its output channels"):
        modelarts.download_job_output(job_id, "model", tmp_path / "x", settings=settings)
    with pytest.raises(modelarts.ModelArtsError, match="no training job 'no-such-job'"):
        modelarts.download_job_output("no-such-job", "train_url", tmp_path / "x", settings=settings)
