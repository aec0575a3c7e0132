"""The README and the docs stay true to the repo: their links lead somewhere, the make targets they name exist,
the configuration table lists every setting the code reads, and each Markdown table is one table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelarts_pulumi.log import LOG_ENV
from modelarts_pulumi.providers.workers import WORKERS_ENV
from modelarts_pulumi.settings import CONFIG_KEYS, ENV_VARS
from tests.support.pulumi_cli import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = [README, REPO_ROOT / "emulator" / "README.md", REPO_ROOT / "benchmarks" / "README.md"]
DOCS += sorted((REPO_ROOT / "docs").glob("*.md"))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def prose(path: Path) -> list[str]:
    """The lines of a Markdown file outside fenced code blocks."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file: lowercase, punctuation dropped, spaces to '-'."""
    found: set[str] = set()
    for line in prose(path):
        if match := re.match(r"#+\s+(.*)", line):
            slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
            candidate, n = slug, 0
            while candidate in found:
                n += 1
                candidate = f"{slug}-{n}"
            found.add(candidate)
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(doc: Path) -> None:
    broken = []
    for line in prose(doc):
        for target in LINK.findall(line):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: not ours to check offline
            path_part, _, anchor = target.partition("#")
            path = (doc.parent / path_part).resolve() if path_part else doc
            if not path.exists():
                broken.append(f"{target}: no such file")
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                broken.append(f"{target}: no heading #{anchor} in {path.relative_to(REPO_ROOT)}")
    assert not broken, broken


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.MULTILINE))
    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"`make ([a-z][\w-]*)", text))
    for row in re.findall(r"^\| (`make [^|]+)\|", text, flags=re.MULTILINE):  # `make server-start` / `server-stop`
        named |= {cell.removeprefix("make ").split()[0] for cell in re.findall(r"`([^`]+)`", row)}
    assert {"up", "down", "pulumi", "test", "matrix", "server-stop"} <= named
    assert named <= targets, f"not in the Makefile: {sorted(named - targets)}"


def test_the_configuration_table_lists_every_setting_and_variable_the_code_reads() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration") :]
    section = section[: section.index("\n## ")]
    keys = {
        key
        for cell in re.findall(r"^\| ([^|]+) \|", section, flags=re.MULTILINE)
        for key in re.findall(r"`(\w+)`", cell)
    }
    assert keys == set(CONFIG_KEYS), f"missing: {set(CONFIG_KEYS) - keys}; not settings: {keys - set(CONFIG_KEYS)}"
    variables = {name for names in ENV_VARS.values() for name in names} | {LOG_ENV, WORKERS_ENV}
    missing = [name for name in sorted(variables) if f"`{name}`" not in section]
    assert not missing, f"environment variables the README's configuration table does not name: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_each_table_is_one_table(doc: Path) -> None:
    """A row after a paragraph would start a table without a header: the rows before and after render apart."""
    lines = prose(doc)
    padded = ["", *lines, ""]
    headless = [
        row
        for before, row, after in zip(padded, padded[1:], padded[2:], strict=False)
        if row.startswith("|") and not before.startswith("|") and not re.match(r"\|\s*:?-{3,}", after)
    ]
    assert not headless, f"table rows without a header row and separator before them: {headless}"
