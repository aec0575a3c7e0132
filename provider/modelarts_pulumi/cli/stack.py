"""A Pulumi stack as the command-line tool reads it: through the ``pulumi`` CLI (``stack --show-name``,
``config --json --show-secrets``, ``stack export``), in the project folder (``--cwd``), for the selected or
the given stack (``--stack``). It reads, and never changes, anything: not even which stack is selected.

The stack's ``modelarts:*`` config holds the settings (credentials are secrets: reading them needs what
``pulumi`` itself needs, e.g. ``PULUMI_CONFIG_PASSPHRASE`` for a passphrase-encrypted stack); the state
holds the training jobs, each with where it lives (region, project, endpoint) and its ID.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..settings import CONFIG_NAMESPACE, config_text

TRAINING_JOB_TYPE = "pulumi-python:dynamic/modelarts:TrainingJob"
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml", "Pulumi.json")


class StackError(Exception):
    """The stack could not be read; the message says why (and what ``pulumi`` said)."""


@dataclass(frozen=True)
class StackJob:
    """A TrainingJob resource of the stack, as its state records it."""

    resource: str
    job_id: str
    name: str
    region: str | None
    project_id: str | None
    endpoint: str | None


class Stack:
    """The stack ``name`` (None: the selected one) of the Pulumi project in or above ``cwd``."""

    def __init__(self, cwd: Path, name: str | None) -> None:
        self.cwd = cwd
        self.given_name = name

    @cached_property
    def project_dir(self) -> Path | None:
        for folder in (self.cwd, *self.cwd.parents):
            if any((folder / file).is_file() for file in PROJECT_FILES):
                return folder
        return None

    @property
    def available(self) -> bool:
        """Whether there is a project to read a stack of (a stack named with ``--stack`` must then be read)."""
        return self.project_dir is not None or self.given_name is not None

    @cached_property
    def name(self) -> str:
        if self.given_name:
            return self.given_name
        return self._pulumi("stack", "--show-name").strip()

    @cached_property
    def config(self) -> dict[str, str]:
        """The stack's ``modelarts:*`` config, secrets in clear (as ``{"modelarts:<key>": text}``)."""
        raw = json.loads(self._pulumi("config", "--json", "--show-secrets", "--stack", self.name) or "{}")
        prefix = f"{CONFIG_NAMESPACE}:"
        return {
            key: config_text(entry.get("value"))
            for key, entry in raw.items()
            if key.startswith(prefix) and isinstance(entry, dict) and entry.get("value") is not None
        }

    @cached_property
    def jobs(self) -> list[StackJob]:
        """The stack's training jobs, in the state's order."""
        state = json.loads(self._pulumi("stack", "export", "--stack", self.name))
        resources: list[dict[str, Any]] = (state.get("deployment") or {}).get("resources") or []
        jobs = []
        for resource in resources:
            outputs = resource.get("outputs") or {}
            if resource.get("type") != TRAINING_JOB_TYPE or resource.get("delete") or not resource.get("id"):
                continue
            jobs.append(
                StackJob(
                    resource=str(resource.get("urn", "")).rsplit("::", 1)[-1],
                    job_id=str(resource["id"]),
                    name=str(outputs.get("name") or ""),
                    region=_text(outputs.get("region")),
                    project_id=_text(outputs.get("project_id")),
                    endpoint=_text(outputs.get("endpoint")),
                )
            )
        return jobs

    def _pulumi(self, *args: str) -> str:
        where = self.project_dir or self.cwd
        executable = shutil.which("pulumi")
        if executable is None:
            raise StackError("the `pulumi` CLI is not on PATH: it is needed to read the stack")
        done = subprocess.run(
            [executable, *args, "--non-interactive"],
            cwd=where,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            raise StackError(f"`pulumi {' '.join(args)}` failed in {where}: {said[-1] if said else done.returncode}")
        return done.stdout


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
