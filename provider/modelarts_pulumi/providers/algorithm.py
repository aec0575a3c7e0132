"""The dynamic provider behind :class:`~modelarts_pulumi.Algorithm`: a thin translation to the client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from ..client import ModelArtsClient
from ..errors import ModelArtsApiError, ModelArtsError
from ..inputs import AlgorithmInputs
from ..wire import (
    Algorithm,
    AlgorithmInput,
    AlgorithmJobConfig,
    AlgorithmMetadata,
    AlgorithmOutput,
    AlgorithmRequest,
    Constraint,
    EngineRef,
    Parameter,
)
from . import context, remote_checks
from .common import UNKNOWN, autoname, changed_keys, fetch_for_read, progress, user_props, validate
from .create import create_once

# Changing these makes a different algorithm: the API cannot rename or move one.
REPLACE_KEYS = ("name", "workspace_id", "region", "project_id", "endpoint", "adopt_id")
UPDATE_KEYS = (
    "description",
    "code_dir",
    "boot_file",
    "command",
    "engine_id",
    "engine_name",
    "engine_version",
    "image_url",
    "parameters",
    "parameters_customization",
    "inputs",
    "outputs",
    "tags",
)
LOCATION_KEYS = ("region", "project_id", "endpoint")
# Kept from the program, never read back from the service.
PROGRAM_ONLY_KEYS = ("name_prefix", "name_seed", "adopt_id", "region", "project_id", "endpoint")


class AlgorithmProvider(ResourceProvider):
    """Creates, reads, updates and deletes ModelArts algorithms. Holds no state: see ``context``."""

    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        context.configure(req)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = user_props(news)
        if not props.get("name") and not props.get("adopt_id"):
            props["name"] = autoname(props, _olds, identity=("workspace_id",)) or UNKNOWN
        placeholder = props.get("adopt_id") and not props.get("name")
        candidate = {**props, "name": "adopted"} if placeholder else props
        parsed, failures, _unknown = validate(AlgorithmInputs, candidate)
        if parsed is None:
            return CheckResult(props, failures)
        failures += remote_checks.check_algorithm(parsed)
        normalized = parsed.model_dump(mode="json", exclude_none=True)
        if placeholder:
            normalized.pop("name")
        return CheckResult(normalized, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in changed_keys(olds, news, REPLACE_KEYS) if _given(news, key)]
        updates = changed_keys(olds, news, UPDATE_KEYS)
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            # Names are unique per workspace: an explicitly named replacement must wait for the old one to go.
            delete_before_replace=bool(replaces) and not news.get("name_prefix"),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = context.client_for(props)
        if props.get("adopt_id"):
            algorithm = self._adopt(client, props)
        else:
            inputs = AlgorithmInputs.model_validate(user_props(props))
            algorithm = create_once(
                kind="algorithm",
                name=inputs.name,
                post=lambda: client.create_algorithm(to_request(inputs)),
                find=lambda: client.find_algorithm_by_name(inputs.name, inputs.workspace_id),
                matches=lambda found: _same_spec(found, props),
                duplicate_codes=("ModelArts.2821",),
            )
        return CreateResult(algorithm.metadata.id, outputs(client, algorithm, props))

    def _adopt(self, client: ModelArtsClient, props: dict[str, Any]) -> Algorithm:
        adopt_id = str(props["adopt_id"])
        try:
            algorithm = client.get_algorithm(adopt_id)
        except ModelArtsApiError as exc:
            if exc.is_not_found:
                raise ModelArtsError(f"adopt_id: no algorithm {adopt_id} in project {client.project_id}") from exc
            raise
        progress(f"adopting algorithm {algorithm.metadata.name} ({adopt_id})")
        wanted = {**props, "name": props.get("name") or algorithm.metadata.name}
        if not _same_spec(algorithm, wanted):
            inputs = AlgorithmInputs.model_validate(user_props(wanted))
            algorithm = client.update_algorithm(adopt_id, to_request(inputs))
        return algorithm

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = context.client_for(props)
        algorithm = fetch_for_read(
            lambda: client.get_algorithm(id_),
            first_read=props.get("algorithm_id") is None,  # `Algorithm.get`: never seen before
            missing=f"Algorithm.get: no algorithm with ID {id_!r} in project {client.project_id}",
        )
        if algorithm is None:
            return ReadResult(None, {})  # deleted behind our back
        outs = outputs(client, algorithm, props)
        # Location keys are outputs; as inputs they would show as removed in the next diff's display.
        inputs = {k: v for k, v in outs.items() if k in _input_keys() and k not in LOCATION_KEYS}
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = context.client_for(olds)
        wanted = {**user_props(news), "name": news.get("name") or olds.get("name")}
        inputs = AlgorithmInputs.model_validate(wanted)
        algorithm = client.update_algorithm(id_, to_request(inputs))
        return UpdateResult(outputs(client, algorithm, {**olds, **news, "name": inputs.name}))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client = context.client_for(props)
        try:
            client.delete_algorithm(id_)
        except ModelArtsApiError as exc:
            if not exc.is_not_found:
                raise


def _given(news: Mapping[str, Any], key: str) -> bool:
    # Location keys absent from the program mean "wherever it already is", not "move it".
    return key not in ("region", "project_id", "endpoint", "name") or bool(news.get(key))


def _input_keys() -> set[str]:
    return set(AlgorithmInputs.model_fields)


def to_request(inputs: AlgorithmInputs) -> AlgorithmRequest:
    """The create/PUT body for the validated inputs (a PUT sends everything: it is a full replacement)."""
    engine = EngineRef(
        engine_id=inputs.engine_id,
        engine_name=inputs.engine_name,
        engine_version=inputs.engine_version,
        image_url=inputs.image_url,
    )
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
            engine=engine,
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
    for key in PROGRAM_ONLY_KEYS:
        if template.get(key) is not None:
            out[key] = template[key]
    return out


def _same_spec(algorithm: Algorithm, props: Mapping[str, Any]) -> bool:
    current = inputs_from_wire(algorithm, props)
    wanted = AlgorithmInputs.model_validate(user_props(props)).model_dump(mode="json", exclude_none=True)
    return not changed_keys(current, wanted, (*UPDATE_KEYS, "name", "workspace_id"))


def outputs(client: ModelArtsClient, algorithm: Algorithm, props: Mapping[str, Any]) -> dict[str, Any]:
    """Normalized inputs plus what the service computed, and where the algorithm lives."""
    engine = algorithm.job_config.engine if algorithm.job_config else None
    meta = algorithm.metadata
    return {
        **inputs_from_wire(algorithm, props),
        **context.location_of(client),
        "algorithm_id": meta.id,
        "resolved_engine_id": engine.engine_id if engine else None,
        "create_time": meta.create_time,
        "update_time": meta.update_time,
        "is_valid": meta.is_valid,
        "size": meta.size,
        "code_tree": algorithm.job_config.code_tree if algorithm.job_config else None,
    }
