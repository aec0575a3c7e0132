"""Fixtures of the local OBS tests: a local ModelArts with its OBS port and one mapped bucket, per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulator.obs_helpers import BUCKET, OBS_CONFIG, ObsLocal
from tests.obs_client.conftest import vhost_dns  # noqa: F401  (a fixture: *.obs.local.test -> 127.0.0.1)
from tests.support.server import serving


@pytest.fixture(scope="module")
def obs_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObsLocal]:
    """One server per test module, its OBS port on, bucket ``obs-bucket`` mapped to a folder of its own."""
    root = tmp_path_factory.mktemp("obs-local")
    bucket_dir = root / "bucket"
    bucket_dir.mkdir()
    with serving(root / "data", buckets={BUCKET: bucket_dir}, config=OBS_CONFIG) as server:
        yield ObsLocal(server, bucket_dir)
