"""download_job_output: a finished job's output channel, from OBS into a local folder; and the errors that say
which job, channel or phase is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import modelarts_pulumi as modelarts
from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.inputs import TrainingJobInputs
from modelarts_pulumi.providers.job_mapping import to_request
from modelarts_pulumi.settings import Settings
from tests.obs_client.fake_obs import FakeObs
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.server import LocalModelArts


@pytest.fixture
def obs(local_modelarts: LocalModelArts) -> Iterator[FakeObs]:
    fake = FakeObs(credentials={local_modelarts.access_key: (local_modelarts.secret_key, None)}, buckets=["results"])
    yield fake.start()
    fake.stop()


def run_job(settings: Settings, name: str) -> str:
    inputs = TrainingJobInputs.model_validate(
        {
            "name": name,
            "code_dir": "/results/code/",
            "boot_file": "/results/code/train.py",
            "engine_name": ENGINE_NAME,
            "engine_version": ENGINE_VERSION,
            "flavor_id": FLAVOR_ID,
            "outputs": [{"name": "train_url", "obs_url": "/results/runs/1/"}],
        }
    )
    return ModelArtsClient(settings).create_training_job(to_request(inputs)).metadata.id


def test_a_finished_jobs_output_channel_comes_home(local_modelarts: LocalModelArts, obs: FakeObs, tmp_path: Path):
    settings = Settings.from_config({**local_modelarts.stack_config(), "modelarts:obsEndpoint": obs.url}, env={})
    job_id = run_job(settings, "download-output-1")

    with pytest.raises(modelarts.ModelArtsError, match=r"is (Creating|Pending|Running): its outputs are whole"):
        modelarts.download_job_output(job_id, "train_url", tmp_path / "early", settings=settings)
    local_modelarts.wait_for_phase(job_id, "Completed")

    obs.put("results", "runs/1/model.json", b'{"weights": [1, 2]}')
    obs.put("results", "runs/1/checkpoints/epoch-1.bin", b"\x00\x01")
    obs.put("results", "runs/10/other.json", b"not this run")
    report = modelarts.download_job_output(job_id, "train_url", tmp_path / "out", settings=settings)
    assert sorted(report.transferred) == ["runs/1/checkpoints/epoch-1.bin", "runs/1/model.json"]
    assert (tmp_path / "out" / "model.json").read_bytes() == b'{"weights": [1, 2]}'
    assert (tmp_path / "out" / "checkpoints" / "epoch-1.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["checkpoints", "epoch-1.bin", "model.json"]

    with pytest.raises(
        modelarts.ModelArtsError, match="has no output channel 'model' in OBS; its output channels: train_url"
    ):
        modelarts.download_job_output(job_id, "model", tmp_path / "x", settings=settings)
    with pytest.raises(modelarts.ModelArtsError, match="no training job 'no-such-job'"):
        modelarts.download_job_output("no-such-job", "train_url", tmp_path / "x", settings=settings)
