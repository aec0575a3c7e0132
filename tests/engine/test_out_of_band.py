"""Issue #5, "Out-of-band changes": what the console (or anyone behind Pulumi's back) does to our algorithms and
jobs, seen through the real CLI against the local ModelArts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelarts_pulumi.errors import ModelArtsApiError
from modelarts_pulumi.inputs import AlgorithmInputs
from modelarts_pulumi.providers.algorithm import to_request as algorithm_request
from tests.engine.stack import console_objects, job_gone, make_project, server_client, server_counts, steps
from tests.support import server as server_support
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.programs import Program, code
from tests.support.pulumi_cli import PulumiProject

pytestmark = pytest.mark.pulumi_cli

SPEC = {
    "code_dir": "/oob-bucket/code/",
    "boot_file": "/oob-bucket/code/train.py",
    "engine_name": ENGINE_NAME,
    "engine_version": ENGINE_VERSION,
}
NO_CHANNELS: dict[str, Any] = {"inputs": None, "outputs": None}
EPOCHS = [{"name": "epochs", "value": "5", "type": "Integer"}]

PROGRAM = (
    Program(bucket="oob-bucket")
    .algorithm(description="as the program says", parameters=EPOCHS, **NO_CHANNELS)
    .training_job(
        hyperparameters={"epochs": 5},
        triggers=[code('config.get("run") or "1"')],
        log_export_path=None,
        **NO_CHANNELS,
    )
    .block(
        'if config.get_bool("extra"):',
        Program().algorithm("extra", var="extra", **NO_CHANNELS).export(extra_id="extra.algorithm_id"),
    )
    .export(algorithm_id="algorithm.algorithm_id", job_id="job.job_id", phase="job.phase")
    .text()
)

ADOPT_PROGRAM = (
    Program(bucket="oob-bucket")
    .algorithm(
        adopt_id=code('config.require("algorithmId")'),
        description="managed by pulumi now",
        parameters=EPOCHS,
        **NO_CHANNELS,
    )
    .training_job(
        adopt_id=code('config.require("jobId")'),
        flavor_id=code(f'config.get("flavor") or {FLAVOR_ID!r}'),
        hyperparameters={"epochs": 5},
        log_export_path=None,
        **NO_CHANNELS,
    )
    .export(algorithm_id="algorithm.algorithm_id", algorithm_name="algorithm.name")
    .export(job_id="job.job_id", job_name="job.name")
    .text()
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Simulated jobs that stay Running until told otherwise (so a test decides how they end)."""
    data_dir = tmp_path_factory.mktemp("out-of-band") / "data"
    phases = {"creating_seconds": 0.3, "pending_seconds": 0.3, "running_seconds": 600, "terminating_seconds": 0.3}
    config = {"simulated": phases, "delete_linger_seconds": 0.3}
    with server_support.serving(data_dir, config=config) as local:
        yield local


def delete_job_in_console(server: Any, job_id: str) -> None:
    client = server_client(server)
    client.terminate_training_job(job_id)
    server.wait_for_phase(job_id, {"Terminated"})
    client.delete_training_job(job_id)
    deadline = time.monotonic() + 20
    while not job_gone(server, job_id):
        assert time.monotonic() < deadline, f"job {job_id} still listed"
        time.sleep(0.1)


def state_of(project: PulumiProject, name: str) -> dict[str, Any] | None:
    for resource in project.resources():
        if resource["urn"].endswith(f"::{name}"):
            outputs: dict[str, Any] = resource.get("outputs") or {}
            return outputs
    return None


def test_deleted_in_the_console_disappear_on_refresh_and_are_recreated_on_up(tmp_path: Path, server: Any) -> None:
    project = make_project(tmp_path / "p", server, PROGRAM, config={"extra": "true"})
    project.up()
    first = project.outputs()
    client = server_client(server)
    client.delete_algorithm(first["extra_id"])
    delete_job_in_console(server, first["job_id"])

    refresh = project.run("refresh", "--yes", "--skip-preview")
    assert "2 deleted" in refresh.stdout, refresh.describe()
    assert state_of(project, "extra") is None and state_of(project, "job") is None
    assert state_of(project, "algo") is not None
    assert steps(project.preview_json()) == {"extra": "create", "job": "create"}

    project.up()
    second = project.outputs()
    assert second["algorithm_id"] == first["algorithm_id"]
    assert second["extra_id"] != first["extra_id"] and second["job_id"] != first["job_id"]
    assert client.get_algorithm(second["extra_id"]).metadata.name.startswith("extra-")
    assert client.get_training_job(second["job_id"]).phase in ("Pending", "Running")
    project.destroy()
    assert job_gone(server, second["job_id"])


def test_an_algorithm_changed_in_the_console_shows_on_refresh_and_up_puts_it_back(tmp_path: Path, server: Any) -> None:
    project = make_project(tmp_path / "p", server, PROGRAM)
    project.up()
    first = project.outputs()
    algorithm_id = first["algorithm_id"]
    client = server_client(server)
    current = client.get_algorithm(algorithm_id)
    changed = AlgorithmInputs.model_validate(
        {
            "name": current.metadata.name,
            "description": "edited in the console",
            "parameters": [{"name": "epochs", "value": "50", "type": "Integer"}],
            **SPEC,
        }
    )
    client.update_algorithm(algorithm_id, algorithm_request(changed))

    refresh = project.run("refresh", "--yes", "--diff")
    assert '~ description             : "as the program says" => "edited in the console"' in refresh.stdout, (
        refresh.describe()
    )
    assert '~ value      : "5" => "50"' in refresh.stdout
    # The program still says otherwise: an update of the algorithm, nothing else (the job keeps its run).
    assert steps(project.preview_json()) == {"algo": "update"}

    project.up()
    after = project.outputs()
    assert (after["algorithm_id"], after["job_id"]) == (algorithm_id, first["job_id"])
    restored = client.get_algorithm(algorithm_id)
    assert restored.metadata.description == "as the program says"
    assert [(p.name, p.value) for p in restored.job_config.parameters or []] == [("epochs", "5")]  # type: ignore[union-attr]
    assert steps(project.preview_json()) == {}
    project.destroy()


def test_a_job_that_failed_since_the_last_run_is_reported_and_not_rerun_until_triggers_change(
    tmp_path: Path, server: Any
) -> None:
    project = make_project(tmp_path / "p", server, PROGRAM)
    project.up()
    job_id = project.outputs()["job_id"]
    forced = server.admin("POST", f"/jobs/{job_id}/outcome", json={"phase": "Failed", "exit_code": 3})
    assert forced.status_code == 200, forced.text
    jobs_before = server_counts(server)[1]

    refresh = project.run("refresh", "--yes", "--skip-preview")
    assert f"({job_id}) ended Failed since the last update (worker-0: exit code 3" in refresh.output, refresh.describe()
    assert "it is not re-run. Change `triggers` to run it again." in refresh.output
    assert (state_of(project, "job") or {})["phase"] == "Failed"

    rerun = project.run("up", "--yes")  # with its preview: the report shows there too
    assert "ended Failed; it is not re-run" in rerun.output, rerun.describe()
    assert project.outputs()["job_id"] == job_id
    assert project.outputs()["phase"] == "Failed"
    assert server_counts(server)[1] == jobs_before

    project.set_config("run", "2")
    assert steps(project.preview_json()) == {"job": "replace"}
    project.up()
    assert project.outputs()["job_id"] != job_id
    assert job_gone(server, job_id)
    project.destroy()


def _console_objects(server: Any, name: str) -> tuple[str, str]:
    """An algorithm and a job made behind Pulumi's back; the algorithm differs from the program's spec."""
    return console_objects(
        server,
        {
            "name": f"{name}-algo",
            "description": "made in the console",
            "parameters": [{"name": "epochs", "value": "5", "type": "Integer"}],
            **SPEC,
        },
        {"name": f"{name}-job", "flavor_id": FLAVOR_ID, "hyperparameters": {"epochs": "5"}},
    )


def test_adopt_takes_over_existing_objects_without_creating_and_destroy_deletes_them(
    tmp_path: Path, server: Any
) -> None:
    algorithm_id, job_id = _console_objects(server, "adopted")
    before = server_counts(server)
    project = make_project(tmp_path / "p", server, ADOPT_PROGRAM, config={"algorithmId": algorithm_id, "jobId": job_id})
    result = project.up()
    assert "adopting algorithm adopted-algo" in result.output and "adopting training job adopted-job" in result.output
    outputs = project.outputs()
    assert (outputs["algorithm_id"], outputs["job_id"]) == (algorithm_id, job_id)
    assert (outputs["algorithm_name"], outputs["job_name"]) == ("adopted-algo", "adopted-job")
    assert server_counts(server) == before
    # The adopted algorithm was brought in line with the program, in place.
    assert server_client(server).get_algorithm(algorithm_id).metadata.description == "managed by pulumi now"
    assert steps(project.preview_json()) == {}

    project.destroy()
    assert job_gone(server, job_id)
    with pytest.raises(ModelArtsApiError) as missing:
        server_client(server).get_algorithm(algorithm_id)
    assert missing.value.is_not_found
    assert server_counts(server) == (before[0] - 1, before[1] - 1)


def test_adopting_a_job_that_is_not_what_the_program_says_fails_and_changes_nothing(
    tmp_path: Path, server: Any
) -> None:
    algorithm_id, job_id = _console_objects(server, "mismatch")
    before = server_counts(server)
    project = make_project(
        tmp_path / "p",
        server,
        ADOPT_PROGRAM,
        config={"algorithmId": algorithm_id, "jobId": job_id, "flavor": "modelarts.vm.cpu.2u"},
    )
    result = project.run("up", "--yes", "--skip-preview", check=False)
    assert result.returncode != 0
    assert "adopt_id: training job mismatch-job" in result.output
    assert "flavor_id: the job has 'modelarts.vm.cpu.8u', the inputs say 'modelarts.vm.cpu.2u'" in result.output
    assert server_counts(server) == before
    assert server_client(server).get_training_job(job_id).phase in ("Pending", "Running")
    # The adopted algorithm is in the state: destroy hands it back (deletes it); the job stays the console's.
    project.destroy()
    assert not job_gone(server, job_id)
