"""Fixtures of the engine tests: the local OBS, for the stacks' ObsFolders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.obs_stack import ObsBackend, backend
from tests.support.server import LocalModelArts


@pytest.fixture
def obs_backend(local_modelarts: LocalModelArts) -> Iterator[ObsBackend]:
    """The session server's OBS endpoint, and our client on it."""
    found = backend(local_modelarts)
    yield found
    found.client.close()
