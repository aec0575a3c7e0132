"""Find a working Python interpreter of a given version (``3.10``), on this machine or a developer's.

Candidates, in order; each is run to prove that it works and is that version (a pyenv shim of a version not
selected exits with "command not found", a broken link fails, a ``python3.10`` may be another version):

1. ``pythonX.Y`` on PATH: the system's, deadsnakes', Homebrew's, uv's ``~/.local/bin`` links, an activated venv.
2. pyenv: ``pyenv prefix X.Y`` (the newest installed X.Y.*), then ``$PYENV_ROOT/versions/X.Y.*`` (default
   ``~/.pyenv``) without pyenv itself on PATH.
3. uv: ``uv python find X.Y``, then uv's managed installs in ``$UV_PYTHON_INSTALL_DIR`` or
   ``~/.local/share/uv/python/cpython-X.Y.*``.

``python scripts/interpreters.py 3.10 3.12`` prints what it finds.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROBE = "import platform, sys; print(sys.executable); print(platform.python_version())"
PROBE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Interpreter:
    version: str  # "3.10"
    executable: str  # what the interpreter calls itself (sys.executable): a shim resolves to the real binary
    full_version: str  # "3.10.13"
    found_by: str  # "PATH", "pyenv", "uv"


def find_interpreter(version: str) -> Interpreter | None:
    """The first candidate that really runs as Python ``version``, or None."""
    for found_by, candidate in candidates(version):
        interpreter = probe(candidate, version, found_by)
        if interpreter is not None:
            return interpreter
    return None


def where_searched(version: str) -> str:
    """The places :func:`find_interpreter` looks, for a "not found" message."""
    return f"python{version} on PATH, pyenv ({pyenv_root()}/versions), uv managed Pythons ({uv_python_dir()})"


def candidates(version: str) -> Iterator[tuple[str, str]]:
    name = f"python{version}"
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        path = Path(folder or ".") / name
        if path.is_file() and os.access(path, os.X_OK):
            yield "PATH", str(path)
    if pyenv := shutil.which("pyenv"):
        prefix = _output([pyenv, "prefix", version])
        if prefix:
            yield "pyenv", str(Path(prefix.splitlines()[0]) / "bin" / name)
    for folder in _newest_first(glob.glob(os.path.join(pyenv_root(), "versions", f"{version}.*"))):
        yield "pyenv", os.path.join(folder, "bin", name)
    if uv := shutil.which("uv"):
        found = _output([uv, "python", "find", "--no-project", version])
        if found:
            yield "uv", found.splitlines()[0]
    for folder in _newest_first(glob.glob(os.path.join(uv_python_dir(), f"cpython-{version}.*"))):
        yield "uv", os.path.join(folder, "bin", name)


def probe(candidate: str, version: str, found_by: str) -> Interpreter | None:
    """Run ``candidate``; an :class:`Interpreter` if it works and is ``version``."""
    output = _output([candidate, "-I", "-c", PROBE])
    lines = (output or "").splitlines()
    if len(lines) != 2 or not _same_minor(lines[1], version):
        return None
    return Interpreter(version=version, executable=lines[0], full_version=lines[1], found_by=found_by)


def pyenv_root() -> str:
    return os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")


def uv_python_dir() -> str:
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(data_home, "uv", "python")


def _output(command: list[str]) -> str | None:
    """Stripped stdout of a command that succeeded, else None."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _same_minor(full_version: str, version: str) -> bool:
    return full_version.split(".")[:2] == version.split(".")[:2]


def _newest_first(folders: list[str]) -> list[str]:
    """Install folders named ``3.10.13`` / ``cpython-3.10.13-linux-x86_64-gnu``, newest patch first."""

    def patch(folder: str) -> int:
        digits = Path(folder).name.removeprefix("cpython-").split("-")[0].split(".")
        return int(digits[2]) if len(digits) > 2 and digits[2].isdigit() else -1

    return sorted(folders, key=patch, reverse=True)


def main(versions: list[str]) -> int:
    missing = 0
    for version in versions:
        found = find_interpreter(version)
        if found is None:
            missing += 1
            print(f"{version}: not found (looked at {where_searched(version)})")
        else:
            print(f"{version}: {found.executable} ({found.full_version}, found on {found.found_by})")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
