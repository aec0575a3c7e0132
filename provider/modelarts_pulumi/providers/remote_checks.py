"""Checks at preview that need the service: flavor, engine, node count, hyperparameters.

They run only when credentials are configured; without any (a CI preview, say) they are skipped and the
preview says which ones. Settings that are given but wrong (an unknown region, a malformed endpoint, two kinds
of credentials, credentials the service rejects) fail the check: preview can tell. A check that cannot reach
the service is skipped, never failed: the create call will tell.

They cost few calls: what they fetch (the catalogs, the algorithm a job runs) is cached per provider process,
since one ``up`` checks many resources against the same lists; and they do not run at all for a resource
whose checked inputs (``ALGORITHM_CHECKED``, ``JOB_CHECKED``) are as they were at the last deployment and
that is not replaced (:func:`~modelarts_pulumi.providers.checking.check_props`): they passed then, and
nothing new is made. So a preview with nothing to do calls ModelArts not once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pulumi.dynamic import CheckFailure

from ..errors import ModelArtsApiError, ModelArtsConfigError, ModelArtsError
from ..inputs import AlgorithmInputs, TrainingJobInputs
from ..rules import value_type_problem
from ..settings import CONFIG_NAMESPACE, CREDENTIAL_KEYS_BY_KIND, checkable_settings
from ..wire import Algorithm, Engine, Flavor
from . import context
from .progress import progress

if TYPE_CHECKING:  # the client (and requests) is imported when a call is made, not by a preview
    from ..client import ModelArtsClient

CACHE_SECONDS = 300.0
MAX_LISTED = 20

ALGORITHM_CHECKS = "algorithms (the engine exists)"
JOB_CHECKS = (
    "training jobs (the flavor exists, node_count is within its max_num, the engine exists, the hyperparameters "
    "fit the algorithm)"
)

ALGORITHM_CHECKED = ("engine_id", "engine_name", "engine_version")
"""The algorithm inputs the remote checks read (and where it lives)."""
JOB_CHECKED = (
    "flavor_id",
    "pool_id",
    "node_count",
    "code_dir",
    "engine_id",
    "engine_name",
    "engine_version",
    "algorithm_id",
    "hyperparameters",
)
"""The training job inputs the remote checks read (and where it lives)."""

T = TypeVar("T")
_cache: dict[tuple[str, ...], tuple[float, object]] = {}
_loading: dict[tuple[str, ...], threading.Lock] = {}
_lock = threading.Lock()
_said_skipped: set[str] = set()


def _cached(key: tuple[str, ...], load: Callable[[], T]) -> T:
    """The value cached under ``key`` if fresh, else ``load()``'s. One load per key at a time: the checks of
    many resources run at once, and all but the first wait for its answer instead of asking too."""
    with _lock:
        loading = _loading.setdefault(key, threading.Lock())
    with loading:
        with _lock:
            hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]  # type: ignore[return-value]
        value = load()
        with _lock:
            _cache[key] = (time.monotonic(), value)
        return value


def forget_algorithm(client: ModelArtsClient, algorithm_id: str) -> None:
    """Drop a cached algorithm: this process just changed it, and jobs may be checked against it next."""
    with _lock:
        _cache.pop(_algorithm_key(client, algorithm_id), None)


def clear_cache() -> None:
    """Forget everything fetched (as a new provider process would start)."""
    with _lock:
        _cache.clear()


def _algorithm_key(client: ModelArtsClient, algorithm_id: str) -> tuple[str, ...]:
    return ("algorithm", client.settings.modelarts_endpoint, client.project_id, algorithm_id)


def _client(what: str, location: dict[str, str | None]) -> tuple[ModelArtsClient | None, list[CheckFailure]]:
    """A client for the remote checks; None (checks skipped, said once) without credentials; a failure when
    the settings are wrong."""
    try:
        settings = checkable_settings(context.located_config(location))
    except ModelArtsConfigError as exc:
        return None, [settings_failure(exc)]
    if settings is None:
        if what not in _said_skipped:
            _said_skipped.add(what)
            progress(
                f"no credentials configured: skipped the remote checks of {what}; the offline checks ran. "
                f"Configure credentials (e.g. {CONFIG_NAMESPACE}:accessKey + {CONFIG_NAMESPACE}:secretKey) "
                "to run them."
            )
        return None, []
    return context.client_for(location), []


def settings_failure(exc: ModelArtsConfigError) -> CheckFailure:
    return CheckFailure("", f"modelarts settings: {exc}")


def _call_failure(exc: ModelArtsError, what: str, client: ModelArtsClient) -> list[CheckFailure]:
    """A failure if the settings are wrong (the service refused the credentials); else skip, saying so."""
    if isinstance(exc, ModelArtsConfigError):
        return [settings_failure(exc)]
    if isinstance(exc, ModelArtsApiError) and exc.is_auth_error:
        keys = " + ".join(f"{CONFIG_NAMESPACE}:{key}" for key in CREDENTIAL_KEYS_BY_KIND[client.settings.auth_kind])
        return [
            CheckFailure(
                "",
                f"modelarts settings: the service refused the credentials ({exc}); check {keys} "
                "(or the environment variables they come from)",
            )
        ]
    progress(f"could not run the remote checks of {what} ({exc}); the create call will")
    return []


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
    client, failures = _client(ALGORITHM_CHECKS, _location(inputs))
    if client is None:
        return failures
    try:
        failure = _engine_failure(client, inputs.engine_id, inputs.engine_name, inputs.engine_version)
    except ModelArtsError as exc:
        return _call_failure(exc, "the engine", client)
    return [failure] if failure else []


def check_training_job(inputs: TrainingJobInputs) -> list[CheckFailure]:
    client, failures = _client(JOB_CHECKS, _location(inputs))
    if client is None:
        return failures
    try:
        if inputs.flavor_id and not inputs.pool_id:
            failures += _flavor_failures(client, inputs)
        if inputs.code_dir:
            failure = _engine_failure(client, inputs.engine_id, inputs.engine_name, inputs.engine_version)
            failures += [failure] if failure else []
        if inputs.algorithm_id:
            failures += _hyperparameter_failures(client, inputs)
    except ModelArtsError as exc:
        return failures + _call_failure(exc, "training jobs", client)
    return failures


def _flavor_failures(client: ModelArtsClient, inputs: TrainingJobInputs) -> list[CheckFailure]:
    flavors = _flavors(client)
    flavor = next((f for f in flavors if f.flavor_id == inputs.flavor_id), None)
    if flavor is None:
        known = _listing(sorted(f"{f.flavor_id} (max_num {f.max_nodes})" for f in flavors))
        return [CheckFailure("flavor_id", f"flavor_id: no flavor {inputs.flavor_id!r}; available: {known}")]
    if inputs.node_count > flavor.max_nodes:
        enough = [f"{f.flavor_id} (max_num {f.max_nodes})" for f in flavors if f.max_nodes >= inputs.node_count]
        return [
            CheckFailure(
                "node_count",
                f"node_count: {inputs.node_count} is more than flavor {flavor.flavor_id} allows "
                f"(max_num {flavor.max_nodes}); flavors allowing {inputs.node_count} nodes: "
                f"{_listing(enough)}",
            )
        ]
    return []


def _listing(items: list[str]) -> str:
    if not items:
        return "none"
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f", ... ({len(items) - MAX_LISTED} more)" if len(items) > MAX_LISTED else "")


def _hyperparameter_failures(client: ModelArtsClient, inputs: TrainingJobInputs) -> list[CheckFailure]:
    assert inputs.algorithm_id
    try:
        algorithm_id = inputs.algorithm_id
        key = _algorithm_key(client, algorithm_id)
        algorithm: Algorithm = _cached(key, lambda: client.get_algorithm(algorithm_id))
    except ModelArtsApiError as exc:
        if exc.is_not_found:
            existing = [f"{a.metadata.id} ({a.metadata.name})" for a in client.list_algorithms()]
            return [
                CheckFailure(
                    "algorithm_id",
                    f"algorithm_id: no algorithm {inputs.algorithm_id!r} in project {client.project_id}; "
                    f"available: {_listing(existing)}",
                )
            ]
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
