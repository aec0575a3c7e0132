"""Create-time handling of a training-job request: the checks in document order, then the expansion
into the ``algorithm`` and ``spec.resource`` a job shows (stored algorithm merged in, flavor resolved).

Kept apart from the service so that the checks of a create body, and the order they are answered in,
can be read in one place; the checks that need stored jobs (unique names, quotas) stay with the service.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from . import errors, validation
from .algorithms import AlgorithmService, code_location, resolve_engine
from .catalog import Catalog

KINDS = (
    "job",
    "federated_pool_job",
    "edge_job",
    "hetero_job",
    "mrs_job",
    "autosearch_job",
    "diag_job",
    "visualization_job",
)
INPUT_ROOT = "/home/ma-user/modelarts/inputs"
OUTPUT_ROOT = "/home/ma-user/modelarts/outputs"


@dataclass(frozen=True)
class JobPlan:
    """A validated create request, before the checks that need state."""

    kind: str
    name: str
    description: str
    workspace_id: str
    metadata_extra: dict[str, Any]
    annotations: dict[str, str]
    algorithm: dict[str, Any]
    spec: dict[str, Any]
    resource: dict[str, Any]
    node_count: int
    extra: dict[str, Any]


@dataclass(frozen=True)
class ExpandedRequest:
    """A create request ready to become a job: the plan, the algorithm as the job shows it, the flavor and resource."""

    plan: JobPlan
    algorithm: dict[str, Any]
    flavor: dict[str, Any] | None
    resource: dict[str, Any]


class JobRequestExpander:
    """Validates and expands create requests; needs the catalog and the stored algorithms, nothing else."""

    def __init__(self, catalog: Catalog, algorithms: AlgorithmService) -> None:
        self._catalog = catalog
        self._algorithms = algorithms

    def expand(self, project_id: str, body: dict[str, Any]) -> ExpandedRequest:
        """Check and expand a create body; the first problem found is raised, in a fixed order."""
        plan = _validate(body)
        algorithm = self._expand_algorithm(project_id, plan.algorithm)
        flavor, resource = self._resolve_resource(plan)
        if "engine" not in algorithm:
            algorithm["engine"] = _job_engine(
                resolve_engine(self._catalog, plan.algorithm.get("engine"), "algorithm.engine")
            )
        return ExpandedRequest(plan, algorithm, flavor, resource)

    def _expand_algorithm(self, project_id: str, raw: dict[str, Any]) -> dict[str, Any]:
        """The job's ``algorithm`` as the response shows it (2755 / 2814 / 2768 / 2769 / 2783)."""
        if raw.get("subscription_id"):
            raise errors.AlgorithmNotFound()  # there is no market here
        stored: dict[str, Any] | None = None
        if raw.get("id"):
            if not isinstance(raw["id"], str):
                raise errors.InvalidParam("algorithm.id")
            stored = self._algorithms.get(project_id, raw["id"])
        result: dict[str, Any] = {}
        if stored is not None:
            config = stored["job_config"]
            result["id"] = stored["metadata"]["id"]
            result["name"] = stored["metadata"]["name"]
            for key in ("code_dir", "boot_file"):
                if config.get(key):
                    result[key] = config[key]
            command = raw.get("command") or config.get("command")
            if command:
                result["command"] = command
            result["parameters"] = _merge_parameters(
                config.get("parameters") or [], raw.get("parameters") or [], config.get("parameters_customization")
            )
            result["parameters_customization"] = bool(config.get("parameters_customization"))
            declared_inputs = {c["name"]: c for c in config.get("inputs") or []}
            declared_outputs = {c["name"]: c for c in config.get("outputs") or []}
        else:
            for key in ("name", "code_dir", "boot_file", "command"):
                if raw.get(key):
                    result[key] = raw[key]
            result["parameters"] = validation.parameters(raw.get("parameters") or [], "algorithm.parameters")
            if raw.get("parameters_customization") is not None:
                result["parameters_customization"] = bool(raw["parameters_customization"])
            declared_inputs = {}
            declared_outputs = {}
        result["inputs"] = _job_channels(raw, "inputs", declared_inputs, INPUT_ROOT)
        result["outputs"] = _job_channels(raw, "outputs", declared_outputs, OUTPUT_ROOT)
        if stored is not None:
            engine = stored["job_config"].get("engine") or {}
            if engine.get("engine_id"):
                fresh = self._catalog.find_engine(engine_id=engine["engine_id"])
                engine = fresh or engine
            result["engine"] = _job_engine(engine)
        for key in (
            "local_code_dir",
            "working_dir",
            "environments",
            "policies",
            "summary",
            "autosearch_config_path",
            "autosearch_framework_path",
        ):
            if raw.get(key) is not None:
                result[key] = copy.deepcopy(raw[key])
        return result

    def _resolve_resource(self, plan: JobPlan) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The flavor (2763 / 2781 / 404 2890) and the ``spec.resource`` of the response (2793)."""
        resource = plan.resource
        flavor_id = resource.get("flavor_id")
        pool_id = resource.get("pool_id")
        flavor: dict[str, Any] | None
        if pool_id:
            pool = self._catalog.get_pool(pool_id)
            if pool is None:
                raise errors.PoolNotFound(pool_id)
            flavor = None
            if flavor_id:
                flavor = self._catalog.get_flavor(flavor_id) or self._catalog.pool_flavor(pool, flavor_id)
                if flavor is None:
                    raise errors.FlavorNotFound(flavor_id)
            max_nodes = self._catalog.max_nodes(flavor) if flavor else int(pool.get("max_node_count", 16))
        else:
            if not flavor_id:
                raise errors.InvalidParam("spec.resource.flavor_id")
            flavor = self._catalog.get_flavor(flavor_id)
            if flavor is None:
                raise errors.DoNotHaveFlavor()
            max_nodes = self._catalog.max_nodes(flavor)
        if plan.node_count > max_nodes:
            raise errors.FlavorOutOfRange(plan.node_count, max_nodes)
        out: dict[str, Any] = {"policy": resource.get("policy") or "regular"}
        if flavor is not None:
            info = {k: v for k, v in (flavor.get("flavor_info") or {}).items() if k != "max_num"}
            out.update(
                flavor_id=flavor["flavor_id"],
                flavor_name=flavor.get("flavor_name", flavor["flavor_id"]),
                node_count=plan.node_count,
                flavor_detail={
                    "flavor_type": flavor.get("flavor_type", "CPU"),
                    "billing": flavor.get("billing", {"code": flavor["flavor_id"], "unit_num": 1}),
                    "flavor_info": info,
                },
            )
        else:
            out["node_count"] = plan.node_count
        if pool_id:
            out["pool_id"] = pool_id
        for key, value in resource.items():
            if key not in out and key not in ("flavor_id", "node_count", "pool_id"):
                out[key] = copy.deepcopy(value)
        return flavor, out


def _validate(body: dict[str, Any]) -> JobPlan:
    """Structure and format checks (2788 / 2791 / 2757 / 2758 / 2857), in document order."""
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise errors.InvalidParam("kind")
    metadata = validation.obj(body, "metadata", "metadata", required=True)
    name = validation.name(metadata.get("name"), "metadata.name")
    description = validation.description(metadata.get("description"), "metadata.description")
    workspace_id = validation.workspace_id(metadata.get("workspace_id"), "metadata.workspace_id")
    annotations = metadata.get("annotations") or {}
    if not isinstance(annotations, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in annotations.items()
    ):
        raise errors.InvalidParam("metadata.annotations")
    metadata_extra = {}
    if metadata.get("training_experiment_reference") is not None:
        metadata_extra["training_experiment_reference"] = copy.deepcopy(metadata["training_experiment_reference"])

    algorithm = validation.obj(body, "algorithm", "algorithm", required=True)
    if not (algorithm.get("id") or algorithm.get("subscription_id")):
        code_location(algorithm, "algorithm")
        engine = validation.obj(algorithm, "engine", "algorithm.engine")
        has_code = bool(algorithm.get("code_dir"))
        if engine.get("image_url") and not algorithm.get("command") and not has_code:
            raise errors.MustHaveCmdAndImage()
        if not has_code and not engine.get("image_url"):
            raise errors.InvalidParam("algorithm")
    for i, param in enumerate(validation.array(algorithm, "parameters", "algorithm.parameters")):
        if not isinstance(param, dict) or not isinstance(param.get("name"), str):
            raise errors.InvalidParam(f"algorithm.parameters[{i}].name")
    _check_channels(algorithm, "inputs")
    _check_channels(algorithm, "outputs")
    _check_environments(algorithm.get("environments"))
    _check_local_dirs(algorithm)
    if algorithm.get("command") is not None and not isinstance(algorithm["command"], str):
        raise errors.InvalidParam("algorithm.command")

    spec = validation.obj(body, "spec", "spec", required=True)
    resource = validation.obj(spec, "resource", "spec.resource", required=True)
    node_count = resource.get("node_count", 1)
    if isinstance(node_count, bool) or not isinstance(node_count, int) or node_count < 1:
        raise errors.InvalidParam("spec.resource.node_count")
    for key in ("flavor_id", "pool_id"):
        if resource.get(key) is not None and not isinstance(resource[key], str):
            raise errors.InvalidParam(f"spec.resource.{key}")
    log_export = validation.obj(spec, "log_export_path", "spec.log_export_path")
    if log_export.get("obs_url") is not None:
        validation.obs_path(log_export["obs_url"], "spec.log_export_path.obs_url")
    auto_stop = spec.get("auto_stop")
    if auto_stop is not None and (
        not isinstance(auto_stop, dict)
        or auto_stop.get("time_unit") != "HOURS"
        or isinstance(auto_stop.get("duration"), bool)
        or not isinstance(auto_stop.get("duration"), int)
        or auto_stop["duration"] < 1
    ):
        raise errors.InvalidParam("spec.auto_stop")
    for i, volume in enumerate(validation.array(spec, "volumes", "spec.volumes")):
        if not isinstance(volume, dict):
            raise errors.InvalidParam(f"spec.volumes[{i}]")
        obs = volume.get("obs")
        if isinstance(obs, dict) and obs.get("obs_path") is not None:
            validation.obs_path(obs["obs_path"], f"spec.volumes[{i}].obs.obs_path")

    extra = {k: copy.deepcopy(body[k]) for k in ("endpoints", "tasks") if body.get(k) is not None}
    return JobPlan(
        kind,
        name,
        description,
        workspace_id,
        metadata_extra,
        dict(annotations),
        algorithm,
        spec,
        resource,
        node_count,
        extra,
    )


def _job_engine(engine: dict[str, Any]) -> dict[str, Any]:
    """An engine as a job shows it: no image_info, plus usage and support_groups."""
    if not engine.get("engine_id"):
        return copy.deepcopy(engine)
    out: dict[str, Any] = {
        "engine_id": engine["engine_id"],
        "engine_name": engine.get("engine_name"),
        "engine_version": engine.get("engine_version"),
        "usage": "training",
        "support_groups": "public",
    }
    if engine.get("tags"):
        out["tags"] = copy.deepcopy(engine["tags"])
    for key in ("v1_compatible", "run_user", "image_url", "install_sys_packages"):
        if key in engine:
            out[key] = engine[key]
    return out


def _merge_parameters(declared: list[dict[str, Any]], overrides: list[Any], customizable: Any) -> list[dict[str, Any]]:
    """The algorithm's parameters with the job's values (2767 / 2768 / 2769 / 2814)."""
    merged = copy.deepcopy(declared)
    by_name = {p["name"]: p for p in merged}
    seen: set[str] = set()
    for i, item in enumerate(overrides):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise errors.InvalidParam(f"algorithm.parameters[{i}].name")
        name = item["name"]
        if name in seen:
            raise errors.ParameterKeyRepeat()
        seen.add(name)
        target = by_name.get(name)
        if target is None:
            if not customizable:
                raise errors.AlgorithmNotMatch(f"parameters.{name}")
            extra = validation.parameters([item], f"algorithm.parameters[{i}]")[0]
            merged.append(extra)
            by_name[name] = extra
            continue
        value = item.get("value", target["value"])
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            raise errors.InvalidParam(f"algorithm.parameters[{i}].value")
        if value != target["value"] and not target["constraint"].get("editable", True):
            raise errors.AlgorithmNotMatch(f"parameters.{name}")
        if value != "":
            validation.check_value(value, target["constraint"])
        target["value"] = value
    return merged


def _check_channels(algorithm: dict[str, Any], kind: str) -> None:
    names: set[str] = set()
    for i, item in enumerate(validation.array(algorithm, kind, f"algorithm.{kind}")):
        where = f"algorithm.{kind}[{i}]"
        if not isinstance(item, dict):
            raise errors.InvalidParam(where)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise errors.InvalidParam(f"{where}.name")
        if name in names:
            raise errors.InputsOutputsMessageError()
        names.add(name)
        remote = item.get("remote")
        if not isinstance(remote, dict):
            raise errors.InvalidParam(f"{where}.remote")
        obs = remote.get("obs")
        dataset = remote.get("dataset")
        if isinstance(obs, dict):
            validation.obs_path(obs.get("obs_url"), f"{where}.remote.obs.obs_url")
        elif kind == "inputs" and isinstance(dataset, dict):
            if not isinstance(dataset.get("id"), str) or not isinstance(dataset.get("version_id"), str):
                raise errors.InvalidParam(f"{where}.remote.dataset")
            raise errors.DatasetNotFound(dataset["id"])  # no datasets exist locally
        else:
            raise errors.InvalidParam(f"{where}.remote")
        if item.get("access_method") not in (None, "parameter", "env"):
            raise errors.InvalidParam(f"{where}.access_method")
        if item.get("local_dir") is not None and (
            not isinstance(item["local_dir"], str) or not item["local_dir"].startswith("/")
        ):
            raise errors.InvalidParam(f"{where}.local_dir")


def _job_channels(
    raw: dict[str, Any], kind: str, declared: dict[str, dict[str, Any]], root: str
) -> list[dict[str, Any]]:
    result = []
    for item in raw.get(kind) or []:
        name = item["name"]
        if declared and name not in declared:
            raise errors.AlgorithmNotMatch(f"{kind}.{name}")
        base = declared.get(name, {})
        channel: dict[str, Any] = {
            "name": name,
            "description": item.get("description") or base.get("description") or "",
            "local_dir": item.get("local_dir") or f"{root}/{name}_0",
            "remote": copy.deepcopy(item["remote"]),
        }
        access = item.get("access_method") or base.get("access_method")
        if access:
            channel["access_method"] = access
        if kind == "outputs":
            channel["mode"] = item.get("mode") or "upload_periodically"
            channel["period"] = item.get("period") or 30
        result.append(channel)
    return result


def _check_environments(value: Any) -> None:
    """At most 100 pairs, key ``^[A-Za-z_][A-Za-z0-9_]*$`` of <= 8192 chars, value <= 4096, no ``$``."""
    if value is None:
        return
    where = "algorithm.environments"
    if not isinstance(value, dict) or len(value) > 100:
        raise errors.InvalidParam(where)
    for key, text in value.items():
        if not isinstance(key, str) or len(key) > 8192 or not validation.ENV_KEY.match(key):
            raise errors.InvalidParam(f"{where}.{key}")
        if not isinstance(text, str) or len(text) > 4096 or "$" in text:
            raise errors.InvalidParam(f"{where}.{key}")


def _check_local_dirs(algorithm: dict[str, Any]) -> None:
    local_code_dir = algorithm.get("local_code_dir")
    if local_code_dir is not None:
        if not isinstance(local_code_dir, str):
            raise errors.InvalidLocalCodeDir("not a string")
        path = local_code_dir.rstrip("/")
        reserved = ("/home/ma-user/modelarts", "/home/ma-user/modelarts-dev", "/home/ma-user/infer")
        if not path.startswith("/home/") or path == "/home/ma-user":
            raise errors.InvalidLocalCodeDir("it must be a folder under /home other than /home/ma-user")
        if any(path == r or path.startswith(r + "/") for r in reserved):
            raise errors.InvalidLocalCodeDir("it must not be a reserved ModelArts folder")
    working_dir = algorithm.get("working_dir")
    if working_dir is not None and (not isinstance(working_dir, str) or not working_dir.startswith("/")):
        raise errors.InvalidWorkingDir("it must be an absolute path")
