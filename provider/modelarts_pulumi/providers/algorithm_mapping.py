"""Translations between Algorithm inputs/outputs and the API's algorithm documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..declare import program_only_inputs, wire_inputs
from ..inputs import AlgorithmInputs
from ..outputs import AlgorithmOutputs
from ..wire import (
    Algorithm,
    AlgorithmInput,
    AlgorithmJobConfig,
    AlgorithmMetadata,
    AlgorithmOutput,
    AlgorithmRequest,
    Constraint,
    Parameter,
)
from . import context
from .diffs import changed_keys
from .engines import engine_ref
from .validation import user_props

if TYPE_CHECKING:  # the client (and requests) is imported when a call is made, not by a preview
    from ..client import ModelArtsClient


def to_request(inputs: AlgorithmInputs) -> AlgorithmRequest:
    """The create/PUT body for the validated inputs (a PUT sends everything: it is a full replacement)."""
    return AlgorithmRequest(
        metadata=AlgorithmMetadata(
            name=inputs.name,
            description=inputs.description,
            workspace_id=inputs.workspace_id,
            tags=[{"key": k, "value": v} for k, v in sorted(inputs.tags.items())],
        ),
        job_config=AlgorithmJobConfig(
            code_dir=inputs.code_dir,
            boot_file=inputs.boot_file,
            command=inputs.command,
            engine=engine_ref(inputs),
            parameters_customization=inputs.parameters_customization,
            parameters=[
                Parameter(
                    name=p.name,
                    value=p.value,
                    description=p.description,
                    constraint=Constraint(
                        type=p.type,
                        editable=p.editable,
                        required=p.required,
                        sensitive=p.sensitive,
                        valid_type="None",
                        valid_range=p.valid_range,
                    ),
                )
                for p in inputs.parameters
            ],
            inputs=[AlgorithmInput(name=c.name, description=c.description) for c in inputs.inputs],
            outputs=[AlgorithmOutput(name=c.name, description=c.description) for c in inputs.outputs],
        ),
        resource_requirements=[],
    )


def inputs_from_wire(algorithm: Algorithm, template: Mapping[str, Any]) -> dict[str, Any]:
    """The algorithm as normalized inputs, shaped like ``template`` (the program's inputs) where the API lets
    one thing be said two ways (engine by id or by name + version), so that a refresh shows no false diff."""
    config = algorithm.job_config
    engine = config.engine if config else None
    out: dict[str, Any] = {
        "name": algorithm.metadata.name,
        "description": algorithm.metadata.description or "",
        "workspace_id": algorithm.metadata.workspace_id or "0",
        "parameters_customization": bool(config.parameters_customization) if config else True,
        "tags": {t.get("key", ""): t.get("value", "") for t in algorithm.metadata.tags or []},
        "parameters": [],
        "inputs": [],
        "outputs": [],
    }
    if config:
        for key in ("code_dir", "boot_file"):
            if getattr(config, key):
                out[key] = getattr(config, key)
        if config.command:
            out["command"] = config.command
        for p in config.parameters or []:
            constraint = p.constraint or Constraint()
            out["parameters"].append(
                {
                    "name": p.name,
                    "value": p.value or "",
                    "description": p.description or "",
                    "type": constraint.type or "String",
                    "editable": True if constraint.editable is None else constraint.editable,
                    "required": bool(constraint.required),
                    "sensitive": bool(constraint.sensitive),
                    "valid_range": list(constraint.valid_range or []),
                }
            )
        out["inputs"] = [{"name": c.name, "description": c.description or ""} for c in config.inputs or []]
        out["outputs"] = [{"name": c.name, "description": c.description or ""} for c in config.outputs or []]
    if engine:
        if engine.image_url:
            out["image_url"] = engine.image_url
        by_name = template.get("engine_name") or not template.get("engine_id")
        if by_name and engine.engine_name:
            out["engine_name"] = engine.engine_name
            out["engine_version"] = engine.engine_version
        elif engine.engine_id:
            out["engine_id"] = engine.engine_id
    for key in program_only_inputs(AlgorithmInputs):
        if template.get(key) is not None:
            out[key] = template[key]
    return out


def matches_spec(algorithm: Algorithm, props: Mapping[str, Any]) -> bool:
    """Whether an existing algorithm holds what the inputs ask for (used before adopting it)."""
    current = inputs_from_wire(algorithm, props)
    wanted = AlgorithmInputs.model_validate(user_props(props)).model_dump(mode="json", exclude_none=True)
    return not changed_keys(current, wanted, wire_inputs(AlgorithmInputs))


def outputs(client: ModelArtsClient, algorithm: Algorithm, props: Mapping[str, Any]) -> dict[str, Any]:
    """Normalized inputs plus what the service computed, and where the algorithm lives."""
    config = algorithm.job_config
    engine = config.engine if config else None
    meta = algorithm.metadata
    computed = AlgorithmOutputs.model_validate(
        {
            **context.location_of(client),
            "algorithm_id": meta.id,
            "name": meta.name,
            "resolved_engine_id": engine.engine_id if engine else None,
            "create_time": meta.create_time,
            "update_time": meta.update_time,
            "is_valid": meta.is_valid,
            "size": meta.size,
            "code_tree": config.code_tree if config else None,
        }
    )
    return {**inputs_from_wire(algorithm, props), **computed.model_dump()}
