"""The benchmark's clean-up after a Ctrl-C (``benchmarks.stacks.kill_leftovers``) stops what works under its own work
directory, and nothing in a sibling folder whose name merely starts the same."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.stacks import kill_leftovers

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_only_processes_under_the_work_directory_are_stopped(tmp_path: Path):
    workdir = tmp_path / "bench"
    (workdir / "project").mkdir(parents=True)
    sibling = tmp_path / "bench-other"
    sibling.mkdir()
    inside = subprocess.Popen(SLEEP, cwd=workdir / "project")
    beside = subprocess.Popen(SLEEP, cwd=sibling)
    try:
        killed = kill_leftovers(workdir)
        assert inside.wait(timeout=10) == -9
        assert killed == [inside.pid]
        assert beside.poll() is None
    finally:
        for process in (inside, beside):
            process.kill()
            process.wait()
