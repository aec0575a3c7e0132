"""Engine-test helpers: a throwaway Pulumi project aimed at the local ModelArts, and a client to look behind
Pulumi's back at what the server really holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelarts_pulumi.client import ModelArtsClient
from modelarts_pulumi.errors import ModelArtsApiError
from modelarts_pulumi.inputs import AlgorithmInputs, TrainingJobInputs
from modelarts_pulumi.providers.algorithm import to_request as algorithm_request
from modelarts_pulumi.providers.job_mapping import to_request as job_request
from modelarts_pulumi.settings import Settings
from tests.support.pulumi_cli import PulumiProject, require_pulumi_cli


def server_client(server: Any) -> ModelArtsClient:
    return ModelArtsClient(Settings.from_config(server.stack_config(), env={}))


def console_objects(server: Any, algorithm: dict[str, Any], job: dict[str, Any]) -> tuple[str, str]:
    """An algorithm and a job using it, made behind Pulumi's back (as in the console), from input-shaped
    dicts; returns their IDs."""
    client = server_client(server)
    made = client.create_algorithm(algorithm_request(AlgorithmInputs.model_validate(algorithm)))
    run = client.create_training_job(
        job_request(TrainingJobInputs.model_validate({**job, "algorithm_id": made.metadata.id}))
    )
    return made.metadata.id, run.metadata.id


def job_gone(server: Any, job_id: str) -> bool:
    """True once the server answers 'no such training job' (400 ModelArts.2775) for `job_id`."""
    try:
        server_client(server).get_training_job(job_id)
    except ModelArtsApiError as exc:
        return exc.is_not_found
    return False


def server_counts(server: Any) -> tuple[int, int]:
    """(algorithms, training jobs) the server holds, from its admin state (cheap, never faulted)."""
    state = server.admin("GET", "/state").json()
    return int(state["algorithms"]), int(state["training_jobs"]["total"])


def make_project(
    directory: Path,
    server: Any,
    program: str,
    *,
    name: str = "engine-test",
    config: dict[str, str] | None = None,
    credentials: bool = True,
) -> PulumiProject:
    """A project whose `__main__.py` is `program`, with stack `test` configured for `server`."""
    require_pulumi_cli()
    project = PulumiProject.create(directory, name=name, files={"__main__.py": program})
    project.init_stack("test")
    settings = server.stack_config()
    for key, value in settings.items():
        if key in ("modelarts:accessKey", "modelarts:secretKey"):
            if credentials:
                project.set_config(key, value, secret=True)
        else:
            project.set_config(key, value)
    for key, value in (config or {}).items():
        project.set_config(key, value)
    return project


def steps(preview: dict[str, Any]) -> dict[str, str]:
    """`{resource name: op}` for our resources that a `pulumi preview --json` plans to change.

    Unchanged resources are left out (the preview may or may not list them as `same`), so `{}` means
    "no changes". A replacement's several steps are reported once, as `replace`.
    """
    out: dict[str, str] = {}
    for step in preview.get("steps", []):
        urn = step.get("urn", "")
        op = step.get("op", "")
        if "pulumi-python:dynamic" not in urn or op == "same":
            continue
        name = urn.rsplit("::", 1)[-1]
        out[name] = "replace" if op in ("replace", "create-replacement", "delete-replaced") else op
    return out


def state_text(project: PulumiProject) -> str:
    """Everything the backend stores for the stack, as text."""
    return "\n".join(p.read_text() for p in (project.directory / ".pulumi-state").rglob("*.json"))
