"""Shared fixtures: a real local ModelArts server, started once per session, and a factory for
servers with their own configuration (stopped after the test)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import pulumi_cli
from tests.support import server as server_support
from tests.support.server import FAST_SIMULATED, LocalModelArts

#: The session server: simulated mode, phases of about a second, deleted jobs linger one second.
SESSION_CONFIG: dict[str, Any] = {"simulated": FAST_SIMULATED, "delete_linger_seconds": 1.0}


@pytest.fixture(scope="session")
def local_modelarts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalModelArts]:
    """One local ModelArts for the whole session (simulated mode, fast phases).

    Tests share it, so each uses names of its own (names are unique per project and workspace).
    """
    with server_support.serving(tmp_path_factory.mktemp("modelarts-session") / "data", config=SESSION_CONFIG) as server:
        yield server


@pytest.fixture
def start_local_modelarts(tmp_path: Path) -> Iterator[Callable[..., LocalModelArts]]:
    """A factory: ``start_local_modelarts(mode=..., config=..., buckets=..., data_dir=...)`` starts a
    server of its own; every server it started is stopped after the test."""
    started: list[LocalModelArts] = []
    counter = itertools.count()

    def start(**options: Any) -> LocalModelArts:
        data_dir = options.pop("data_dir", None) or tmp_path / f"server-{next(counter)}" / "data"
        server = server_support.start_local_modelarts(data_dir, **options)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """Tell the CLI helpers whether the running test (with its fixtures' setup and teardown) is marked pulumi_cli."""
    pulumi_cli.running_test_marked = item.get_closest_marker("pulumi_cli") is not None
    try:
        return (yield)
    finally:
        pulumi_cli.running_test_marked = None
