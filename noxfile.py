"""The interpreter matrix: the provider on every Python it supports (`make matrix`; `make test` runs it).

One session per supported version (``matrix-3.10`` ...), each with its own virtualenv (``.nox/matrix-3-10``) built
as a user's would be: the program's runtime requirements (requirements.txt), the test tools these tests import
(requirements-test.txt), then ``pip install ./provider`` (from a clean copy: no stale build/ in the source tree,
and parallel sessions do not build in the same folder). In it run

1. the unit tests of the client (ModelArts and OBS), the providers and the lookups (``UNIT_TESTS``);
2. ``tests/matrix``: a real ``pulumi preview``, ``up`` and ``destroy`` of the example stack with the program and its
   dynamic provider on this interpreter.

Only what can differ by interpreter runs here: the engine, reliability and bad-input suites run once, on the
default interpreter (`make test`). The local ModelArts needs Python 3.11+ (emulator/README.md), so the tests start
it with the repo's .venv (``MODELARTS_LOCAL_PYTHON``). Interpreters are found by ``scripts/interpreters.py``; one
that is missing is skipped, by name, unless ``CI`` is set: then the session fails. Results go to
``.nox/matrix-results/`` for the table ``scripts/matrix.py`` prints.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # `scripts.*`, as pytest and mypy see them

from scripts.interpreters import Interpreter, find_interpreter, where_searched  # noqa: E402
from scripts.matrix import STACK_TESTS, SUPPORTED, UNIT_TESTS, Found, junit_path, read_junit, write_found  # noqa: E402

SERVER_PYTHON = ROOT / ".venv" / "bin" / "python"

nox.options.default_venv_backend = "virtualenv"
nox.options.reuse_venv = "yes"  # pip still runs each time; it only skips what is already installed
nox.options.download_python = "never"  # interpreters come from this machine (scripts/interpreters.py)
nox.options.error_on_external_run = True


def install(session: nox.Session) -> None:
    """The runtime and test requirements, then the provider as a user installs it."""
    session.install("-r", "requirements.txt", "-r", "requirements-test.txt")
    provider = Path(session.create_tmp()) / "provider"
    shutil.rmtree(provider, ignore_errors=True)
    shutil.copytree(ROOT / "provider", provider, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    # --force-reinstall: a reused venv gets the current source, whose version number may not have changed.
    session.install("--force-reinstall", "--no-deps", str(provider))


def pytest(session: nox.Session, version: str, run: str, paths: tuple[str, ...], *marker: str) -> bool:
    """One pytest run with its JUnit report; True when it passed. A failure does not stop the session, so the
    other run still reports."""
    report = junit_path(version, run)
    session.run(
        "python",
        "-m",
        "pytest",
        *paths,
        *marker,
        "-p",
        "no:cacheprovider",
        f"--junitxml={report}",
        *session.posargs,
        env={"MODELARTS_LOCAL_PYTHON": str(SERVER_PYTHON)},
        success_codes=[0, 1],  # 1: tests failed (read from the report); anything else (no tests, crash) stops
    )
    result = read_junit(report)
    return result is not None and result.ok


def matrix_session(version: str, interpreter: Interpreter | None) -> Callable[[nox.Session], None]:
    def run(session: nox.Session) -> None:
        required = bool(os.environ.get("CI"))
        if interpreter is None:
            write_found(Found(version, searched=where_searched(version), required=required))
            message = f"python{version} not found (looked at {where_searched(version)})"
            if required:
                session.error(f"{message}; CI must run every supported Python")
            session.skip(message)
        write_found(
            Found(version, interpreter.executable, interpreter.full_version, interpreter.found_by, required=required)
        )
        if not SERVER_PYTHON.is_file():
            session.error(f"{SERVER_PYTHON} is missing: run `make setup` first (it serves the local ModelArts)")
        install(session)
        unit_ok = pytest(session, version, "unit", UNIT_TESTS)
        stack_ok = pytest(session, version, "stack", STACK_TESTS, "-m", "matrix")
        if not (unit_ok and stack_ok):
            session.error(
                f"Python {interpreter.full_version}: unit tests {'passed' if unit_ok else 'FAILED'}, "
                f"example stack {'deployed' if stack_ok else 'FAILED'}"
            )

    run.__doc__ = f"Unit tests and the example stack on Python {version}."
    return run


for _version in SUPPORTED:
    _interpreter = find_interpreter(_version)
    nox.session(
        name=f"matrix-{_version}",
        python=_interpreter.executable if _interpreter else False,
    )(matrix_session(_version, _interpreter))
