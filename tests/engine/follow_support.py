"""Helpers of the engine tests that follow jobs: the command-line tool run like a user runs it (in the
project folder, with the project's environment, so it reads the stack through the real `pulumi` CLI), and
training scripts that print what the tests look for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.pulumi_cli import VENV, CommandResult, PulumiProject, run_command

CHATTY = """
import argparse, time
parser = argparse.ArgumentParser()
parser.add_argument("--lines", type=int, default=150)
parser.add_argument("--interval", type=float, default=0.02)
args, _ = parser.parse_known_args()
for number in range(1, args.lines + 1):
    print(f"line {number} of {args.lines}", flush=True)
    time.sleep(args.interval)
"""


def cli_command(*args: str) -> list[str]:
    return [str(VENV / "bin" / "python"), "-m", "modelarts_pulumi", *args]


def run_cli(
    project: PulumiProject, *args: str, timeout: float = 120.0, env: dict[str, str] | None = None
) -> CommandResult:
    """`python -m modelarts_pulumi ARGS` in the project folder, never raising on a non-zero exit."""
    return run_command(cli_command(*args), cwd=project.directory, env=env or project.env, timeout=timeout, check=False)


def cli_json(project: PulumiProject, *args: str) -> Any:
    result = run_cli(project, *args, "--json")
    assert result.returncode == 0, result.describe()
    return json.loads(result.stdout)


def start_cli(project: PulumiProject, *args: str) -> subprocess.Popen[str]:
    """The tool started in the background (for --follow), its output captured."""
    return subprocess.Popen(
        cli_command(*args),
        cwd=project.directory,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def python_snippet(project: PulumiProject, code: str) -> CommandResult:
    """Python code run with the project's environment (to hide a package from the tool)."""
    return run_command([sys.executable, "-c", code], cwd=project.directory, env=project.env, check=False)


def write_script(bucket: Path, name: str, text: str) -> None:
    (bucket / "code").mkdir(parents=True, exist_ok=True)
    (bucket / "code" / name).write_text(text)
