"""The ``TrainingJob`` resource: what a program declares."""

# No `from __future__ import annotations`: Pulumi reads the output annotations below on every registration
# (`_types.resource_types`), and evaluating them as strings cost three times as much.

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from ..inputs import TrainingJobInputs
from ..outputs import TrainingJobOutputs
from ..providers.training_job import TrainingJobProvider
from .algorithm import code_dir_of
from .declared import Declared, DeclaredResource


class TrainingJob(DeclaredResource, module="modelarts", name="TrainingJob"):
    """A ModelArts training job: an algorithm run once on a flavor, with data and output OBS paths.

    A job is immutable but for its ``description`` and ``tags``, and ``stopped`` stops it in place: changing
    any other input that reaches ModelArts replaces it (shown at preview). With an explicit ``name`` the old
    job is deleted first (names collide); an autonamed job is replaced by creating the new one first.
    ``triggers`` is the deliberate way to run the same spec again, for instance after the job ended ``Failed``
    (a failed job is reported, never re-run on its own).
    """

    DECLARED = Declared(TrainingJobInputs, TrainingJobOutputs)
    PROVIDER = TrainingJobProvider

    # Outputs, documented in outputs.TrainingJobOutputs.
    job_id: pulumi.Output[str]
    name: pulumi.Output[str]
    phase: pulumi.Output[str]
    secondary_phase: pulumi.Output[str | None]
    create_time: pulumi.Output[int | None]
    start_time: pulumi.Output[int | None]
    duration: pulumi.Output[int | None]
    tasks: pulumi.Output[list[dict[str, Any]]]
    exit_code: pulumi.Output[int | None]
    exit_message: pulumi.Output[str]
    algorithm_name: pulumi.Output[str | None]
    output_urls: pulumi.Output[dict[str, str]]
    log_path: pulumi.Output[str | None]
    console_url: pulumi.Output[str]
    metrics: pulumi.Output[dict[str, float] | None]
    log_url: pulumi.Output[str | None]
    region: pulumi.Output[str]
    project_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        algorithm_id: pulumi.Input[str] | None = None,
        code_dir: pulumi.Input[str] | None = None,
        boot_file: pulumi.Input[str] | None = None,
        command: pulumi.Input[str] | None = None,
        engine_name: pulumi.Input[str] | None = None,
        engine_version: pulumi.Input[str] | None = None,
        engine_id: pulumi.Input[str] | None = None,
        image_url: pulumi.Input[str] | None = None,
        hyperparameters: pulumi.Input[Mapping[str, Any]] | None = None,
        inputs: pulumi.Input[Mapping[str, Any] | Sequence[Any]] | None = None,
        outputs: pulumi.Input[Mapping[str, Any] | Sequence[Any]] | None = None,
        flavor_id: pulumi.Input[str] | None = None,
        pool_id: pulumi.Input[str] | None = None,
        node_count: pulumi.Input[int] | None = None,
        log_export_path: pulumi.Input[str] | None = None,
        environments: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        volumes: pulumi.Input[Sequence[Any]] | None = None,
        auto_stop_hours: pulumi.Input[int] | None = None,
        annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        stopped: pulumi.Input[bool] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        rerun_on_code_change: pulumi.Input[bool] | None = None,
        wait_for: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[int] | None = None,
        log_lines_per_second: pulumi.Input[int] | None = None,
        keep_failed: pulumi.Input[bool] | None = None,
        delete_timeout: pulumi.Input[int] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        kind: pulumi.Input[str] | None = None,
        workspace_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Every keyword argument is an input of TrainingJobInputs (tests/provider/test_declarations.py checks it).
        # The code the algorithm runs, when the program declares it: its change replaces the job.
        code = code_dir_of(algorithm_id) if rerun_on_code_change is not False else None
        super().__init__(resource_name, locals(), {"algorithm_code_dir": code})
        # Known at preview when the job is only updated (see Algorithm.algorithm_id).
        self.job_id = self.id


TrainingJob.__doc__ = TrainingJob.DECLARED.docstring(TrainingJob)
