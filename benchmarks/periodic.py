"""Doing something every few seconds in the background while the harness waits for a command."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Periodic:
    """``with Periodic(0.1, action):`` calls ``action`` every 0.1 s in a daemon thread while the block runs,
    and once more when it ends, so the last state is always seen."""

    def __init__(self, every: float, action: Callable[[], None]) -> None:
        self.every = every
        self.action = action
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"periodic-{action.__name__}", daemon=True)

    def __enter__(self) -> Periodic:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.action()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.action()
            self._stop.wait(self.every)
