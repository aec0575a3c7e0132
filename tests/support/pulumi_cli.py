"""Run the repo's offline Pulumi CLI from tests.

The CLI (`.tools/bin/pulumi`), our Python language host launcher and the two runtime scripts are put
there by scripts/setup.sh (`make test` runs it first). Every project made here is hermetic: its own
PULUMI_HOME and file backend in a temp dir, a fixed passphrase, no update checks, no plugin downloads,
and no PULUMI_* variables inherited from the caller.

Usage:
    project = PulumiProject.create(tmp_path / "proj", name="demo", files={"__main__.py": PROGRAM})
    project.init_stack("test")
    project.run("up", "--yes")
    assert project.outputs()["x"] == 1
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"
PULUMI = TOOLS_BIN / "pulumi"
VENV = REPO_ROOT / ".venv"
TEST_PASSPHRASE = "test-passphrase"
REQUIRED_TOOLS = (
    "pulumi",
    "pulumi-language-python",
    "pulumi-language-python-exec",
    "pulumi-resource-pulumi-python",
)
DEFAULT_TIMEOUT = 180.0


running_test_marked: bool | None = None
"""Under pytest, whether the running test carries the ``pulumi_cli`` marker (tests/conftest.py sets it); None
elsewhere (benchmarks). `make test-fast` deselects that marker, so a CLI test without it would slow the edit loop."""


def refuse_unmarked_test(what: str) -> None:
    if running_test_marked is False:
        raise AssertionError(f"{what}: this test runs the Pulumi CLI, so it must carry the pulumi_cli marker")


def missing_tools() -> list[str]:
    """Names of the executables in .tools/bin that are absent or not executable."""
    return [name for name in REQUIRED_TOOLS if not os.access(TOOLS_BIN / name, os.X_OK)]


def require_pulumi_cli() -> None:
    """Skip (locally) or fail (in CI) when the toolchain from scripts/setup.sh is missing."""
    refuse_unmarked_test("require_pulumi_cli()")
    missing = missing_tools()
    if not missing:
        return
    message = f"missing in {TOOLS_BIN}: {', '.join(missing)}; run scripts/setup.sh"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def pulumi_env(
    home: Path,
    backend_dir: Path,
    *,
    passphrase: str = TEST_PASSPHRASE,
    python: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for one hermetic CLI run (the test twin of scripts/pulumi-env.sh)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    python = python or str(VENV / "bin" / "python")
    env.update(
        {
            "PATH": os.pathsep.join([str(TOOLS_BIN), str(Path(python).parent), env.get("PATH", "")]),
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": f"file://{backend_dir}",
            "PULUMI_CONFIG_PASSPHRASE": passphrase,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PULUMI_PYTHON_CMD": python,
            # Plain, stable output for assertions.
            "NO_COLOR": "1",
            "TERM": "dumb",
        }
    )
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class CommandResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        return (
            f"$ {' '.join(self.args)}\nexit {self.returncode} after {self.seconds:.1f}s\n"
            f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"
        )


class PulumiCommandError(AssertionError):
    def __init__(self, result: CommandResult) -> None:
        super().__init__(result.describe())
        self.result = result


def kill_session(sid: int) -> None:
    """SIGKILL every process of the session ``sid`` (a command started with ``start_new_session``).

    Killing the command's process group is not enough: pulumi starts each plugin (language host, dynamic
    provider) in a process group of its own, and those would outlive it and keep the output pipes open.
    """
    members = [sid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if os.getsid(int(entry.name)) == sid:
                    members.append(int(entry.name))
    for pid in members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def run_command(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = DEFAULT_TIMEOUT,
    check: bool = True,
    input_text: str | None = None,
) -> CommandResult:
    """Run a command, capture its output, and kill its whole process group on timeout.

    The group matters: pulumi starts the language host and provider processes, and they would keep the
    output pipes open (and the test hanging) if only pulumi itself were killed.
    """
    if Path(args[0]).parent == TOOLS_BIN:
        refuse_unmarked_test(" ".join(args[:2]))
    started = time.monotonic()
    proc = subprocess.Popen(
        list(args),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(input_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_session(proc.pid)
        stdout, stderr = proc.communicate()
        result = CommandResult(tuple(args), -9, stdout, stderr, time.monotonic() - started)
        raise AssertionError(f"timed out after {timeout}s\n{result.describe()}") from None
    result = CommandResult(tuple(args), proc.returncode, stdout, stderr, time.monotonic() - started)
    if check and result.returncode != 0:
        raise PulumiCommandError(result)
    return result


def pulumi_yaml(name: str, *, virtualenv: Path | None = VENV, description: str = "test project") -> str:
    """A Pulumi.yaml for a Python project using the pip toolchain and (by default) the repo's .venv."""
    lines = [f"name: {name}", f"description: {description}", "runtime:", "  name: python", "  options:"]
    lines.append("    toolchain: pip")
    if virtualenv is not None:
        lines.append(f"    virtualenv: {virtualenv}")
    return "\n".join(lines) + "\n"


@dataclass
class PulumiProject:
    """A Pulumi project in a temp dir with its own PULUMI_HOME and file backend."""

    directory: Path
    env: dict[str, str]
    stack: str = "test"

    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        name: str,
        files: Mapping[str, str],
        virtualenv: Path | None = VENV,
        env_extra: Mapping[str, str] | None = None,
        python_path: Sequence[Path] = (),
    ) -> PulumiProject:
        """Write Pulumi.yaml plus `files` (relative paths) and build the hermetic environment.

        `python_path` entries are added to PYTHONPATH, so both the program and the dynamic-provider
        process (which unpickles provider classes by module name) can import modules from there. The
        project directory itself is always on it.
        """
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "Pulumi.yaml").write_text(pulumi_yaml(name, virtualenv=virtualenv))
        for rel, text in files.items():
            path = directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        home = directory / ".pulumi-home"
        backend = directory / ".pulumi-state"
        home.mkdir(exist_ok=True)
        backend.mkdir(exist_ok=True)
        extra = dict(env_extra or {})
        paths = [str(directory), *map(str, python_path)]
        if existing := extra.get("PYTHONPATH") or os.environ.get("PYTHONPATH"):
            paths.append(existing)
        extra["PYTHONPATH"] = os.pathsep.join(paths)
        return cls(directory=directory, env=pulumi_env(home, backend, extra=extra))

    def run(
        self, *args: str, timeout: float = DEFAULT_TIMEOUT, check: bool = True, stack: bool = True
    ) -> CommandResult:
        """`pulumi ARGS --non-interactive --color never [--stack STACK]` in the project directory."""
        command = [str(PULUMI), *args, "--non-interactive", "--color", "never"]
        if stack:
            command += ["--stack", self.stack]
        return run_command(command, cwd=self.directory, env=self.env, timeout=timeout, check=check)

    def init_stack(self, stack: str | None = None) -> None:
        self.stack = stack or self.stack
        run_command(
            [str(PULUMI), "stack", "init", self.stack, "--non-interactive"],
            cwd=self.directory,
            env=self.env,
        )

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        self.run("config", "set", key, value, *(["--secret"] if secret else ["--plaintext"]))

    def up(self, *extra: str, timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        return self.run("up", "--yes", "--skip-preview", *extra, timeout=timeout)

    def preview_json(self, *extra: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """`pulumi preview --json`: {"steps": [...], "changeSummary": {"create": 1, ...}, ...}."""
        result = self.run("preview", "--json", *extra, timeout=timeout)
        data: dict[str, Any] = json.loads(result.stdout)
        return data

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        args = ["stack", "output", "--json"]
        if show_secrets:
            args.append("--show-secrets")
        data: dict[str, Any] = json.loads(self.run(*args).stdout or "{}")
        return data

    def export_state(self) -> dict[str, Any]:
        """The stack's deployment (`pulumi stack export`), secrets left encrypted."""
        data: dict[str, Any] = json.loads(self.run("stack", "export").stdout)
        return data

    def resources(self) -> list[dict[str, Any]]:
        resources: list[dict[str, Any]] = self.export_state().get("deployment", {}).get("resources") or []
        return resources

    def destroy(self, *extra: str, timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        return self.run("destroy", "--yes", "--skip-preview", *extra, timeout=timeout)

    def remove_stack(self) -> None:
        self.run("stack", "rm", "--yes", "--force", check=False)
