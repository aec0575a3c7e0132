"""Fixtures of the client's tests: a fake cloud per test, and no token or signer cache shared between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelarts_pulumi import auth as auth_module
from tests.client.fake_cloud import FakeCloud


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    server = FakeCloud().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    auth_module.clear_caches()
    yield
    auth_module.clear_caches()
