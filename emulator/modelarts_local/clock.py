"""The server clock, and the ticker thread that advances time-driven state between requests."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("modelarts_local.clock")


def now() -> float:
    """The server clock (epoch seconds); one place, so that it could be skewed or frozen later."""
    return time.time()


def now_ms() -> int:
    return int(now() * 1000)


class Ticker:
    """A daemon thread that calls ``tick(now_ms())`` every ``interval`` seconds until stopped."""

    def __init__(self, interval: float, tick: Callable[[int], None], name: str = "modelarts-local-ticker") -> None:
        self._interval = max(0.02, interval)
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick(now_ms())
            except Exception:  # keep ticking: a failed tick is logged and retried at the next one
                log.exception("tick failed")
            self._stop.wait(self._interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
