"""The ``Algorithm`` resource: what a program declares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from ..inputs import AlgorithmInputs
from ..outputs import AlgorithmOutputs
from ..program_settings import check_settings_before_deploy
from ..providers.algorithm import AlgorithmProvider
from .declared import Declared

DECLARED = Declared(AlgorithmInputs, AlgorithmOutputs)


class Algorithm(Resource, module="modelarts", name="Algorithm"):
    """A ModelArts algorithm: training code (an OBS folder and its boot file), an AI engine, hyperparameters
    with defaults and constraints, and the input/output channels a training job binds to OBS paths.

    Everything but the name, the workspace and the location can change in place (the API's PUT replaces the
    whole definition). The physical name defaults to the resource name plus a suffix; an explicit ``name`` is
    honoured, and changing it replaces the algorithm.
    """

    # Outputs (documented in outputs.AlgorithmOutputs), then inputs, as the provider normalized them.
    algorithm_id: pulumi.Output[str]
    name: pulumi.Output[str]
    resolved_engine_id: pulumi.Output[str | None]
    create_time: pulumi.Output[int | None]
    update_time: pulumi.Output[int | None]
    is_valid: pulumi.Output[bool | str | None]
    size: pulumi.Output[int | None]
    code_tree: pulumi.Output[Any]
    region: pulumi.Output[str]
    project_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    description: pulumi.Output[str]
    code_dir: pulumi.Output[str | None]
    boot_file: pulumi.Output[str | None]
    engine_name: pulumi.Output[str | None]
    engine_version: pulumi.Output[str | None]
    parameters: pulumi.Output[list[dict[str, Any]]]
    inputs: pulumi.Output[list[dict[str, str]]]
    outputs: pulumi.Output[list[dict[str, str]]]

    @staticmethod
    def get(
        resource_name: str,
        id: pulumi.Input[str],
        *,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> Algorithm:
        """Read an existing algorithm by ID without managing it: its outputs, refreshed on every ``up``; never
        changed or deleted by this stack (``destroy`` only forgets it). An ID that does not exist fails the
        operation. Like every read, it needs credentials, in a preview too."""
        return Algorithm(
            resource_name,
            region=region,
            project_id=project_id,
            endpoint=endpoint,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)),
        )

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        code_dir: pulumi.Input[str] | None = None,
        boot_file: pulumi.Input[str] | None = None,
        command: pulumi.Input[str] | None = None,
        engine_name: pulumi.Input[str] | None = None,
        engine_version: pulumi.Input[str] | None = None,
        engine_id: pulumi.Input[str] | None = None,
        image_url: pulumi.Input[str] | None = None,
        parameters: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None,
        parameters_customization: pulumi.Input[bool] | None = None,
        inputs: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None,
        outputs: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        workspace_id: pulumi.Input[str] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Every keyword argument is an input of AlgorithmInputs (tests/provider/test_declarations.py checks it).
        props = DECLARED.props(resource_name, locals())
        check_settings_before_deploy(region, project_id, endpoint)
        super().__init__(AlgorithmProvider(), resource_name, props, DECLARED.options(opts))
        # The same value as the output, but known at preview when the algorithm is only updated: a dynamic
        # provider cannot answer previews, so every output of an updated resource is unknown then, and a job
        # using `algorithm_id` would show as replaced although the update keeps the ID.
        self.algorithm_id = self.id


Algorithm.__doc__ = DECLARED.docstring(Algorithm)
