"""Checks at preview that need the service: flavor, engine, node count, hyperparameters.

They run only when credentials are configured; without them (a CI preview, say) they are skipped and the
preview says which ones. A check that cannot reach the service is skipped too, never failed: the create call
will tell. Catalogs are cached per process, since one ``up`` checks many resources against the same lists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from pulumi.dynamic import CheckFailure

from ..client import ModelArtsClient
from ..errors import ModelArtsApiError, ModelArtsError
from ..inputs import AlgorithmInputs, TrainingJobInputs, value_type_problem
from ..wire import Algorithm, Engine, Flavor
from . import context
from .common import progress

CACHE_SECONDS = 300.0

T = TypeVar("T")
_cache: dict[tuple[str, ...], tuple[float, object]] = {}
_lock = threading.Lock()
_said_skipped: set[str] = set()


def _cached(key: tuple[str, ...], load: Callable[[], T]) -> T:
    with _lock:
        hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]  # type: ignore[return-value]
    value = load()
    with _lock:
        _cache[key] = (time.monotonic(), value)
    return value


def _client(what: str, location: dict[str, str | None]) -> ModelArtsClient | None:
    settings, why = context.try_settings()
    if settings is None:
        if what not in _said_skipped:
            _said_skipped.add(what)
            progress(f"no usable credentials ({why}); skipped the remote checks of {what}")
        return None
    return context.client_for(location)


def _location(inputs: AlgorithmInputs | TrainingJobInputs) -> dict[str, str | None]:
    return {"region": inputs.region, "project_id": inputs.project_id, "endpoint": inputs.endpoint}


def _engines(client: ModelArtsClient) -> list[Engine]:
    return _cached(("engines", client.settings.modelarts_endpoint, client.project_id), client.list_engines)


def _flavors(client: ModelArtsClient) -> list[Flavor]:
    return _cached(("flavors", client.settings.modelarts_endpoint, client.project_id), client.list_flavors)


def _engine_failure(
    client: ModelArtsClient, engine_id: str | None, name: str | None, version: str | None
) -> CheckFailure | None:
    engines = _engines(client)
    if engine_id and not any(e.engine_id == engine_id for e in engines):
        known = ", ".join(sorted(e.engine_id for e in engines))
        return CheckFailure("engine_id", f"engine_id: no engine {engine_id!r}; available: {known}")
    if name and version and not any(e.engine_name == name and e.engine_version == version for e in engines):
        known = ", ".join(sorted(f"{e.engine_name} {e.engine_version}" for e in engines))
        return CheckFailure(
            "engine_version", f"engine_name/engine_version: no engine {name} {version}; available: {known}"
        )
    return None


def check_algorithm(inputs: AlgorithmInputs) -> list[CheckFailure]:
    client = _client("engine", _location(inputs))
    if client is None:
        return []
    try:
        failure = _engine_failure(client, inputs.engine_id, inputs.engine_name, inputs.engine_version)
    except ModelArtsError as exc:
        progress(f"could not check the engine ({exc}); the create call will")
        return []
    return [failure] if failure else []


def check_training_job(inputs: TrainingJobInputs) -> list[CheckFailure]:
    client = _client("flavor, node_count, engine and hyperparameters", _location(inputs))
    if client is None:
        return []
    failures: list[CheckFailure] = []
    try:
        if inputs.flavor_id and not inputs.pool_id:
            failures += _flavor_failures(client, inputs)
        if inputs.code_dir:
            failure = _engine_failure(client, inputs.engine_id, inputs.engine_name, inputs.engine_version)
            failures += [failure] if failure else []
        if inputs.algorithm_id:
            failures += _hyperparameter_failures(client, inputs)
    except ModelArtsError as exc:
        progress(f"could not run the remote checks ({exc}); the create call will")
    return failures


def _flavor_failures(client: ModelArtsClient, inputs: TrainingJobInputs) -> list[CheckFailure]:
    flavors = _flavors(client)
    flavor = next((f for f in flavors if f.flavor_id == inputs.flavor_id), None)
    if flavor is None:
        known = ", ".join(sorted(f.flavor_id for f in flavors))
        return [CheckFailure("flavor_id", f"flavor_id: no flavor {inputs.flavor_id!r}; available: {known}")]
    if inputs.node_count > flavor.max_nodes:
        return [
            CheckFailure(
                "node_count",
                f"node_count: {inputs.node_count} is more than flavor {flavor.flavor_id} allows "
                f"(max_num {flavor.max_nodes})",
            )
        ]
    return []


def _hyperparameter_failures(client: ModelArtsClient, inputs: TrainingJobInputs) -> list[CheckFailure]:
    assert inputs.algorithm_id
    try:
        algorithm: Algorithm = client.get_algorithm(inputs.algorithm_id)
    except ModelArtsApiError as exc:
        if exc.is_not_found:
            return [CheckFailure("algorithm_id", f"algorithm_id: no algorithm {inputs.algorithm_id!r}")]
        raise
    config = algorithm.job_config
    declared = {p.name: p for p in (config.parameters or [])} if config else {}
    customizable = bool(config and config.parameters_customization)
    failures = []
    for name, value in inputs.hyperparameters.items():
        parameter = declared.get(name)
        if parameter is None:
            if not customizable:
                known = ", ".join(sorted(declared)) or "none"
                failures.append(
                    CheckFailure(
                        f"hyperparameters.{name}",
                        f"hyperparameters.{name}: algorithm {algorithm.metadata.name} declares no such parameter "
                        f"and does not allow custom ones (declared: {known})",
                    )
                )
            continue
        constraint = parameter.constraint
        type_ = constraint.type if constraint and constraint.type else "String"
        problem = value_type_problem(type_, value)
        if problem:
            failures.append(CheckFailure(f"hyperparameters.{name}", f"hyperparameters.{name}: {value!r} {problem}"))
        elif constraint and constraint.editable is False and value != (parameter.value or ""):
            failures.append(
                CheckFailure(
                    f"hyperparameters.{name}",
                    f"hyperparameters.{name}: not editable in algorithm "
                    f"{algorithm.metadata.name} (fixed at {parameter.value!r})",
                )
            )
        elif constraint and constraint.valid_range and value not in constraint.valid_range and type_ == "String":
            failures.append(
                CheckFailure(
                    f"hyperparameters.{name}",
                    f"hyperparameters.{name}: {value!r} is not one of {', '.join(constraint.valid_range)}",
                )
            )
    for name, parameter in declared.items():
        if (
            parameter.constraint
            and parameter.constraint.required
            and not parameter.value
            and name not in inputs.hyperparameters
        ):
            failures.append(
                CheckFailure(
                    f"hyperparameters.{name}",
                    f"hyperparameters.{name}: required by algorithm {algorithm.metadata.name} and it has no default",
                )
            )
    return failures
