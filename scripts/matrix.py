"""The interpreter matrix (noxfile.py, `make matrix`): what it runs, what each session records, and the table
`make test` prints at the end.

Per Python version, in ``.nox/matrix-results/``: ``<version>.json`` (the interpreter found, or where it was looked
for) and the JUnit XML reports of its two pytest runs, ``<version>-unit.xml`` and ``<version>-stack.xml``.
``python scripts/matrix.py`` prints the summary table from them.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / ".nox" / "matrix-results"
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")
"""Every Python the provider supports (provider/pyproject.toml: requires-python, classifiers)."""
UNIT_TESTS = ("tests/client", "tests/obs_client", "tests/provider", "tests/lookups")
"""Run on every supported Python: what can differ by interpreter, and is quick."""
STACK_TESTS = ("tests/matrix",)
"""The example stack through the real CLI, program and provider on the session's Python (marker ``matrix``)."""


@dataclass
class Found:
    """What the session knew about its interpreter; written before anything runs."""

    version: str
    executable: str | None = None
    full_version: str | None = None
    found_by: str | None = None
    searched: str | None = None  # where it looked, when not found
    required: bool = False  # CI: a missing interpreter fails the run


@dataclass
class PytestRun:
    """A JUnit report's counts (pytest ``--junitxml``) and the properties the tests recorded."""

    tests: int
    failures: int
    errors: int
    skipped: int
    seconds: float
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.errors == 0 and self.passed > 0

    def describe(self) -> str:
        problems = ((self.failures, "failed"), (self.errors, "errors"), (self.skipped, "skipped"))
        parts = [f"{self.passed} passed", *(f"{n} {what}" for n, what in problems if n)]
        return f"{', '.join(parts)} in {self.seconds:.0f}s"


def found_path(version: str, results: Path = RESULTS_DIR) -> Path:
    return results / f"{version}.json"


def junit_path(version: str, run: str, results: Path = RESULTS_DIR) -> Path:
    return results / f"{version}-{run}.xml"


def write_found(found: Found, results: Path = RESULTS_DIR) -> None:
    results.mkdir(parents=True, exist_ok=True)
    for stale in results.glob(f"{found.version}[.-]*"):
        stale.unlink()
    found_path(found.version, results).write_text(json.dumps(asdict(found), indent=1), encoding="utf-8")


def read_found(version: str, results: Path = RESULTS_DIR) -> Found | None:
    path = found_path(version, results)
    return Found(**json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


def read_junit(path: Path) -> PytestRun | None:
    """The counts of a pytest JUnit report, or None if there is none (the run did not happen or crashed)."""
    if not path.is_file():
        return None
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    run = PytestRun(tests=0, failures=0, errors=0, skipped=0, seconds=0.0)
    for suite in suites:
        run.tests += int(suite.get("tests", 0))
        run.failures += int(suite.get("failures", 0))
        run.errors += int(suite.get("errors", 0))
        run.skipped += int(suite.get("skipped", 0))
        run.seconds += float(suite.get("time", 0.0))
        for prop in suite.iter("property"):
            run.properties[prop.get("name", "")] = prop.get("value", "")
    return run


def run_cell(run: PytestRun | None) -> str:
    if run is None:
        return "[red]did not run[/red]"
    return run.describe() if run.ok else f"[red]{run.describe()}[/red]"


def stack_cell(run: PytestRun | None) -> str:
    """What the example-stack test proved: which Pythons ran the program and the provider."""
    if run is None or not run.ok:
        return run_cell(run)
    program = run.properties.get("program_python", "?")
    provider = run.properties.get("provider_python", "?")
    return f"deployed: preview, up, destroy in {run.seconds:.0f}s (program {program}, provider {provider})"


def summary(results: Path = RESULTS_DIR, versions: tuple[str, ...] = SUPPORTED) -> tuple[Table, bool]:
    """The table, and whether every Python that ran passed (or was allowed to be skipped)."""
    table = Table(title="Interpreter matrix (noxfile.py)", title_justify="left")
    for column in ("Python", "interpreter found", "unit tests", "example stack", "result"):
        table.add_column(column)
    all_ok = True
    for version in versions:
        found = read_found(version, results)
        if found is None:  # not selected (nox -s ...); a session that crashed fails nox itself
            table.add_row(version, "not run", "-", "-", "-")
            continue
        if found.executable is None:
            verdict = "[red]FAILED: not found (CI needs it)[/red]" if found.required else "skipped: not found"
            all_ok = all_ok and not found.required
            table.add_row(version, f"not found (looked at {found.searched})", "-", "-", verdict)
            continue
        unit = read_junit(junit_path(version, "unit", results))
        stack = read_junit(junit_path(version, "stack", results))
        ok = bool(unit and unit.ok and stack and stack.ok)
        all_ok = all_ok and ok
        where = f"{found.full_version} {found.executable} ({found.found_by})"
        table.add_row(version, where, run_cell(unit), stack_cell(stack), "ok" if ok else "[red]FAILED[/red]")
    return table, all_ok


def main() -> int:
    table, all_ok = summary()
    Console(width=200).print(table)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
