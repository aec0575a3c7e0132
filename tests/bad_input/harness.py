"""Running the bad-input corpus through the real Pulumi CLI, as few times as possible.

The engine stops a preview at the first resource whose check fails, so one preview reports one resource.
To keep the number of CLI runs down, cases of the same base are packed into one resource when they change
different keys (maps are merged key by key) and the provider's own ``check``, called in this process against
the same server, still reports every member's failure from the packed resource. Cases that do not pack (cross-
field rules that the others would mask, typos that stop the program) get a resource of their own. The CLI
result is what the tests assert; packing only decides how many runs it takes.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelarts_pulumi import Algorithm, ObsFolder, TrainingJob
from modelarts_pulumi.providers.algorithm import AlgorithmProvider
from modelarts_pulumi.providers.training_job import TrainingJobProvider
from tests.bad_input.corpus import BASES, Case
from tests.support.provider_process import configured_provider
from tests.support.pulumi_cli import PULUMI, CommandResult, PulumiProject, run_command

RESOURCES_ENV = "BAD_INPUT_RESOURCES"

# Declares the resources named in $BAD_INPUT_RESOURCES, as described in resources.json.
PROGRAM = """
import json
import os

import modelarts_pulumi as modelarts

KINDS = {"Algorithm": modelarts.Algorithm, "TrainingJob": modelarts.TrainingJob, "ObsFolder": modelarts.ObsFolder}
with open("resources.json") as handle:
    RESOURCES = json.load(handle)
for name in os.environ["BAD_INPUT_RESOURCES"].split(","):
    spec = RESOURCES[name]
    KINDS[spec["type"]](name, **spec["props"])
"""

CLASSES: dict[str, type] = {"Algorithm": Algorithm, "TrainingJob": TrainingJob, "ObsFolder": ObsFolder}
PROVIDERS = {"Algorithm": AlgorithmProvider, "TrainingJob": TrainingJobProvider}
"""The kinds whose cases pack: their classes send the arguments as the provider checks them. An ObsFolder's
class reads and hashes its source first, so its cases each get a run of their own."""


def resolve(value: Any, ids: Mapping[str, str]) -> Any:
    """``@name`` placeholders replaced by the seeded algorithms' IDs."""
    if isinstance(value, str) and value.startswith("@") and value[1:] in ids:
        return ids[value[1:]]
    if isinstance(value, dict):
        return {k: resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ids) for v in value]
    return value


def apply(base: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    props = dict(base)
    for key, value in change.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def is_program_error(case: Case) -> bool:
    """A changed key the resource class does not take: Python stops the program (a typo)."""
    kind = BASES[case.base][0]
    accepted = set(inspect.signature(CLASSES[kind]).parameters)
    return any(key not in accepted for key in case.change)


@dataclass
class Group:
    """One resource of the corpus run: the cases it carries and its props."""

    name: str
    kind: str
    base: str
    cases: list[Case] = field(default_factory=list)
    change: dict[str, Any] = field(default_factory=dict)

    @property
    def program_error(self) -> bool:
        return any(is_program_error(c) for c in self.cases)


def _merge(change: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any] | None:
    """Both changes at once, or None when they touch the same key (maps: the same map key) differently."""
    merged = dict(change)
    for key, value in other.items():
        if key not in merged:
            merged[key] = value
            continue
        mine = merged[key]
        if not (isinstance(mine, dict) and isinstance(value, dict)):
            return None
        if any(k in mine and mine[k] != v for k, v in value.items()):
            return None
        if not value or not mine:
            return None  # "empty map" is a change of its own
        merged[key] = {**mine, **value}
    return merged


def _as_the_engine_sends(value: Any) -> Any:
    # Every number crosses the engine as a double.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, dict):
        return {k: _as_the_engine_sends(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_the_engine_sends(v) for v in value]
    return value


def check_in_process(kind: str, props: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The provider's check, as the engine would call it for a resource declared with ``props``."""
    sent = _as_the_engine_sends(dict(props))
    if "name" not in sent:
        sent.update({"name_prefix": "packed", "name_seed": "bad-input/test"})
    result = PROVIDERS[kind]().check({}, sent)
    return [(f.property, f.reason) for f in result.failures or []]


def reported(case: Case, failures: Sequence[tuple[str, str]]) -> bool:
    return any(prop == case.prop and all(r in reason for r in case.rule) for prop, reason in failures)


def pack(cases: Sequence[Case], ids: Mapping[str, str], config: Mapping[str, str]) -> list[Group]:
    """Greedy packing, verified with in-process checks against the server ``config`` points at."""
    groups: list[Group] = []
    with configured_provider(config):
        for case in cases:
            kind, base = BASES[case.base]
            placed = False
            if kind in PROVIDERS and not is_program_error(case):
                for group in groups:
                    if group.base != case.base or group.program_error:
                        continue
                    merged = _merge(group.change, case.change)
                    if merged is None:
                        continue
                    failures = check_in_process(kind, resolve(apply(base, merged), ids))
                    if all(reported(c, failures) for c in [*group.cases, case]):
                        group.cases.append(case)
                        group.change = merged
                        placed = True
                        break
            if not placed:
                groups.append(Group(f"bad-{len(groups) + 1}", kind, case.base, [case], dict(case.change)))
    return groups


@dataclass
class Run:
    """One CLI run and its error diagnostics, ``[(urn, message)]``."""

    label: str
    result: CommandResult
    errors: list[tuple[str, str]]
    infos: list[tuple[str, str]]


def diagnostics(result: CommandResult) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Error and info diagnostics of a ``--json`` run (the text output's lines if it is not JSON)."""
    try:
        data = json.loads(result.stdout)
    except ValueError:
        text = _strip(result.output)
        return [("", text)], [("", text)]
    errors: list[tuple[str, str]] = []
    infos: list[tuple[str, str]] = []
    for diag in data.get("diagnostics") or []:
        entry = (str(diag.get("urn", "")), str(diag.get("message", "")))
        (errors if diag.get("severity") == "error" else infos).append(entry)
    return errors, infos


def _strip(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def preview(project: PulumiProject, label: str, resources: Sequence[str], *, stack: str | None = None) -> Run:
    env = {**project.env, RESOURCES_ENV: ",".join(resources)}
    command = [str(PULUMI), "preview", "--json", "--non-interactive", "--color", "never"]
    command += ["--stack", stack or project.stack]
    result = run_command(command, cwd=project.directory, env=env, check=False, timeout=240)
    errors, infos = diagnostics(result)
    return Run(label, result, errors, infos)


def run_all(jobs: Sequence[Any], workers: int = 2) -> list[Any]:
    """Run callables concurrently (each CLI run is mostly process start-up)."""
    workers = max(1, min(workers, os.cpu_count() or 1, len(jobs)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: job(), jobs))


def write_stack_config(project: PulumiProject, stack: str, config: Mapping[str, str]) -> None:
    """Add plain ``config:`` to the stack file `stack init` wrote (faster than one `config set` per key)."""
    path = project.directory / f"Pulumi.{stack}.yaml"
    existing = path.read_text() if path.exists() else ""
    lines = [line for line in existing.splitlines() if line.strip() and not line.startswith("config:")]
    lines.append("config:")
    lines += [f"  {key}: {json.dumps(value)}" for key, value in config.items()]
    path.write_text("\n".join(lines) + "\n")


def init_stack(project: PulumiProject, stack: str) -> None:
    run_command([str(PULUMI), "stack", "init", stack, "--non-interactive"], cwd=project.directory, env=project.env)


def resources_file(directory: Path, specs: Mapping[str, tuple[str, dict[str, Any]]]) -> None:
    data = {name: {"type": kind, "props": props} for name, (kind, props) in specs.items()}
    (directory / "resources.json").write_text(json.dumps(data, indent=1))
