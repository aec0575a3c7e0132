"""The interpreter matrix's own parts: finding interpreters (scripts/interpreters.py), its summary table
(scripts/matrix.py), and the lists of what must also run on Python 3.10 (they live in three tools' configs)."""

from __future__ import annotations

import io
import re
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from scripts import interpreters
from scripts.matrix import STACK_TESTS, SUPPORTED, UNIT_TESTS, Found, junit_path, read_junit, summary, write_found
from tests.support.pulumi_cli import REPO_ROOT

THIS = f"{sys.version_info[0]}.{sys.version_info[1]}"


def rendered(table: Table) -> str:
    text = io.StringIO()
    Console(width=300, file=text).print(table)
    return text.getvalue()


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine with nothing on it: an empty PATH folder, and empty pyenv and uv homes."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    monkeypatch.delenv("UV_PYTHON_INSTALL_DIR", raising=False)
    return tmp_path


def test_a_pyenv_shim_that_refuses_to_run_is_passed_over_for_the_pyenv_install(machine: Path) -> None:
    shim = 'echo "pyenv: python{v}: command not found" >&2\nexit 127\n'
    executable(machine / "bin" / f"python{THIS}", f"#!/bin/sh\n{shim.format(v=THIS)}")
    installed = machine / "pyenv" / "versions" / f"{THIS}.99" / "bin" / f"python{THIS}"
    executable(installed, f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')

    found = interpreters.find_interpreter(THIS)

    assert found is not None
    assert (found.found_by, found.full_version) == ("pyenv", sys.version.split()[0])


def test_a_python_on_path_is_taken_first_but_only_if_it_is_that_version(machine: Path) -> None:
    executable(machine / "bin" / "python3.10", "#!/bin/sh\necho /opt/python3.9\necho 3.9.18\n")
    assert interpreters.find_interpreter("3.10") is None
    executable(machine / "bin" / f"python{THIS}", f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    found = interpreters.find_interpreter(THIS)
    assert found is not None and found.found_by == "PATH"


def test_uv_managed_pythons_are_found_without_uv_on_path(machine: Path) -> None:
    managed = machine / "share" / "uv" / "python" / f"cpython-{THIS}.5-linux-x86_64-gnu" / "bin" / f"python{THIS}"
    executable(managed, f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    found = interpreters.find_interpreter(THIS)
    assert found is not None and found.found_by == "uv"
    assert "uv managed Pythons" in interpreters.where_searched(THIS)


def test_a_missing_interpreter_is_skipped_locally_and_fails_in_ci(tmp_path: Path) -> None:
    write_found(Found("3.12", searched="python3.12 on PATH, pyenv"), tmp_path)
    table, all_ok = summary(tmp_path, versions=("3.12",))
    assert all_ok and "skipped: not found" in rendered(table)
    write_found(Found("3.12", searched="python3.12 on PATH, pyenv", required=True), tmp_path)
    table, all_ok = summary(tmp_path, versions=("3.12",))
    assert not all_ok
    assert "not found (looked at python3.12 on PATH, pyenv)" in rendered(table)
    assert "FAILED: not found (CI needs it)" in rendered(table)


def test_a_session_counts_as_passed_only_when_both_reports_pass(tmp_path: Path) -> None:
    write_found(Found("3.10", "/usr/bin/python3.10", "3.10.13", "PATH"), tmp_path)
    suite = '<testsuites><testsuite tests="{n}" failures="{f}" errors="0" skipped="0" time="1.5">{props}</testsuite>'
    props = '<properties><property name="program_python" value="3.10.13"/></properties>'
    junit_path("3.10", "unit", tmp_path).write_text(suite.format(n=600, f=0, props="") + "</testsuites>")
    assert not summary(tmp_path, versions=("3.10",))[1]  # no stack report: the stack test did not run
    junit_path("3.10", "stack", tmp_path).write_text(suite.format(n=1, f=0, props=props) + "</testsuites>")
    assert summary(tmp_path, versions=("3.10",))[1]
    stack = read_junit(junit_path("3.10", "stack", tmp_path))
    assert stack is not None and stack.properties == {"program_python": "3.10.13"}
    junit_path("3.10", "unit", tmp_path).write_text(suite.format(n=600, f=2, props="") + "</testsuites>")
    assert not summary(tmp_path, versions=("3.10",))[1]


def test_what_runs_on_python_3_10_is_also_linted_and_type_checked_as_3_10() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    targets = pyproject["tool"]["ruff"]["per-file-target-version"]
    ruff_310 = [glob for glob, version in targets.items() if version == "py310"]
    makefile = (REPO_ROOT / "Makefile").read_text().replace("\\\n", " ")  # continued lines joined
    mypy_310 = re.search(r"^PY310_CODE := (.*)$", makefile, re.M)
    assert mypy_310 is not None
    mypy_paths = mypy_310.group(1).split()
    must_run_on_310 = ["provider/modelarts_pulumi", *UNIT_TESTS, *STACK_TESTS]
    for path in must_run_on_310:
        assert path in mypy_paths, f"{path} runs on Python 3.10 but `make lint` does not type-check it as 3.10"
    for path in mypy_paths:
        files = [REPO_ROOT / path] if path.endswith(".py") else sorted((REPO_ROOT / path).rglob("*.py"))
        assert files, path
        for file in files:
            relative = file.relative_to(REPO_ROOT).as_posix()
            # Ruff's "**/" also matches no folder at all.
            matches = any(fnmatch(relative, glob) or fnmatch(relative, glob.replace("**/", "")) for glob in ruff_310)
            assert matches, f"ruff does not lint {relative} as py310"
    classifiers = (REPO_ROOT / "provider" / "pyproject.toml").read_text()
    assert all(f"Programming Language :: Python :: {version}" in classifiers for version in SUPPORTED)
    assert f'requires-python = ">={SUPPORTED[0]}"' in classifiers
