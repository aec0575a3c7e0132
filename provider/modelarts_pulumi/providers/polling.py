"""Waiting with a deadline: dynamic providers get no engine-enforced timeouts, so every wait brings its own."""

from __future__ import annotations

import time
from collections.abc import Iterator


class Deadline:
    """A poll deadline, ``seconds`` from now."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def expired(self) -> bool:
        return self.elapsed >= self.seconds

    def sleep(self, interval: float) -> None:
        time.sleep(max(0.0, min(interval, self.seconds - self.elapsed)))


def poll_intervals(first: float = 0.5, factor: float = 1.5, cap: float = 10.0) -> Iterator[float]:
    """Poll quickly at first, then back off: short jobs finish fast, long ones cost few calls."""
    interval = first
    while True:
        yield interval
        interval = min(cap, interval * factor)
