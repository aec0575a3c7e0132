"""The ``Algorithm`` resource: what a program declares."""

# No `from __future__ import annotations`: Pulumi reads the output annotations below on every registration
# (`_types.resource_types`), and evaluating them as strings cost three times as much.

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from ..inputs import AlgorithmInputs
from ..outputs import AlgorithmOutputs
from ..providers.algorithm import AlgorithmProvider
from .declared import Declared, DeclaredResource


class Algorithm(DeclaredResource, module="modelarts", name="Algorithm"):
    """A ModelArts algorithm: training code (an OBS folder and its boot file), an AI engine, hyperparameters
    with defaults and constraints, and the input/output channels a training job binds to OBS paths.

    Everything but the name, the workspace and the location can change in place (the API's PUT replaces the
    whole definition). The physical name defaults to the resource name plus a suffix; an explicit ``name`` is
    honoured, and changing it replaces the algorithm.
    """

    DECLARED = Declared(AlgorithmInputs, AlgorithmOutputs)
    PROVIDER = AlgorithmProvider

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
        super().__init__(resource_name, locals())
        # The same value as the output, but known at preview when the algorithm is only updated: a dynamic
        # provider cannot answer previews, so every output of an updated resource is unknown then, and a job
        # using `algorithm_id` would show as replaced although the update keeps the ID.
        self.algorithm_id = self.id
        if code_dir is not None:
            _code_dirs[self.algorithm_id] = code_dir


# The code_dir each Algorithm was declared with, by the algorithm_id Output it exposes: a TrainingJob given that
# Output runs this code, and is replaced when it changes (TrainingJob's rerun_on_code_change).
_code_dirs: weakref.WeakKeyDictionary[pulumi.Output[str], pulumi.Input[str]] = weakref.WeakKeyDictionary()


def code_dir_of(algorithm_id: object) -> pulumi.Input[str] | None:
    """The ``code_dir`` of the Algorithm whose ``algorithm_id`` Output this is, as the program declared it; None
    for anything else (a plain ID, an Output derived from it, an algorithm without code)."""
    return _code_dirs.get(algorithm_id) if isinstance(algorithm_id, pulumi.Output) else None


Algorithm.__doc__ = Algorithm.DECLARED.docstring(Algorithm)
