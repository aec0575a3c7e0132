"""How fast the provider notices a phase change, and how often it polls one job, from the server's side.

One ``TrainingJob`` with ``wait_for="completed"`` on a local ModelArts of its own, deployed by ``pulumi up``.
Its phases change at known times: Pending at create + 0.5 s, Running at create + 1 s (both dated by the
server), and Completed when the harness forces it through the admin API ``hold`` seconds after the create.

The server dates every request it receives (``GET /_local/faults/requests``); every ``GET`` of the job (or job
search) after the create is a poll, timed to the millisecond. Then:

- notice latency of a change = the first poll at or after the change, minus the change time;
- the worst case at a given point of the wait = the gap between two polls there (a change just after a
  poll waits the whole gap), reported for the polls after the first minute;
- polls per minute = 60 / mean gap, and the most polls in any 1 s window.

The counters, their dates (``count_requests``), the admin outcome and the job's own timestamps
(``metadata.create_time``, ``status.start_time`` + ``duration``) are all the local ModelArts'.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import local_server
from benchmarks.periodic import Periodic
from benchmarks.stacks import POLLING_STACK, ProviderProcesses, location_config, make_stack, password_credentials
from tests.support.pulumi_cli import PULUMI, kill_session
from tests.support.server import LocalModelArts

JOB_NAME = "bench-watched"
POLL_KEYS = ("GET /v2/{project_id}/training-jobs/{id}", "POST /v2/{project_id}/training-job-searches")
CREATE_KEY = "POST /v2/{project_id}/training-jobs"
SUBMITTED = re.compile(r"training job \S+ submitted as ([0-9a-f-]{36})")
FIRST_MINUTE = 60.0
ARRIVAL_JITTER = 0.01
"""The server dates a request when it arrives, about a millisecond off when the provider sent it: polls 1 s apart
by the provider's clock may arrive 0.999 s apart. Two polls count as within a second when closer than 0.99 s."""


@dataclass(frozen=True)
class PollingResult:
    hold_seconds: float
    changes: dict[str, float]  # phase -> seconds after the create
    notice: dict[str, float | None]  # phase -> seconds from the change until the next poll
    polls: list[float]  # seconds after the create
    first_minute_polls: int
    peak_polls_per_second: int
    polls_per_minute_after: float | None
    worst_gap_after: float | None
    token_requests: int
    provider_processes: int
    seconds: float
    requests: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


class BackgroundPolling:
    """The polling scenario in a thread, so that its long, nearly idle wait overlaps the other scenarios.

    ``start()`` returns once the job was submitted: the CLI's busy start-up is over by then, and what is left
    is one provider process polling, the sampler and the server answering them (a few requests a second).
    """

    def __init__(self, workdir: Path, hold: float) -> None:
        self.workdir = workdir
        self.hold = hold
        self.submitted = threading.Event()
        self.cancelled = threading.Event()
        self._result: PollingResult | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="polling", daemon=True)

    def start(self, timeout: float = 300.0) -> None:
        self._thread.start()
        self.submitted.wait(timeout)

    def cancel(self) -> None:
        """Stop early (the run was interrupted): kill its `pulumi up`, let it stop its server."""
        self.cancelled.set()
        self._thread.join(30)

    def result(self) -> PollingResult:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def _run(self) -> None:
        try:
            self._result = run_polling(self.workdir, self.hold, submitted=self.submitted, cancelled=self.cancelled)
        except BaseException as exc:  # handed to result()
            self._error = exc
        finally:
            self.submitted.set()


def run_polling(
    workdir: Path,
    hold: float,
    *,
    submitted: threading.Event | None = None,
    cancelled: threading.Event | None = None,
) -> PollingResult:
    """Deploy the one watched job on a fresh server, force it Completed ``hold`` s after its create."""
    server = local_server.start(workdir / "polling-server")
    try:
        config = {**location_config(server), **password_credentials(server), "bench-polling:jobName": JOB_NAME}
        project = make_stack(workdir / "polling-stack", "bench-polling", POLLING_STACK, config)
        events = (submitted or threading.Event(), cancelled or threading.Event())
        return _measure(project.directory, project.env, server, hold, *events)
    finally:
        server.stop()
        shutil.rmtree(workdir / "polling-server", ignore_errors=True)


def _measure(
    directory: Path,
    env: dict[str, str],
    server: LocalModelArts,
    hold: float,
    submitted: threading.Event,
    cancelled: threading.Event,
) -> PollingResult:
    command = [str(PULUMI), "up", "--yes", "--skip-preview", "--non-interactive", "--color", "never"]
    command += ["--stack", "bench"]
    forced: dict[str, Any] = {}
    output: list[str] = []
    before = local_server.requests_seen(server)
    since = time.time()
    started = time.monotonic()
    processes = ProviderProcesses(directory)
    with Periodic(1.0, processes.look):
        proc = subprocess.Popen(
            command,
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        timer: threading.Timer | None = None
        # A hung `up` must not hang the run, nor one that the run was interrupted in.
        watchdog = threading.Thread(target=_kill_when, args=(cancelled, hold + 300, proc), daemon=True)
        watchdog.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                output.append(line)
                match = SUBMITTED.search(line)
                if match and timer is None:
                    timer = threading.Timer(hold, _force_completed, (server, match.group(1), forced))
                    timer.start()
                    submitted.set()
            proc.wait()
        finally:
            cancelled.set()  # ends the watchdog
            if timer is not None:
                timer.cancel()
            if proc.poll() is None:
                kill_session(proc.pid)
    seconds = time.monotonic() - started
    if proc.returncode != 0 or "job" not in forced:
        raise RuntimeError(f"the polling stack failed (exit {proc.returncode}):\n{''.join(output)[-4000:]}")
    requests = local_server.requests_seen(server) - before
    arrivals = local_server.arrivals(server, since)
    return _analyse(arrivals, forced["job"], hold, requests, processes.count, seconds)


def _kill_when(cancelled: threading.Event, timeout: float, proc: subprocess.Popen[str]) -> None:
    cancelled.wait(timeout)
    if proc.poll() is None:
        kill_session(proc.pid)


def _force_completed(server: LocalModelArts, job_id: str, into: dict[str, Any]) -> None:
    response = server.admin("POST", f"/jobs/{job_id}/outcome", json={"phase": "Completed"})
    response.raise_for_status()
    into["job"] = response.json()


def _analyse(
    arrivals: list[tuple[float, str]],
    job: dict[str, Any],
    hold: float,
    requests: Counter[str],
    processes: int,
    seconds: float,
) -> PollingResult:
    created = job["metadata"]["create_time"] / 1000
    started = job["status"]["start_time"] / 1000
    ended = started + job["status"]["duration"] / 1000
    pending = created + float(local_server.SIMULATED["creating_seconds"])
    changes = {"Pending": pending, "Running": started, "Completed": ended}
    creates = [at for at, key in arrivals if key == CREATE_KEY]
    posted = creates[-1] if creates else created
    polls = [at - created for at, key in arrivals if key in POLL_KEYS and at > posted]  # not the search before
    notice = {phase: _next_after(polls, at - created) for phase, at in changes.items()}
    after = [at for at in polls if at >= FIRST_MINUTE]
    gaps_after = [b - a for a, b in itertools.pairwise(after)]
    return PollingResult(
        hold_seconds=hold,
        changes={phase: round(at - created, 3) for phase, at in changes.items()},
        notice=notice,
        polls=[round(at, 3) for at in polls],
        first_minute_polls=sum(1 for at in polls if at < FIRST_MINUTE),
        peak_polls_per_second=max(
            (sum(1 for b in polls if a <= b < a + 1.0 - ARRIVAL_JITTER) for a in polls), default=0
        ),
        polls_per_minute_after=60 / (sum(gaps_after) / len(gaps_after)) if gaps_after else None,
        worst_gap_after=max(gaps_after) if gaps_after else None,
        token_requests=requests.get(local_server.IAM_TOKEN, 0),
        provider_processes=processes,
        seconds=seconds,
        requests=dict(requests),
    )


def _next_after(polls: list[float], at: float) -> float | None:
    later = [poll for poll in polls if poll >= at]
    return round(later[0] - at, 3) if later else None
