"""Local job runner: runs the tasks of a training job as local processes (POSIX only).

A ModelArts training job with ``node_count = N`` runs N containers named ``worker-0`` ... ``worker-(N-1)``.
Locally every task is one process, started in its own session (so it leads its own process group) with
stdout and stderr going, interleaved, to one log file per task.

Lifecycle and exit codes (``TaskState.exit_code``):

- ``None`` while the task runs.
- ``0..255``: the process exit status.
- ``128 + N`` when the process was killed by signal N, as a shell reports it (SIGTERM -> 143,
  SIGKILL -> 137).
- ``127`` / ``126`` when the process could not be started at all (program or cwd missing / any other
  ``OSError``), again as a shell reports it; the reason goes to ``message`` and to the log.
- ``EXIT_CODE_LOST`` (-1) when the process is gone but nobody recorded how it ended: it was started by
  an earlier runner (the server restarted meanwhile) and only a parent can learn an exit status.

When a task's main process exits, whatever it left behind in its process group is killed, as a
container runtime does when a container's main process ends. With ``fail_fast`` (the default), a task
that fails (non-zero exit, not caused by a stop request) makes the runner stop its sibling tasks, as
ModelArts fails the whole job when one worker fails; their ``message`` names the failed task.

State lives in ``state_dir/<job_id>.json`` (pids, process start times, exit codes), written atomically
under an ``flock``, so that a new runner over the same directory, e.g. after a server restart, can
still report, sample and terminate the job's processes. A recorded pid counts only while the process
with that pid still has the recorded start time, so recycled pids are never signalled.

Why one module of about 500 lines: starting, reaping, recording, sampling and stopping all go through the
same state file, its lock order and the pid-plus-start-time rule; kept together they can be checked
against each other. How a task is launched (command line, environment) is apart, in ``launches.py``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# psutil ships no type information; types-psutil may or may not be installed.
import psutil  # type: ignore[import-untyped, unused-ignore]

from .launches import TaskLaunch

__all__ = [
    "EXIT_CODE_CANNOT_EXECUTE",
    "EXIT_CODE_LOST",
    "EXIT_CODE_NOT_FOUND",
    "LocalRunner",
    "TaskState",
]

#: Exit code reported for a process that vanished without a recorded exit status.
EXIT_CODE_LOST = -1
#: Exit code for a task whose program (or working directory) does not exist, as in a shell.
EXIT_CODE_NOT_FOUND = 127
#: Exit code for a task that could not be started for any other reason, as in a shell.
EXIT_CODE_CANNOT_EXECUTE = 126

_STATE_VERSION = 1
_JOB_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$")
# psutil reports start times rounded to 10 ms; the same process always gets the same value.
_CREATE_TIME_TOLERANCE = 0.05
_POLL_INTERVAL = 0.05
# After SIGKILL a process dies at once; this only bounds the wait for the waiter thread to record it.
_KILL_SETTLE_SECONDS = 5.0


@dataclass(frozen=True)
class TaskState:
    """What poll() knows about one task. ``message`` says how it ended (or "running")."""

    task: str
    running: bool
    exit_code: int | None  # see the module docstring for the conventions
    pid: int | None
    message: str = ""
    started_at: float | None = None  # epoch seconds
    finished_at: float | None = None  # epoch seconds; None while running or when unknown


@dataclass
class _Child:
    """A task process started by this runner instance (only the parent can reap it)."""

    proc: subprocess.Popen[bytes]
    lock: threading.Lock = field(default_factory=threading.Lock)  # orders signalling against reaping
    reaped: threading.Event = field(default_factory=threading.Event)
    recorded: threading.Event = field(default_factory=threading.Event)


class LocalRunner:
    """Starts, watches, samples and stops the local processes of training jobs."""

    def __init__(self, state_dir: Path, *, fail_fast: bool = True) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.fail_fast = fail_fast
        self._lock = threading.Lock()  # guards the two dicts below; never held while taking a flock
        self._children: dict[str, dict[str, _Child]] = {}
        self._cpu: dict[tuple[str, str, int], tuple[float, float]] = {}

    # ------------------------------------------------------------------ public API

    def start(self, job_id: str, launches: list[TaskLaunch]) -> None:
        """Start one process per launch. Failures to start are recorded, not raised.

        Raises ValueError for an empty or inconsistent launch list, or when the job still runs.
        Starting a job whose previous run has ended replaces that run's state.
        """
        if not launches:
            raise ValueError("a job needs at least one task")
        names = [launch.task for launch in launches]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate task names: {names}")
        path = self._state_path(job_id)
        children: dict[str, _Child] = {}
        spawn_failure: tuple[str, int] | None = None
        with self._flock(job_id):
            if path.exists() and any(self._is_running(job_id, rec) for rec in self._read(job_id)["tasks"]):
                raise ValueError(f"job {job_id} is still running")
            state: dict[str, Any] = {"version": _STATE_VERSION, "job_id": job_id, "tasks": []}
            for launch in launches:
                record = _new_record(launch)
                try:
                    proc = _spawn(launch)
                except OSError as exc:
                    code = EXIT_CODE_NOT_FOUND if exc.errno == errno.ENOENT else EXIT_CODE_CANNOT_EXECUTE
                    record.update(exit_code=code, finished_at=time.time(), message=f"failed to start: {exc}")
                    _append_to_log(launch.log_path, f"[modelarts-local] {launch.task}: failed to start: {exc}\n")
                    spawn_failure = spawn_failure or (launch.task, code)
                else:
                    record.update(pid=proc.pid, create_time=_create_time(proc.pid))
                    children[launch.task] = _Child(proc)
                state["tasks"].append(record)
            self._write(job_id, state)
            with self._lock:
                self._children[job_id] = children
        # Waiters start only now, so that the state file they update exists.
        for task, child in children.items():
            name = f"modelarts-local-wait-{job_id}-{task}"
            threading.Thread(target=self._wait, args=(job_id, task, child), name=name, daemon=True).start()
        if spawn_failure and children and self.fail_fast:
            failed_task, code = spawn_failure
            self._stop(job_id, f"stopped because {failed_task} failed (exit code {code})", 5.0, wait=False)

    def poll(self, job_id: str) -> list[TaskState]:
        """The state of every task, in launch order. Raises KeyError for an unknown job."""
        state = self._read(job_id)
        lost = [rec["task"] for rec in state["tasks"] if rec["exit_code"] is None and not self._is_running(job_id, rec)]
        if lost:
            state = self._update(job_id, lambda s: _record_lost(s, lost))
        # Whatever has no exit code now is running: our own children, or live processes of an earlier runner.
        return [_task_state(rec, running=rec["exit_code"] is None) for rec in state["tasks"]]

    def terminate(self, job_id: str, grace_seconds: float = 5.0, *, wait: bool = True) -> None:
        """SIGTERM every running task's process group, then SIGKILL what is left after the grace period.

        With ``wait=True`` (the default) this returns once every task has ended and is recorded (or
        after grace + a few seconds); with ``wait=False`` the escalation runs in a background thread.
        Raises KeyError for an unknown job; terminating a finished job does nothing.
        """
        self._stop(job_id, "terminated on request", grace_seconds, wait=wait)

    def sample(self, job_id: str) -> dict[str, tuple[float, float]]:
        """task -> (cpu percent, memory percent) for the running tasks, children included.

        CPU percent is relative to one core (psutil's convention, so it may exceed 100 on several
        cores), averaged since the previous sample of that task by this runner, or since the process
        started on the first sample. Memory percent is the summed RSS as a share of physical memory.
        Tasks that are not running are left out. Raises KeyError for an unknown job.
        """
        state = self._read(job_id)
        now = time.time()
        result: dict[str, tuple[float, float]] = {}
        live_keys: set[tuple[str, str, int]] = set()
        for rec in state["tasks"]:
            pid = rec["pid"]
            if rec["exit_code"] is not None or pid is None or not self._is_running(job_id, rec):
                continue
            usage = _tree_usage(pid)
            if usage is None:
                continue
            cpu_seconds, mem_percent = usage
            key = (job_id, rec["task"], pid)
            live_keys.add(key)
            with self._lock:
                since, cpu_before = self._cpu.get(key, (rec.get("create_time") or now, 0.0))
                self._cpu[key] = (now, cpu_seconds)
            elapsed = now - since
            cpu_percent = max(0.0, (cpu_seconds - cpu_before) / elapsed * 100.0) if elapsed > 1e-3 else 0.0
            result[rec["task"]] = (round(cpu_percent, 2), round(mem_percent, 3))
        with self._lock:  # forget the baselines of tasks that ended
            for key in [k for k in self._cpu if k[0] == job_id and k not in live_keys]:
                del self._cpu[key]
        return result

    def discard(self, job_id: str, grace_seconds: float = 5.0) -> None:
        """Stop the job if it still runs and forget it (state file included). Unknown jobs are ignored."""
        if not self._state_path(job_id).exists():
            return
        self.terminate(job_id, grace_seconds)
        with self._flock(job_id):
            self._state_path(job_id).unlink(missing_ok=True)
        self._lock_path(job_id).unlink(missing_ok=True)
        with self._lock:
            self._children.pop(job_id, None)
            for key in [k for k in self._cpu if k[0] == job_id]:
                del self._cpu[key]

    # ------------------------------------------------------------------ stopping

    def _stop(self, job_id: str, reason: str, grace_seconds: float, *, wait: bool, skip: str | None = None) -> None:
        """Mark the running tasks (all but ``skip``) with ``reason``, SIGTERM them, escalate later."""
        targets: list[str] = []

        def mark(state: dict[str, Any]) -> None:
            for rec in state["tasks"]:
                if rec["exit_code"] is None and rec["task"] != skip:
                    rec["stop_reason"] = rec.get("stop_reason") or reason  # the first reason wins
                    targets.append(rec["task"])

        state = self._update(job_id, mark)
        records = [rec for rec in state["tasks"] if rec["task"] in targets]
        for rec in records:
            self._signal(job_id, rec, signal.SIGTERM)
        if not records:
            return
        if wait:
            self._escalate(job_id, records, grace_seconds)
        else:
            name = f"modelarts-local-stop-{job_id}"
            args = (job_id, records, grace_seconds)
            threading.Thread(target=self._escalate, args=args, name=name, daemon=True).start()

    def _escalate(self, job_id: str, records: list[dict[str, Any]], grace_seconds: float) -> None:
        """Wait for the tasks to end; SIGKILL the ones still there when the grace period is over."""
        pending = list(records)
        deadline = time.monotonic() + max(0.0, grace_seconds)
        killed = False
        while pending:
            pending = [rec for rec in pending if not self._has_ended(job_id, rec)]
            if not pending:
                break
            now = time.monotonic()
            if now >= deadline:
                if killed:
                    break
                for rec in pending:
                    self._signal(job_id, rec, signal.SIGKILL)
                killed = True
                deadline = now + _KILL_SETTLE_SECONDS
            time.sleep(_POLL_INTERVAL)
        # Tasks of an earlier runner: nobody else will notice that they are gone, so record it now.
        with contextlib.suppress(KeyError):
            self.poll(job_id)

    def _signal(self, job_id: str, rec: dict[str, Any], sig: signal.Signals) -> None:
        pid = rec["pid"]
        if pid is None:
            return
        child = _owned(self._own_children(job_id), rec)
        if child is not None:
            with child.lock:
                # Unreaped, the leader's pid (= the group id) cannot have been reused by now.
                if not child.reaped.is_set():
                    _signal_group(pid, sig)
        elif _alive(pid, rec.get("create_time")):
            # A task of an earlier runner: signal only while its leader provably is the recorded
            # process, since a dead leader's pid may already belong to someone else.
            _signal_group(pid, sig)

    def _has_ended(self, job_id: str, rec: dict[str, Any]) -> bool:
        child = _owned(self._own_children(job_id), rec)
        if child is not None:
            return child.recorded.is_set()
        return rec["pid"] is None or not _alive(rec["pid"], rec.get("create_time"))

    # ------------------------------------------------------------------ waiting

    def _wait(self, job_id: str, task: str, child: _Child) -> None:
        """Reap one child, kill what it left in its group, record the exit (runs in a thread)."""
        proc = child.proc
        code: int | None = None
        stop_reason: list[str] = []
        matched: list[bool] = []  # False when the job was restarted meanwhile: this run is history
        try:
            if hasattr(os, "waitid"):
                # Wait without reaping: while the leader is a zombie its group id cannot be recycled,
                # so the group can be cleared safely before the final reap.
                with contextlib.suppress(ChildProcessError):
                    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
                with child.lock:
                    _signal_group(proc.pid, signal.SIGKILL)
                    returncode = proc.wait()
                    child.reaped.set()
            else:  # macOS before Python 3.13: reap first, then clear the group
                returncode = proc.wait()
                with child.lock:
                    child.reaped.set()
                    _signal_group(proc.pid, signal.SIGKILL)
            code, how = _describe_exit(returncode)

            def record(state: dict[str, Any]) -> None:
                for rec in state["tasks"]:
                    # Match the pid too: the job may have been restarted since this child started.
                    if rec["task"] == task and rec["pid"] == proc.pid:
                        matched.append(True)
                        if rec.get("stop_reason"):
                            stop_reason.append(rec["stop_reason"])
                        if rec["exit_code"] in (None, EXIT_CODE_LOST):  # a real status beats "lost"
                            rec["exit_code"] = code
                            rec["finished_at"] = time.time()
                            prefix = f"{rec['stop_reason']}: " if rec.get("stop_reason") else ""
                            rec["message"] = prefix + how

            self._update(job_id, record)
        except KeyError:  # the job was discarded meanwhile
            return
        finally:
            child.recorded.set()
        if self.fail_fast and matched and code not in (None, 0) and not stop_reason:
            with contextlib.suppress(KeyError):
                reason = f"stopped because {task} failed (exit code {code})"
                self._stop(job_id, reason, 5.0, wait=True, skip=task)

    # ------------------------------------------------------------------ state

    def _is_running(self, job_id: str, rec: dict[str, Any]) -> bool:
        if rec["exit_code"] is not None:
            return False
        child = _owned(self._own_children(job_id), rec)
        if child is not None and not child.recorded.is_set():
            return True  # our waiter thread records the exit
        return rec["pid"] is not None and _alive(rec["pid"], rec.get("create_time"))

    def _own_children(self, job_id: str) -> dict[str, _Child]:
        with self._lock:
            return dict(self._children.get(job_id, {}))

    def _state_path(self, job_id: str) -> Path:
        if not _JOB_ID.match(job_id):
            raise ValueError(f"job id {job_id!r} is not usable as a file name")
        return self.state_dir / f"{job_id}.json"

    def _lock_path(self, job_id: str) -> Path:
        return self._state_path(job_id).with_suffix(".lock")

    @contextlib.contextmanager
    def _flock(self, job_id: str) -> Iterator[None]:
        # A fresh open file per acquisition: flock then excludes other threads, runners and processes.
        with open(self._lock_path(job_id), "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read(self, job_id: str) -> dict[str, Any]:
        try:
            text = self._state_path(job_id).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise KeyError(job_id) from None
        state: dict[str, Any] = json.loads(text)
        return state

    def _write(self, job_id: str, state: dict[str, Any]) -> None:
        path = self._state_path(job_id)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        os.replace(tmp, path)  # readers never see a half-written file

    def _update(self, job_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        with self._flock(job_id):
            state = self._read(job_id)
            change(state)
            self._write(job_id, state)
        return state


# ---------------------------------------------------------------------- helpers


def _new_record(launch: TaskLaunch) -> dict[str, Any]:
    return {
        "task": launch.task,
        "rank": launch.rank,
        "pid": None,
        "create_time": None,
        "started_at": time.time(),
        "finished_at": None,
        "exit_code": None,
        "message": "",
        "stop_reason": None,
        "log_path": str(launch.log_path),
        "argv": list(launch.argv),
        "cwd": str(launch.cwd),
    }


def _spawn(launch: TaskLaunch) -> subprocess.Popen[bytes]:
    launch.log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **launch.env}
    # Both streams share one O_APPEND descriptor, so the log keeps their order of writing.
    with open(launch.log_path, "ab", buffering=0) as log:
        return subprocess.Popen(
            launch.argv,
            cwd=launch.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own session and process group: terminate() reaches grandchildren
        )


def _append_to_log(path: Path, text: str) -> None:
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(text)


def _describe_exit(returncode: int) -> tuple[int, str]:
    """Popen's returncode (negative = signal) -> (shell-style exit code, message)."""
    if returncode >= 0:
        return returncode, f"exited with code {returncode}"
    number = -returncode
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"signal {number}"
    return 128 + number, f"killed by {name} (exit code {128 + number})"


def _record_lost(state: dict[str, Any], tasks: Sequence[str]) -> None:
    for rec in state["tasks"]:
        if rec["task"] in tasks and rec["exit_code"] is None:
            rec["exit_code"] = EXIT_CODE_LOST
            rec["finished_at"] = time.time()  # when it was noticed, not when it ended
            how = "exit status unknown: the process was started by an earlier runner (server restart?)"
            rec["message"] = f"{rec['stop_reason']}: {how}" if rec.get("stop_reason") else f"vanished; {how}"


def _task_state(rec: dict[str, Any], *, running: bool) -> TaskState:
    return TaskState(
        task=rec["task"],
        running=running,
        exit_code=rec["exit_code"],
        pid=rec["pid"],
        message="running" if running else rec.get("message", ""),
        started_at=rec.get("started_at"),
        finished_at=rec.get("finished_at"),
    )


def _owned(children: Mapping[str, _Child], rec: dict[str, Any]) -> _Child | None:
    child = children.get(rec["task"])
    return child if child is not None and child.proc.pid == rec["pid"] else None


def _create_time(pid: int) -> float | None:
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def _alive(pid: int, create_time: float | None) -> bool:
    """Whether the recorded process still runs (a zombie or a recycled pid does not count)."""
    try:
        proc = psutil.Process(pid)
        if create_time is not None and abs(proc.create_time() - create_time) > _CREATE_TIME_TOLERANCE:
            return False
        return bool(proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _tree_usage(pid: int) -> tuple[float, float] | None:
    """(CPU seconds used so far, memory percent) of a process and its descendants."""
    try:
        leader = psutil.Process(pid)
        procs = [leader, *leader.children(recursive=True)]
    except psutil.Error:
        return None
    cpu_seconds = 0.0
    mem_percent = 0.0
    for proc in procs:
        try:
            with proc.oneshot():
                times = proc.cpu_times()
                # children_* holds descendants already reaped, so their CPU time does not drop out.
                cpu_seconds += times.user + times.system + times.children_user + times.children_system
                mem_percent += proc.memory_percent()
        except psutil.Error:
            continue
    return cpu_seconds, mem_percent
