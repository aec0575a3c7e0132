"""The stacks the benchmark deploys through the real Pulumi CLI, and how one command is run and measured.

- the job stack: one ``Algorithm`` and N ``TrainingJob`` sharing it (config ``jobs``, ``waitFor``);
- the trivial stack: N dynamic resources whose provider does nothing, the floor of what Pulumi itself costs;
- the polling stack: one job with an explicit name that waits for ``completed`` (``benchmarks/polling.py``).

Each project is hermetic (``tests/support/pulumi_cli.py``: its own PULUMI_HOME and file backend, the repo's
``.tools/bin`` and ``.venv``), and its config is written with one ``pulumi config set-all``.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.local_server import requests_seen
from benchmarks.periodic import Periodic
from tests.support.programs import Program, code
from tests.support.pulumi_cli import CommandResult, PulumiProject
from tests.support.server import LocalModelArts

AKSK_KEYS = frozenset({"modelarts:accessKey", "modelarts:secretKey"})


# The algorithm both ModelArts stacks share; the jobs below use its parameter, input and output.
def _with_algorithm() -> Program:
    return Program(bucket="bench-bucket").algorithm(parameters=[{"name": "epochs", "value": "1", "type": "Integer"}])


JOB_STACK = (
    _with_algorithm()
    .training_job(
        code('f"job-{i:03d}"'),
        each='i in range(config.require_int("jobs"))',
        hyperparameters=code('{"epochs": i + 1}'),
        outputs={"train_url": code('f"/{bucket}/outputs/{i:03d}/"')},
        wait_for=code('config.require("waitFor")'),
    )
    .text()
)

TRIVIAL_STACK = """
import uuid

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Nothing(ResourceProvider):
    def create(self, props):
        return CreateResult(uuid.uuid4().hex, props)


class Trivial(Resource):
    def __init__(self, name, index):
        super().__init__(Nothing(), name, {"index": index})


for i in range(pulumi.Config().require_int("jobs")):
    Trivial(f"thing-{i:03d}", i)
"""

POLLING_STACK = (
    _with_algorithm()
    .training_job(
        "watched",
        name=code('config.require("jobName")'),
        outputs={"train_url": code('f"/{bucket}/outputs/watched/"')},
        log_export_path=None,
        wait_for="completed",
        wait_timeout=3600,
    )
    .text()
)


def location_config(server: LocalModelArts) -> dict[str, str]:
    """Where the local ModelArts is (both endpoints are the one server)."""
    return {k: v for k, v in server.stack_config().items() if k not in AKSK_KEYS}


def aksk_credentials(server: LocalModelArts) -> dict[str, str]:
    """AK/SK: every request is signed, no token is needed."""
    return {k: v for k, v in server.stack_config().items() if k in AKSK_KEYS}


def password_credentials(server: LocalModelArts) -> dict[str, str]:
    """IAM password: the provider asks IAM for a token."""
    return {
        "modelarts:userName": server.user_name,
        "modelarts:password": server.password,
        "modelarts:domainName": server.domain_name,
    }


SECRET_KEYS = AKSK_KEYS | {"modelarts:password"}


def make_stack(directory: Path, name: str, program: str, config: dict[str, str]) -> PulumiProject:
    """A project with stack ``bench`` and ``config`` (credentials as secrets, as a user would set them)."""
    project = PulumiProject.create(directory, name=name, files={"__main__.py": program})
    project.init_stack("bench")
    set_config(project, config)
    return project


def set_config(project: PulumiProject, config: dict[str, str]) -> None:
    args = ["config", "set-all"]
    for key, value in config.items():
        args += ["--secret" if key in SECRET_KEYS else "--plaintext", f"{key}={value}"]
    project.run(*args)


@dataclass(frozen=True)
class Measured:
    """One `pulumi` command: its wall time, the requests the server saw meanwhile, the provider processes."""

    result: CommandResult
    requests: Counter[str]
    provider_processes: int = 0

    @property
    def seconds(self) -> float:
        return self.result.seconds


def measure(
    project: PulumiProject, server: LocalModelArts, *args: str, count_processes: bool = False, timeout: float = 900
) -> Measured:
    """Run ``pulumi ARGS`` (must succeed) and take the server's request counters before and after."""
    processes = ProviderProcesses(project.directory)
    before = requests_seen(server)
    with Periodic(0.1, processes.look) if count_processes else contextlib.nullcontext():
        result = project.run(*args, timeout=timeout)
    after = requests_seen(server)
    return Measured(result, after - before, processes.count)


@dataclass
class ProviderProcesses:
    """The dynamic-provider processes (``python -m pulumi.dynamic``) seen working in a project directory.

    ``look()`` looks in ``/proc``; called every 0.1 s while a command runs (``Periodic``), it cannot miss one:
    a provider process lives as long as the command.
    """

    directory: Path
    seen: set[int] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.seen)

    def look(self) -> None:
        target = str(self.directory.resolve())
        self.seen.update(pid for pid in _dynamic_providers() if _cwd(pid) == target)


def kill_leftovers(workdir: Path) -> list[int]:
    """SIGKILL every process still working under ``workdir`` (a `pulumi` command and its plugins, after a
    Ctrl-C interrupted the harness while it waited for them); their IDs."""
    root = workdir.resolve()
    found = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and int(entry.name) != os.getpid() and _is_under(_cwd(int(entry.name)), root)
    ]
    for pid in found:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return found


def _dynamic_providers() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if b"pulumi.dynamic" in argv and b"-m" in argv:
                yield int(entry.name)


def _is_under(cwd: str, root: Path) -> bool:
    """Whether ``cwd`` is ``root`` or a folder in it (not a sibling whose name merely starts the same)."""
    return bool(cwd) and Path(cwd).is_relative_to(root)


def _cwd(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""
