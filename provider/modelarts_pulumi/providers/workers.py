"""More than four operations at a time in the dynamic-provider process.

Pulumi serves the dynamic resources of a program from one process (``python -m pulumi.dynamic``), whose gRPC
server runs every operation on a ``concurrent.futures.ThreadPoolExecutor(max_workers=4)``. A create that waits
for its job holds one of those workers until the job gets there, so 50 jobs with ``wait_for="running"`` would
wait four at a time, in 13 rounds. The pool is made before our code is imported, and Pulumi has no setting
for it: when the provider is first configured in that process, :func:`widen_worker_pool` raises its limit to
``MODELARTS_PROVIDER_WORKERS`` (default :data:`~modelarts_pulumi.settings.CONCURRENT_CALLS`). The engine still
runs at most ``--parallel`` steps at a time (default: 4 per core; ``PULUMI_PARALLEL``).

Guarded: it acts only in ``pulumi.dynamic``'s own process, only when exactly one live pool there has Pulumi's
4 workers, through ``_max_workers`` and ``_work_queue``, the attributes a ``ThreadPoolExecutor`` reads whenever
it may start another thread (the same from Python 3.8 to 3.13; ``tests/provider/test_workers.py`` runs on every
Python of the matrix). Anything else leaves every pool as it is and says so once: the operations then run four
at a time, as they would without this module.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from ..settings import CONCURRENT_CALLS
from .progress import progress

WORKERS_ENV = "MODELARTS_PROVIDER_WORKERS"
"""How many operations the dynamic-provider process may run at once; 4 (or less) keeps Pulumi's pool as it is."""
PULUMI_WORKERS = 4
"""``pulumi/dynamic/__main__.py``: ``grpc.server(futures.ThreadPoolExecutor(max_workers=4))``."""
DYNAMIC_PROVIDER_MAIN = "pulumi.dynamic.__main__"

_lock = threading.Lock()
_done = False


def widen_worker_pool() -> None:
    """Once per process: let the dynamic-provider process run ``MODELARTS_PROVIDER_WORKERS`` operations at once."""
    global _done
    with _lock:
        if _done:
            return
        _done = True
    if not in_dynamic_provider_process():
        return
    wanted = workers_wanted()
    if wanted <= PULUMI_WORKERS:
        return
    pools = pulumi_pools()
    if len(pools) != 1:
        progress(
            f"found {len(pools)} worker pools of {PULUMI_WORKERS} in the dynamic-provider process, where Pulumi "
            f"makes one: left as they are, so at most {PULUMI_WORKERS} operations (waits included) run at a time"
        )
        return
    widen(pools[0], wanted)


def widen(pool: ThreadPoolExecutor, workers: int) -> None:
    """Let ``pool`` run ``workers`` tasks at once, the tasks already queued included.

    A pool starts a thread only when a task is submitted, and the first operations of a ``destroy`` all
    arrive before the provider is configured (in the first of them): they are queued behind the 4 threads.
    Each task submitted here starts a thread, which takes the oldest queued task first (the queue is FIFO).
    """
    pool._max_workers = workers
    queued = pool._work_queue.qsize()
    for _ in range(min(queued, workers)):
        try:
            pool.submit(_start_a_worker)
        except RuntimeError:  # the pool is shutting down: the process is ending
            return


def _start_a_worker() -> None:
    """Nothing: submitting it makes the pool start a thread (see :func:`widen`)."""


def in_dynamic_provider_process() -> bool:
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == DYNAMIC_PROVIDER_MAIN


def workers_wanted() -> int:
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if not raw:
        return CONCURRENT_CALLS
    try:
        wanted = int(raw)
    except ValueError:
        wanted = 0
    if wanted < 1:
        progress(f"{WORKERS_ENV}={raw!r} is not a whole number of 1 or more; using {CONCURRENT_CALLS}")
        return CONCURRENT_CALLS
    return wanted


def pulumi_pools() -> list[ThreadPoolExecutor]:
    """The live thread pools of exactly Pulumi's size: in the dynamic-provider process, its gRPC server's."""
    return [
        pool
        for pool in gc.get_objects()
        if type(pool) is ThreadPoolExecutor
        and getattr(pool, "_max_workers", None) == PULUMI_WORKERS
        and not getattr(pool, "_shutdown", True)
        and hasattr(pool, "_work_queue")
    ]
