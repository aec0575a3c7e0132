"""Fixtures of the engine tests: an OBS for the stacks' ObsFolders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.engine.obs_stack import ObsBackend, obs_client
from tests.obs_client.fake_obs import FakeObs


@pytest.fixture
def obs_backend(local_modelarts: Any) -> Iterator[ObsBackend]:
    """An OBS that takes the local ModelArts' AK/SK (no bucket yet)."""
    fake = FakeObs(credentials={local_modelarts.access_key: (local_modelarts.secret_key, None)}, buckets=()).start()
    client = obs_client(local_modelarts, fake.url)
    yield ObsBackend(fake, client)
    client.close()
    fake.stop()
