"""A change to a job that the ticker purges while the change is under way answers 2775 and leaves nothing behind.

The training-job service reads a job (advancing, maybe purging it) in one transaction, then changes it in another
(``TrainingJobService._for_change``); the ticker may purge the job in between. In process, on the service itself:
the purge is made to happen right after the read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelarts_local.backend import Backend
from modelarts_local.config import config_from_dict
from modelarts_local.identity import Principal
from modelarts_local.training import errors
from modelarts_local.training.job_model import TrainingJob
from modelarts_local.training.jobs import TrainingJobService
from tests.support.bodies import inline_job_body, put_code
from tests.support.constants import DOMAIN_ID, DOMAIN_NAME, PROJECT_ID, REGION, USER_NAME

NOW_MS = 1_700_000_000_000


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    opened = Backend.open(config_from_dict({}, data_dir=tmp_path / "data", mode="simulated"))
    put_code(tmp_path / "data", "/bucket/code/", {"train.py": "print('hello')\n"})
    yield opened
    opened.close()


def test_tags_added_to_a_job_purged_meanwhile_are_refused_and_not_stored(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
):
    caller = Principal("user-id", USER_NAME, DOMAIN_ID, DOMAIN_NAME, PROJECT_ID, REGION)
    job = backend.jobs.create(caller, inline_job_body("/bucket/code/", "/bucket/code/train.py"), NOW_MS)
    job_id = job["metadata"]["id"]
    read = TrainingJobService.read

    def read_then_purged(service: TrainingJobService, project_id: str, wanted: str, now_ms: int) -> TrainingJob:
        found = read(service, project_id, wanted, now_ms)
        with service.store.transaction():
            service.housekeeping.purge(found)  # the ticker's turn
        return found

    monkeypatch.setattr(TrainingJobService, "read", read_then_purged)
    with pytest.raises(errors.TrainingJobNotFound):
        backend.jobs.create_tags(PROJECT_ID, job_id, {"tags": [{"key": "team", "value": "vision"}]}, NOW_MS)
    assert backend.store.query("SELECT job_id, key FROM job_tags") == []
