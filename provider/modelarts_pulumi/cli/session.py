"""What one command works with: the stack (if any), the settings, clients, and the job a JOB argument names.

Settings come from the same chain as the provider's: the stack's ``modelarts:*`` config, then the
environment; a job of the stack is reached where its state says it lives (region, project, endpoint). Outside
a Pulumi project the environment alone gives the settings.

JOB is looked up as: a resource name of the stack, a job name of the stack, a job ID of the stack, a job ID
in the project, a job name in the project (exact). Nothing found: the error lists the stack's similar names.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property

from ..client import ModelArtsClient
from ..errors import ModelArtsApiError, ModelArtsConfigError
from ..settings import Settings, located
from ..wire import TrainingJob
from .stack import Stack, StackJob

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class CliError(Exception):
    """A command could not do its job; the message says why."""


@dataclass(frozen=True)
class FoundJob:
    """A job a JOB argument named: the job now, the client that reaches it, and its resource name (if any)."""

    job: TrainingJob
    client: ModelArtsClient
    resource: str | None

    @property
    def job_id(self) -> str:
        return self.job.metadata.id

    def refreshed(self) -> FoundJob:
        return FoundJob(self.client.get_training_job(self.job_id), self.client, self.resource)


class Session:
    """The stack, settings and clients of one command."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._clients: dict[tuple[str | None, str | None, str | None], ModelArtsClient] = {}

    @cached_property
    def config(self) -> dict[str, str]:
        return self.stack.config if self.stack.available else {}

    @property
    def stack_jobs(self) -> list[StackJob]:
        return self.stack.jobs if self.stack.available else []

    def client(self, job: StackJob | None = None) -> ModelArtsClient:
        """A client for where ``job`` lives (None: where the settings point)."""
        key = (job.region, job.project_id, job.endpoint) if job else (None, None, None)
        if key not in self._clients:
            config = located(self.config, region=key[0], project_id=key[1], endpoint=key[2])
            try:
                settings = Settings.from_config(config)
            except ModelArtsConfigError as exc:
                raise ModelArtsConfigError(f"modelarts settings: {exc}") from None
            self._clients[key] = ModelArtsClient(settings)
        return self._clients[key]

    def resource_of(self, job_id: str) -> str | None:
        return next((j.resource for j in self.stack_jobs if j.job_id == job_id), None)

    def find(self, ref: str) -> FoundJob:
        """The job ``ref`` names (see the module's docstring), or a :class:`CliError` listing similar names."""
        in_stack = self._in_stack(ref)
        if in_stack is not None:
            client = self.client(in_stack)
            try:
                return FoundJob(client.get_training_job(in_stack.job_id), client, in_stack.resource)
            except ModelArtsApiError as exc:
                if exc.is_not_found:
                    raise CliError(
                        f"{ref}: training job {in_stack.job_id} of stack {self.stack.name} no longer exists "
                        f"(deleted outside Pulumi? `pulumi refresh` forgets it)"
                    ) from None
                raise
        client = self.client()
        if UUID.match(ref):
            try:
                return FoundJob(client.get_training_job(ref), client, None)
            except ModelArtsApiError as exc:
                if not exc.is_not_found:
                    raise
        named = client.find_training_jobs_by_name(ref)
        if len(named) > 1:
            ids = ", ".join(f"{job.metadata.id} ({job.phase})" for job in named)
            raise CliError(f"{ref}: several training jobs have this name ({ids}); give the ID")
        if named:
            return FoundJob(named[0], client, self.resource_of(named[0].metadata.id))
        raise CliError(self._unknown(ref, client))

    def _in_stack(self, ref: str) -> StackJob | None:
        for attribute in ("resource", "name", "job_id"):
            for job in self.stack_jobs:
                if getattr(job, attribute) == ref:
                    return job
        return None

    def _unknown(self, ref: str, client: ModelArtsClient) -> str:
        where = f"project {client.project_id}"
        if not self.stack.available:
            return f"{ref}: no training job with this name or ID in {where} (and no Pulumi project here)"
        names = [name for job in self.stack_jobs for name in (job.resource, job.name)]
        close = difflib.get_close_matches(ref, names, n=5, cutoff=0.5)
        known = ", ".join(f"{job.resource} ({job.name})" for job in self.stack_jobs) or "none"
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        return (
            f"{ref}: no training job of this name or ID in stack {self.stack.name} or {where}.{hint} "
            f"Training jobs of the stack: {known}."
        )
