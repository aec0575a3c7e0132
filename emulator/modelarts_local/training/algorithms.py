"""Algorithms (``/v2/{project_id}/algorithms``): validation, the stored document, listing.

The stored document is the AlgorithmResponse of the API reference, so GET returns what create
returned: server-filled metadata, parameters with their full constraints, the engine resolved against
the catalog, and ``code_tree``, a listing of the (mapped) code folder taken at create/update time.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import ServerConfig
from ..identity import Principal
from ..ids import new_id
from ..obs.paths import ObsMapper, ObsPath
from ..store import Store
from . import errors, validation
from .algorithm_store import AlgorithmRow, AlgorithmStore
from .catalog import Catalog

RESOURCE_REQUIREMENT_KEYS = ("flavor_type", "device_distributed_mode", "host_distributed_mode")
ACCESS_METHODS = ("parameter", "env")
SORT_KEYS = ("create_time", "update_time", "name")
MAX_LIMIT = validation.MAX_PAGE_LIMIT


def resolve_engine(catalog: Catalog, raw: Any, where: str) -> dict[str, Any]:
    """An engine reference resolved against the catalog (2780), or a custom image echoed."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise errors.InvalidParam(where)
    for key in ("engine_id", "engine_name", "engine_version", "image_url"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise errors.InvalidParam(f"{where}.{key}")
    if raw.get("image_url"):
        # A custom image (possibly with a preset engine name): nothing to resolve.
        return {k: v for k, v in raw.items() if v is not None}
    engine_id = raw.get("engine_id") or None
    name = raw.get("engine_name") or None
    version = raw.get("engine_version") or None
    if not (engine_id or name or version):
        return {}
    engine = catalog.find_engine(engine_id, name, version)
    if engine is None:
        raise errors.EngineNotFound(engine_id or version or name)
    resolved: dict[str, Any] = {
        "engine_id": engine["engine_id"],
        "engine_name": engine["engine_name"],
        "engine_version": engine["engine_version"],
    }
    if engine.get("tags"):
        resolved["tags"] = engine["tags"]
    for key in ("v1_compatible", "run_user", "image_info"):
        if key in engine:
            resolved[key] = engine[key]
    if "install_sys_packages" in raw:
        resolved["install_sys_packages"] = raw["install_sys_packages"]
    return resolved


def code_location(job_config: dict[str, Any], where: str) -> tuple[ObsPath | None, ObsPath | None]:
    """Check ``code_dir`` + ``boot_file``: both or neither (2757 / 2758), valid OBS paths (2791)."""
    code_dir = job_config.get("code_dir") or None
    boot_file = job_config.get("boot_file") or None
    if code_dir is not None and boot_file is None:
        raise errors.CodeDirError()
    if boot_file is not None and code_dir is None:
        raise errors.BootFileDirError()
    if code_dir is None:
        return None, None
    code = validation.obs_path(code_dir, f"{where}.code_dir")
    boot = validation.obs_path(boot_file, f"{where}.boot_file")
    if boot.is_folder or not code.contains(boot):
        raise errors.BootFileDirError()
    return code, boot


class AlgorithmService:
    """Create, read, replace, delete and list algorithms."""

    def __init__(self, config: ServerConfig, store: Store, catalog: Catalog, mapper: ObsMapper) -> None:
        self._config = config
        self._store = store
        self._rows = AlgorithmStore(store)
        self._catalog = catalog
        self._mapper = mapper

    # --- operations ---------------------------------------------------------------------------------

    def create(self, principal: Principal, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        project_id = _project(principal)
        metadata = validation.obj(body, "metadata", "metadata", required=True)
        name = validation.name(metadata.get("name"), "metadata.name")
        description = validation.description(metadata.get("description"), "metadata.description")
        workspace_id = validation.workspace_id(metadata.get("workspace_id"), "metadata.workspace_id")
        tags = _tags(metadata)
        job_config, size = self._job_config(body)
        resource_requirements = _resource_requirements(body)
        advanced_config = _advanced_config(body)
        with self._store.transaction():
            if self._rows.find_by_name(project_id, workspace_id, name) is not None:
                raise errors.DuplicateAlgorithmName(name)
            limit = self._config.quotas.max_algorithms
            if limit is not None and self._rows.count(project_id) >= limit:
                raise errors.ExceedQuotaLimit("algorithm")
            algorithm_id = new_id()
            doc = {
                "metadata": {
                    "id": algorithm_id,
                    "name": name,
                    "description": description,
                    "create_time": now_ms,
                    "workspace_id": workspace_id,
                    "ai_project": "default-ai-project",
                    "user_name": principal.user_name,
                    "domain_id": principal.domain_id,
                    "source": "custom",
                    "api_version": "",
                    "is_valid": True,
                    "state": "",
                    "size": size,
                    "tags": tags,
                    "attr_list": None,
                    "version_num": 0,
                    "update_time": 0,
                },
                "share_info": {},
                "job_config": job_config,
                "resource_requirements": resource_requirements,
                "advanced_config": advanced_config,
            }
            self._rows.put(AlgorithmRow(algorithm_id, project_id, workspace_id, name, now_ms, doc))
        return copy.deepcopy(doc)

    def count(self) -> int:
        """Algorithms of every project."""
        return self._rows.count()

    def get(self, project_id: str, algorithm_id: str) -> dict[str, Any]:
        return copy.deepcopy(self.find(project_id, algorithm_id).doc)

    def find(self, project_id: str, algorithm_id: str) -> AlgorithmRow:
        row = self._rows.get(project_id, algorithm_id)
        if row is None:
            raise errors.AlgorithmNotFound()
        return row

    def update(self, principal: Principal, algorithm_id: str, body: dict[str, Any], now_ms: int) -> dict[str, Any]:
        """Replace the mutable parts (the name is immutable)."""
        project_id = _project(principal)
        with self._store.transaction():
            row = self.find(project_id, algorithm_id)
            doc = copy.deepcopy(row.doc)
            metadata = validation.obj(body, "metadata", "metadata")
            if metadata.get("name") not in (None, row.name):
                raise errors.InvalidParam("metadata.name")
            if metadata.get("workspace_id") not in (None, "", row.workspace_id):
                raise errors.InvalidParam("metadata.workspace_id")
            doc["metadata"]["description"] = validation.description(metadata.get("description"), "metadata.description")
            if "tags" in metadata:
                doc["metadata"]["tags"] = _tags(metadata)
            if "job_config" in body:
                doc["job_config"], doc["metadata"]["size"] = self._job_config(body)
            if "resource_requirements" in body:
                doc["resource_requirements"] = _resource_requirements(body)
            if "advanced_config" in body:
                doc["advanced_config"] = _advanced_config(body)
            doc["metadata"]["update_time"] = now_ms
            self._rows.put(AlgorithmRow(row.id, row.project_id, row.workspace_id, row.name, row.create_time, doc))
        return copy.deepcopy(doc)

    def delete(self, project_id: str, algorithm_id: str) -> None:
        # Jobs keep the expanded copy they took at creation, so deleting is always allowed.
        with self._store.transaction():
            self.find(project_id, algorithm_id)
            self._rows.delete(algorithm_id)

    def list_page(self, project_id: str, query: Mapping[str, str]) -> dict[str, Any]:
        offset = validation.query_int(query, "offset", 0, minimum=0)
        limit = validation.query_int(query, "limit", MAX_LIMIT, minimum=1, maximum=MAX_LIMIT)
        sort_by = query.get("sort_by") or "create_time"
        if sort_by not in SORT_KEYS:
            raise errors.QueryParamsError("sort_by")
        order = query.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise errors.QueryParamsError("order")
        group_by = query.get("group_by") or ""
        workspace_id = query.get("workspace_id") or "0"
        name_filter = _searches(query.get("searches"))

        rows = self._rows.list(project_id, workspace_id)
        matches = [r for r in rows if name_filter is None or name_filter in r.name.lower()]

        def sort_key(row: AlgorithmRow) -> tuple[Any, str]:
            meta = row.doc["metadata"]
            primary = meta["name"] if sort_by == "name" else int(meta.get(sort_by) or 0)
            return primary, row.id

        matches.sort(key=sort_key, reverse=order == "desc")
        page = matches[offset * limit : offset * limit + limit]  # offset is a page index (as TF pages)
        return {
            "total": len(rows),
            "count": len(matches),
            "limit": limit,
            "offset": offset,
            "sort_by": sort_by,
            "order": order,
            "group_by": group_by,
            "items": [copy.deepcopy(r.doc) for r in page],
        }

    # --- job_config ---------------------------------------------------------------------------------

    def _job_config(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """The normalised ``job_config`` (with ``code_tree``) and the code size in bytes."""
        raw = validation.obj(body, "job_config", "job_config")
        code, boot = code_location(raw, "job_config")
        command = validation.string(raw, "command", "job_config.command")
        engine = resolve_engine(self._catalog, raw.get("engine"), "job_config.engine")
        if engine.get("image_url") and not command:
            raise errors.MustHaveCmdAndImage()
        if code is None and not engine.get("image_url"):
            raise errors.CodeDirError()
        parameters = validation.parameters(
            validation.array(raw, "parameters", "job_config.parameters"), "job_config.parameters"
        )
        inputs = _channels(raw, "inputs")
        outputs = _channels(raw, "outputs")
        names = [c["name"] for c in inputs + outputs]
        if len(set(names)) != len(names):
            raise errors.InputsOutputsMessageError()

        config: dict[str, Any] = {}
        if code is not None and boot is not None:
            config["code_dir"] = raw["code_dir"]
            config["boot_file"] = raw["boot_file"]
        config["command"] = command
        config["parameters"] = parameters
        config["parameters_customization"] = validation.boolean(
            raw, "parameters_customization", "job_config.parameters_customization", False
        )
        config["inputs"] = inputs
        config["outputs"] = outputs
        config["engine"] = engine
        size = 0
        if code is not None:
            config["code_tree"], size = self._code_tree(code)
        return config, size

    def _code_tree(self, code: ObsPath) -> tuple[dict[str, Any], int]:
        folder = self._mapper.local_path(code)
        label = (code.key.rstrip("/").rsplit("/", 1)[-1] or code.bucket) + "/"
        counter = [0, 0]  # files, bytes
        children = self._listing(folder, 1, counter) if folder.is_dir() else []
        return {"name": label, "children": children}, counter[1]

    def _listing(self, folder: Path, depth: int, counter: list[int]) -> list[dict[str, Any]]:
        if depth > self._config.max_code_depth:
            raise errors.CodeFolderTooDeep(self._config.max_code_depth)
        entries: list[dict[str, Any]] = []
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.is_dir():
                entries.append({"name": entry.name + "/", "children": self._listing(entry, depth + 1, counter)})
            elif entry.is_file():
                counter[0] += 1
                counter[1] += entry.stat().st_size
                if counter[0] > self._config.max_code_files:
                    raise errors.TooManyCodeFiles(self._config.max_code_files)
                entries.append({"name": entry.name})
        return entries


# --- helpers -------------------------------------------------------------------------------------------


def _project(principal: Principal) -> str:
    if not principal.project_id:  # authorize_project always sets it; this guards the type
        raise errors.TokenNotProjectScoped()
    return principal.project_id


def _tags(metadata: dict[str, Any]) -> list[dict[str, Any]] | None:
    tags = metadata.get("tags")
    if tags is None:
        return None
    if not isinstance(tags, list) or not all(isinstance(t, dict) for t in tags):
        raise errors.InvalidParam("metadata.tags")
    return copy.deepcopy(tags) or None


def _channels(raw: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    result = []
    for i, item in enumerate(validation.array(raw, kind, f"job_config.{kind}")):
        where = f"job_config.{kind}[{i}]"
        if not isinstance(item, dict):
            raise errors.InvalidParam(where)
        channel = copy.deepcopy(item)
        channel["name"] = validation.string(item, "name", f"{where}.name", required=True)
        if not channel["name"]:
            raise errors.InvalidParam(f"{where}.name")
        if "description" in item:
            channel["description"] = validation.description(item["description"], f"{where}.description")
        if item.get("access_method") is not None and item["access_method"] not in ACCESS_METHODS:
            raise errors.InvalidParam(f"{where}.access_method")
        if item.get("remote_constraints") is not None and not isinstance(item["remote_constraints"], list):
            raise errors.InvalidParam(f"{where}.remote_constraints")
        result.append(channel)
    return result


def _resource_requirements(body: dict[str, Any]) -> list[dict[str, Any]] | None:
    raw = body.get("resource_requirements")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise errors.InvalidParam("resource_requirements")
    result = []
    for i, item in enumerate(raw):
        where = f"resource_requirements[{i}]"
        if not isinstance(item, dict) or item.get("key") not in RESOURCE_REQUIREMENT_KEYS:
            raise errors.InvalidParam(f"{where}.key")
        if item.get("operator", "in") != "in":
            raise errors.InvalidParam(f"{where}.operator")
        values = item.get("values", item.get("value", []))
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise errors.InvalidParam(f"{where}.values")
        result.append(copy.deepcopy(item))
    return result


def _advanced_config(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("advanced_config")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise errors.InvalidParam("advanced_config")
    result = copy.deepcopy(raw)
    auto_search = result.get("auto_search")
    if auto_search is not None:
        if not isinstance(auto_search, dict):
            raise errors.InvalidParam("advanced_config.auto_search")
        # Empty lists clear a setting: the service answers {"auto_search": {}} after clearing.
        result["auto_search"] = {k: v for k, v in auto_search.items() if v not in (None, [], "", {})}
    return result


def _searches(value: str | None) -> str | None:
    """``searches=name:xxx`` (a fuzzy, case-insensitive name match); other keys are not supported."""
    if not value:
        return None
    name: str | None = None
    for part in value.split(";"):
        if not part:
            continue
        key, sep, text = part.partition(":")
        if not sep or key != "name":
            raise errors.QueryParamsError("searches")
        name = text.lower()
    return name
