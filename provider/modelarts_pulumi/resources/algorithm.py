"""The ``Algorithm`` resource: what a program declares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from ..providers.algorithm import AlgorithmProvider
from .common import check_settings_before_deploy, identity_props, location_props


class Algorithm(Resource, module="modelarts", name="Algorithm"):
    """A ModelArts algorithm: training code (an OBS folder and its boot file), an AI engine, hyperparameters
    with defaults and constraints, and the input/output channels a training job binds to OBS paths.

    Everything but the name and workspace can change in place (the API's PUT replaces the whole definition).
    The physical name defaults to the resource name plus a suffix; an explicit ``name`` is honoured, and
    changing it replaces the algorithm.

    Args:
        resource_name: The Pulumi resource name.
        name: The algorithm's name in ModelArts (1-64 letters, digits, ``_``, ``-``). Default: autonamed.
        description: Up to 256 characters.
        code_dir: OBS folder holding the code, ``/bucket/path/`` or ``obs://bucket/path/``.
        boot_file: OBS path of the boot file, inside ``code_dir``.
        command: Boot command, for a custom image.
        engine_name: AI engine name, e.g. ``PyTorch`` (with ``engine_version``); see ``lookup_engine``.
        engine_version: AI engine version, e.g. ``pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64``.
        engine_id: AI engine id, instead of name + version.
        image_url: Custom image (SWR path), with ``command``.
        parameters: Hyperparameters: dicts with ``name``, ``value`` (default, as a string), ``description``,
            ``type`` (``String``/``Integer``/``Float``/``Boolean``), ``editable``, ``required``, ``sensitive``,
            ``valid_range``.
        parameters_customization: Whether jobs may pass hyperparameters the algorithm does not declare.
        inputs: Input channels: dicts with ``name`` and ``description``; the boot file gets ``--<name>=<dir>``.
        outputs: Output channels, like ``inputs``.
        tags: Key/value tags.
        workspace_id: ModelArts workspace, default ``"0"``. Changing it replaces the algorithm.
        adopt_id: Take over an existing algorithm with this ID instead of creating one (its definition is
            then brought in line with these inputs). Dynamic resources cannot be ``pulumi import``-ed; this is
            the way to bring an existing algorithm under management.
        region, project_id, endpoint: Where to create it. Default: the ``modelarts:`` stack config. Recorded,
            so refresh and destroy act where it lives.
    """

    algorithm_id: pulumi.Output[str]
    """The algorithm's ID (also the resource ID); give it to ``TrainingJob(algorithm_id=...)``."""
    name: pulumi.Output[str]
    """The algorithm's name in ModelArts."""
    description: pulumi.Output[str]
    code_dir: pulumi.Output[str | None]
    boot_file: pulumi.Output[str | None]
    engine_name: pulumi.Output[str | None]
    engine_version: pulumi.Output[str | None]
    resolved_engine_id: pulumi.Output[str | None]
    """The engine ID the service resolved the engine to."""
    parameters: pulumi.Output[list[dict[str, Any]]]
    inputs: pulumi.Output[list[dict[str, str]]]
    outputs: pulumi.Output[list[dict[str, str]]]
    create_time: pulumi.Output[int]
    """Creation time, epoch milliseconds."""
    update_time: pulumi.Output[int]
    """Last modification time, epoch milliseconds (0 until modified)."""
    is_valid: pulumi.Output[Any]
    size: pulumi.Output[int | None]
    """Size of the code, bytes."""
    code_tree: pulumi.Output[Any]
    """Listing of ``code_dir`` as the service saw it."""
    region: pulumi.Output[str]
    project_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]

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
        props: dict[str, Any] = {
            "name": name,
            "description": description,
            "code_dir": code_dir,
            "boot_file": boot_file,
            "command": command,
            "engine_name": engine_name,
            "engine_version": engine_version,
            "engine_id": engine_id,
            "image_url": image_url,
            "parameters": parameters,
            "parameters_customization": parameters_customization,
            "inputs": inputs,
            "outputs": outputs,
            "tags": tags,
            "workspace_id": workspace_id,
            "adopt_id": adopt_id,
            **identity_props(resource_name, name),
            **location_props(region, project_id, endpoint),
            # Computed outputs: present as None so that they become attributes of this object.
            "algorithm_id": None,
            "resolved_engine_id": None,
            "create_time": None,
            "update_time": None,
            "is_valid": None,
            "size": None,
            "code_tree": None,
        }
        check_settings_before_deploy(region, project_id, endpoint)
        super().__init__(AlgorithmProvider(), resource_name, props, opts)
        # The same value as the output, but known at preview when the algorithm is only updated: a dynamic
        # provider cannot answer previews, so every output of an updated resource is unknown then, and a job
        # using `algorithm_id` would show as replaced although the update keeps the ID.
        self.algorithm_id = self.id
