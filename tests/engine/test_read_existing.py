"""Reading existing algorithms and jobs by ID without managing them (dynamic resources cannot be imported):
``Algorithm.get`` / ``TrainingJob.get`` (read resources) and ``lookup_algorithm`` / ``lookup_training_job``
(Outputs), through the real CLI against the local ModelArts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.engine.stack import console_objects, make_project, server_client, server_counts
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.programs import Program

pytestmark = pytest.mark.pulumi_cli

PROGRAM = (
    Program()
    .line(
        'algorithm = modelarts.Algorithm.get("existing-algo", config.require("algorithmId"))',
        'job = modelarts.TrainingJob.get("existing-job", config.require("jobId"))',
        "found = modelarts.lookup_training_job(job.job_id)",
        'algorithm_found = modelarts.lookup_algorithm(config.require("algorithmId"))',
    )
    .export(algorithm_name="algorithm.name", algorithm_engine="algorithm.engine_name")
    .export(**{f"job_{name}": f"job.{name}" for name in ("name", "phase", "log_url")}, job_flavor="job.flavor_id")
    .export(looked_up_phase='found.apply(lambda j: j["status"]["phase"])')
    .export(looked_up_algorithm='algorithm_found.apply(lambda a: a["metadata"]["name"])')
    .text()
)

LOOKUP_ONLY_PROGRAM = """
import pulumi
import modelarts_pulumi as modelarts

job = modelarts.lookup_training_job(pulumi.Config().require("jobId"))
pulumi.export("phase", job.apply(lambda j: j["status"]["phase"]))
"""


def make_in_console(server: Any, name: str) -> tuple[str, str]:
    """An algorithm and a job made in the console (directly through the API), outside any stack."""
    algorithm = {
        "name": f"{name}-algo",
        "code_dir": "/read-bucket/code/",
        "boot_file": "/read-bucket/code/train.py",
        "engine_name": ENGINE_NAME,
        "engine_version": ENGINE_VERSION,
    }
    return console_objects(server, algorithm, {"name": f"{name}-job", "flavor_id": FLAVOR_ID})


def test_get_and_lookup_read_existing_objects_and_destroy_leaves_them_alone(
    tmp_path: Path, local_modelarts: Any
) -> None:
    algorithm_id, job_id = make_in_console(local_modelarts, "read")
    project = make_project(
        tmp_path / "p", local_modelarts, PROGRAM, config={"algorithmId": algorithm_id, "jobId": job_id}
    )
    before = server_counts(local_modelarts)

    preview = project.preview_json()
    reads = {s["urn"].rsplit("::", 1)[-1] for s in preview["steps"] if s["op"] == "read"}
    assert reads == {"existing-algo", "existing-job"}

    project.up()
    outputs = project.outputs(show_secrets=True)
    assert (outputs["algorithm_name"], outputs["algorithm_engine"]) == ("read-algo", "PyTorch")
    assert (outputs["job_name"], outputs["job_flavor"]) == ("read-job", "modelarts.vm.cpu.8u")
    phase = server_client(local_modelarts).get_training_job(job_id).phase
    assert outputs["job_phase"] in ("Pending", "Running", "Completed") and outputs["looked_up_phase"] in (
        "Pending",
        "Running",
        "Completed",
    )
    assert outputs["looked_up_algorithm"] == "read-algo"
    assert outputs["job_log_url"].startswith(local_modelarts.url)
    assert project.outputs()["job_log_url"] == "[secret]"
    # Read resources are in the state as external: never changed, never deleted.
    read_resources = [r for r in project.resources() if r["type"].startswith("pulumi-python:dynamic")]
    assert {r["id"] for r in read_resources} == {algorithm_id, job_id}
    assert all(r.get("external") for r in read_resources)

    project.destroy()
    assert server_counts(local_modelarts) == before
    assert server_client(local_modelarts).get_training_job(job_id).phase in (phase, "Running", "Completed")
    assert server_client(local_modelarts).get_algorithm(algorithm_id).metadata.name == "read-algo"


GET_ONLY_PROGRAM = """
import pulumi
import modelarts_pulumi as modelarts

job = modelarts.TrainingJob.get("existing-job", pulumi.Config().require("jobId"))
pulumi.export("phase", job.phase)
"""

MISSING_JOB = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("program", "message"),
    [
        (GET_ONLY_PROGRAM, f"TrainingJob.get: no training job with ID '{MISSING_JOB}' in project"),
        (LOOKUP_ONLY_PROGRAM, f"lookup_training_job: no training job with ID '{MISSING_JOB}' in project"),
    ],
    ids=["get", "lookup"],
)
def test_reading_an_id_that_does_not_exist_fails_naming_it(
    tmp_path: Path, local_modelarts: Any, program: str, message: str
) -> None:
    project = make_project(tmp_path / "p", local_modelarts, program, config={"jobId": MISSING_JOB})
    result = project.run("preview", check=False)
    assert result.returncode != 0
    assert message in result.output
    if program is LOOKUP_ONLY_PROGRAM:  # the program's own error; the dynamic provider's come with a traceback
        assert "Traceback" not in result.output


def test_lookup_of_a_job_stays_unknown_in_a_preview_without_credentials(tmp_path: Path, local_modelarts: Any) -> None:
    _, job_id = make_in_console(local_modelarts, "offline")
    project = make_project(
        tmp_path / "p", local_modelarts, LOOKUP_ONLY_PROGRAM, config={"jobId": job_id}, credentials=False
    )
    preview = project.run("preview")
    assert "phase: [unknown]" in preview.output
    assert "no credentials configured: lookups stay unknown in this preview" in preview.output

    with_credentials = make_project(tmp_path / "q", local_modelarts, LOOKUP_ONLY_PROGRAM, config={"jobId": job_id})
    with_credentials.up()
    assert with_credentials.outputs()["phase"] in ("Pending", "Running", "Completed")
