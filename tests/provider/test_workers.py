"""The dynamic-provider process's worker pool (``providers/workers.py``): widened where it is Pulumi's, left
alone anywhere else. Each case runs in a fresh interpreter that poses as ``python -m pulumi.dynamic`` (its
``__main__`` module's spec) and owns the pools it makes, so that nothing else in the process is mistaken for
Pulumi's pool."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys, threading, types
    from concurrent.futures import ThreadPoolExecutor

    if {pose}:
        sys.modules["__main__"].__spec__ = types.SimpleNamespace(name="pulumi.dynamic.__main__")
    pools = [ThreadPoolExecutor(max_workers=4) for _ in range({pools})]  # as pulumi/dynamic/__main__.py makes it

    from modelarts_pulumi.providers import workers

    # 12 operations that each wait until all 12 run at once (or fail after 2 s).
    barrier = threading.Barrier(12, timeout=2)

    def meet():
        try:
            barrier.wait()
            return True
        except threading.BrokenBarrierError:
            return False

    queued = [pools[0].submit(meet) for _ in range({queued})]  # a destroy's deletes arrive all at once
    workers.widen_worker_pool()
    workers.widen_worker_pool()  # once per process: the second call does nothing
    later = [pools[0].submit(meet) for _ in range(12 - {queued})]
    print(all(f.result() for f in queued + later), pools[0]._max_workers)
    """
)


def run(*, pose: bool = True, pools: int = 1, queued: int = 0, env: dict[str, str] | None = None) -> tuple[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "MODELARTS_PROVIDER_WORKERS"} | (env or {})
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(pose=pose, pools=pools, queued=queued)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=True,
    )
    return done.stdout.strip(), done.stderr


def test_pulumis_pool_is_widened_so_that_many_operations_wait_at_once():
    out, err = run()
    assert out == "True 64", err
    assert err == ""


def test_operations_queued_before_the_pool_was_widened_get_a_worker_too():
    out, err = run(queued=12)
    assert out == "True 64", err


def test_the_environment_sets_the_width_and_4_keeps_pulumis_pool():
    assert run(env={"MODELARTS_PROVIDER_WORKERS": "16"})[0] == "True 16"
    assert run(env={"MODELARTS_PROVIDER_WORKERS": "4"})[0] == "False 4"


def test_a_bad_width_is_reported_and_the_default_used():
    out, err = run(env={"MODELARTS_PROVIDER_WORKERS": "many"})
    assert out == "True 64"
    assert "MODELARTS_PROVIDER_WORKERS='many' is not a whole number of 1 or more; using 64" in err


def test_nothing_is_touched_outside_the_dynamic_provider_process():
    assert run(pose=False) == ("False 4", "")


def test_nothing_is_touched_where_the_pool_is_not_unmistakably_pulumis():
    out, err = run(pools=2)
    assert out == "False 4"
    assert "found 2 worker pools of 4 in the dynamic-provider process, where Pulumi makes one" in err
