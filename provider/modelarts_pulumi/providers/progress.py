"""Lines shown in the ``pulumi up`` output while a provider works: the engine relays the dynamic provider's
stderr, line by line, as diagnostics. Each line is written whole, under a lock, so that the lines of jobs
waited on side by side (the provider runs several operations at once) never mix."""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()


def progress(message: str) -> None:
    """A line about what the provider does: ``modelarts: <message>``."""
    log_line(f"modelarts: {message}")


def log_line(text: str) -> None:
    """A line as it is (a line of a job's log, already prefixed with the job and the task)."""
    with _lock:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
