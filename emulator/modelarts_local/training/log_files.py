"""Task logs that the simulated executor writes, written after the transition that produced them has been
committed, outside the store lock, and still never seen late.

A transition happens inside a store transaction, and a file written there would keep every other request
waiting for the disk. So an append is registered to run after the commit (``Store.after_commit``). To keep
"whoever sees the new phase sees its log lines", the job's stripe lock is taken when the append is
registered, inside the transaction, and released once the lines are written; a reader that saw the phase
calls ``settle`` (the stripe lock once), which waits for any append still on its way.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from ..obs.paths import ObsMapper, ObsPath, ObsPathError
from ..store import Store

log = logging.getLogger("modelarts_local.training")


class LogFiles:
    """Ordered, deferred appends to jobs' log files."""

    STRIPES = 64

    def __init__(self, store: Store, mapper: ObsMapper) -> None:
        self._store = store
        self._mapper = mapper
        # Re-entrant: one transaction may append for several jobs that share a stripe.
        self._stripes = [threading.RLock() for _ in range(self.STRIPES)]

    def append(self, job_id: str, folder: ObsPath, name: str, lines: list[str]) -> None:
        """Append ``lines`` to the log ``name`` in ``folder`` once the enclosing transaction commits (at once
        outside one)."""
        stripe = self._stripe(job_id)
        stripe.acquire()

        def write() -> None:
            try:
                _append(self._mapper.local_folder(folder) / name, lines)
            except (OSError, ObsPathError):  # a lost log line must not fail what was committed
                log.exception("writing %s%s failed", folder, name)
            finally:
                stripe.release()

        self._store.after_commit(write, on_rollback=stripe.release)

    def settle(self, job_id: str) -> None:
        """Wait until the appends registered for this job are written."""
        with self._stripe(job_id):
            pass

    def _stripe(self, job_id: str) -> threading.RLock:
        return self._stripes[hash(job_id) % self.STRIPES]


def _append(path: Path, lines: list[str]) -> None:
    data = "".join(line + "\n" for line in lines).encode()
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:  # the first line of the folder
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
