"""The "many jobs under faults" scenario, shared by the reliability tests and ``benchmarks/faults.py``.

One Pulumi program with one Algorithm and N TrainingJobs against a local ModelArts in simulated mode, and
the checks that matter after any fault: the server holds exactly the objects the state holds (compared by
ID), no name twice (no duplicates), nothing the state does not know (no orphans).
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.wire import TrainingJob
from tests.engine.stack import make_project, server_client
from tests.support.programs import Program, code
from tests.support.pulumi_cli import PULUMI, CommandResult, PulumiProject, kill_session
from tests.support.server import LocalModelArts

ALGORITHM_TYPE = "pulumi-python:dynamic/modelarts:Algorithm"
JOB_TYPE = "pulumi-python:dynamic/modelarts:TrainingJob"

#: Phases of about half a second, so `wait_for="submitted"` returns quickly; deleted jobs go at once.
SERVER_CONFIG: dict[str, Any] = {
    "simulated": {"creating_seconds": 0.5, "pending_seconds": 0.5, "running_seconds": 2.0, "terminating_seconds": 0.3},
    "delete_linger_seconds": 0.2,
    "tick_seconds": 0.1,
    # The real service refuses a second job of the same name (ModelArts.2751), which would hide a provider
    # that creates twins. Here twins are allowed, so only the provider's own lookups can prevent them.
    "unique_job_names": False,
}

#: The issue's mix: 20% 5xx, 10% 429, 5% answers dropped after the work was done, on every ModelArts call.
FAULTS: dict[str, Any] = {
    "seed": 20260501,
    "rules": [{"error_rate": 0.2, "throttle_rate": 0.1, "drop_rate": 0.05, "retry_after_seconds": 1}],
}

PROGRAM = (
    Program(bucket="reliability-bucket")
    .line('count = int(config.get("jobs") or 20)')
    .algorithm(parameters=[{"name": "epochs", "value": "1", "type": "Integer"}])
    .training_job(
        code('f"job-{i:02d}"'),
        var="jobs",
        each="i in range(count)",
        hyperparameters={"epochs": code("i + 1")},
        outputs={"train_url": code('f"/{bucket}/outputs/{i:02d}/"')},
        delete_timeout=code('int(config.get("deleteTimeout") or 600)'),
    )
    .export(algorithm_id="algorithm.algorithm_id", job_ids="[job.job_id for job in jobs]")
    .text()
)

#: Lines the provider prints (stderr, relayed by `pulumi up`) that the benchmark counts.
RETRY_LINE = re.compile(r"attempt \d+ failed \((?P<cause>[^)]*)\); retrying")
ADOPT_LINE = re.compile(r"adopting the existing (?P<kind>algorithm|training job) ")
CREATE_RETRY_LINE = re.compile(r"create (?P<kind>algorithm|training job) .*; nothing was created, retrying")
POLL_RETRY_LINE = re.compile(r"(polling failed|while deleting); (polling|trying) again")


def make_scenario_project(
    directory: Path, server: LocalModelArts, *, jobs: int = 20, config: dict[str, str] | None = None
) -> PulumiProject:
    """The N-jobs project aimed at ``server``; the provider logs its HTTP attempts to stderr (debug)."""
    project = make_project(directory, server, PROGRAM, name="reliability", config={"jobs": str(jobs), **(config or {})})
    project.env["MODELARTS_PULUMI_LOG"] = "debug"
    return project


@dataclass
class Runs:
    """The `pulumi` commands a scenario needed, and what their output says the provider did."""

    results: list[CommandResult] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)  # output of runs that were killed (no CommandResult)

    def add(self, result: CommandResult) -> CommandResult:
        self.results.append(result)
        return result

    @property
    def output(self) -> str:
        """The runs' output as it streamed, without the closing "Diagnostics:" summary that repeats it."""
        texts = [*self.logs, *(r.stdout + "\n" + r.stderr for r in self.results)]
        return "\n".join(_streamed(text) for text in texts)

    @property
    def retries(self) -> Counter[str]:
        return Counter(m.group("cause") for m in RETRY_LINE.finditer(self.output))

    @property
    def adoptions(self) -> Counter[str]:
        return Counter(m.group("kind") for m in ADOPT_LINE.finditer(self.output))

    @property
    def create_retries(self) -> int:
        return len(CREATE_RETRY_LINE.findall(self.output))

    @property
    def poll_retries(self) -> int:
        return len(POLL_RETRY_LINE.findall(self.output))


def _streamed(text: str) -> str:
    head, sep, tail = text.partition("\nDiagnostics:\n")
    if not sep:
        return text
    # The summary ends at the outputs/resources block; anything after it (stderr) is kept.
    _summary, sep2, rest = tail.partition("\nResources:\n")
    return head + (sep2 + rest if sep2 else "")


def up_until_converged(project: PulumiProject, runs: Runs, *, attempts: int = 3, timeout: float = 240) -> None:
    """`pulumi up` until one succeeds (at most ``attempts``); fails with every run's output otherwise."""
    for _ in range(attempts):
        result = runs.add(project.run("up", "--yes", "--skip-preview", timeout=timeout, check=False))
        if result.returncode == 0:
            return
    raise AssertionError(
        f"`pulumi up` did not converge in {attempts} runs:\n\n"
        + "\n\n".join(r.describe()[-6000:] for r in runs.results)
    )


# --- what the state and the server hold ---------------------------------------------------------------


@dataclass(frozen=True)
class Inventory:
    algorithms: dict[str, str]  # id -> name
    jobs: dict[str, str]  # id -> name

    def duplicates(self) -> list[str]:
        names = Counter([*self.algorithms.values(), *self.jobs.values()])
        return sorted(name for name, n in names.items() if n > 1)


def state_inventory(project: PulumiProject) -> Inventory:
    """Our resources in the stack's state (and any pending operation, listed as `pending:<type>`)."""
    deployment = project.export_state().get("deployment", {})
    algorithms: dict[str, str] = {}
    jobs: dict[str, str] = {}
    for resource in deployment.get("resources") or []:
        outputs = resource.get("outputs") or {}
        if resource.get("type") == ALGORITHM_TYPE:
            algorithms[resource["id"]] = outputs.get("name", "")
        elif resource.get("type") == JOB_TYPE:
            jobs[resource["id"]] = outputs.get("name", "")
    return Inventory(algorithms, jobs)


def pending_operations(project: PulumiProject) -> list[dict[str, Any]]:
    pending: list[dict[str, Any]] = project.export_state().get("deployment", {}).get("pending_operations") or []
    return pending


def server_inventory(server: LocalModelArts) -> Inventory:
    """What the server holds (read with faults turned off: the check must not be flaky itself)."""
    server.admin("DELETE", "/faults")
    client = server_client(server)
    jobs = _settled_jobs(client)
    algorithms = {a.metadata.id: a.metadata.name for a in client.list_algorithms()}
    return Inventory(algorithms, {job.metadata.id: job.metadata.name for job in jobs})


def _settled_jobs(client: ModelArtsClient, wait: float = 5.0) -> list[TrainingJob]:
    """Jobs, once those being deleted (lingering) are gone."""
    deadline = time.monotonic() + wait
    while True:
        jobs = client.search_training_jobs()
        if time.monotonic() > deadline or all(job.phase != "Terminating" for job in jobs):
            return jobs
        time.sleep(0.3)


def assert_converged(project: PulumiProject, server: LocalModelArts, *, jobs: int) -> Inventory:
    """State and server agree exactly (same IDs), with the expected counts, no duplicates, no pending ops."""
    state = state_inventory(project)
    remote = server_inventory(server)
    assert len(state.algorithms) == 1 and len(state.jobs) == jobs, state
    assert remote.duplicates() == [], f"duplicates on the server: {remote.duplicates()}"
    assert set(remote.algorithms) == set(state.algorithms), ("algorithms", remote.algorithms, state.algorithms)
    orphans = set(remote.jobs) - set(state.jobs)
    missing = set(state.jobs) - set(remote.jobs)
    assert not orphans and not missing, {"orphans": orphans, "missing": missing}
    assert pending_operations(project) == []
    return remote


# --- killing `pulumi up` -------------------------------------------------------------------------------


@contextlib.contextmanager
def background_up(project: PulumiProject, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`pulumi up` in the background, its output in ``log``; at the end of the block it is SIGKILLed with everything
    it started (language host, program, dynamic provider), as a CI runner killing the job would."""
    command = [str(PULUMI), "up", "--yes", "--skip-preview", "--non-interactive", "--color", "never"]
    command += ["--stack", project.stack]
    with log.open("wb") as handle:
        # Its own session, so that the kill takes the plugins too.
        process = subprocess.Popen(
            command,
            cwd=project.directory,
            env=project.env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        kill_session(process.pid)
        process.wait(10)


def wait_until(
    condition: Callable[[], bool], *, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> bool:
    """Poll ``condition`` until true (True), the timeout passes or ``process`` exits (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process is not None and process.poll() is not None:
            return condition()
        time.sleep(0.05)
    return False


def fault_counters(server: LocalModelArts) -> dict[str, Any]:
    data: dict[str, Any] = server.admin("GET", "/faults").json()
    return data
