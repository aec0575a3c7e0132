"""Public training flavors and preset AI engines: the documented examples, extendable from the config.

The seed is data, ``seed_catalog.json``: the two CPU flavors and the PyTorch / TensorFlow / MindSpore
engines are exactly the ones in the "Using PyTorch to Create a Training Job" guide; Caffe, Horovod,
XGBoost-Sklearn and the older PyTorch ids come from the engine-list reference. The GPU flavors carry
plausible details.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import errors

FLAVOR_TYPES = ("CPU", "GPU", "Ascend")

_SEED: dict[str, Any] = json.loads((Path(__file__).parent / "seed_catalog.json").read_text(encoding="utf-8"))
SEED_FLAVORS: tuple[dict[str, Any], ...] = tuple(_SEED["flavors"])
SEED_ENGINES: tuple[dict[str, Any], ...] = tuple(_SEED["engines"])

#: Flavors of dedicated GPU/NPU pools (1, 2, 4, 8 and 16 cards).
POOL_FLAVOR_CARDS = {"xlarge": 1, "2xlarge": 2, "4xlarge": 4, "8xlarge": 8, "16xlarge": 16}


class Catalog:
    """The flavors, engines and dedicated pools one server offers."""

    def __init__(
        self,
        extra_flavors: Iterable[dict[str, Any]] = (),
        extra_engines: Iterable[dict[str, Any]] = (),
        pools: Iterable[dict[str, Any]] = (),
    ) -> None:
        self._flavors = _merge(SEED_FLAVORS, extra_flavors, "flavor_id")
        self._engines = _merge(SEED_ENGINES, extra_engines, "engine_id")
        self._pools = {p["pool_id"]: dict(p) for p in pools}

    # --- flavors ------------------------------------------------------------------------------------

    def list_flavors(self, flavor_type: str | None = None) -> list[dict[str, Any]]:
        if flavor_type is not None and flavor_type not in FLAVOR_TYPES:
            raise errors.QueryParamsError("flavor_type")
        return [copy.deepcopy(f) for f in self._flavors.values() if flavor_type in (None, f.get("flavor_type"))]

    def get_flavor(self, flavor_id: str) -> dict[str, Any] | None:
        flavor = self._flavors.get(flavor_id)
        return copy.deepcopy(flavor) if flavor is not None else None

    @staticmethod
    def max_nodes(flavor: dict[str, Any]) -> int:
        info = flavor.get("flavor_info") or {}
        return int(flavor.get("max_num") or info.get("max_num") or 1)

    # --- dedicated pools ----------------------------------------------------------------------------

    def get_pool(self, pool_id: str) -> dict[str, Any] | None:
        pool = self._pools.get(pool_id)
        return dict(pool) if pool is not None else None

    @staticmethod
    def pool_flavor(pool: dict[str, Any], flavor_id: str) -> dict[str, Any] | None:
        """The details of a dedicated-pool flavor (``modelarts.pool.visual.<size>``), or None."""
        prefix = "modelarts.pool.visual."
        if not flavor_id.startswith(prefix) or flavor_id[len(prefix) :] not in POOL_FLAVOR_CARDS:
            return None
        cards = POOL_FLAVOR_CARDS[flavor_id[len(prefix) :]]
        accelerator = "npu" if pool.get("flavor_type") == "Ascend" else "gpu"
        return {
            "flavor_id": flavor_id,
            "flavor_name": f"{cards} card(s) of pool {pool.get('name') or pool['pool_id']}",
            "flavor_type": pool.get("flavor_type", "GPU"),
            "billing": {"code": flavor_id, "unit_num": 1},
            "flavor_info": {
                "max_num": int(pool.get("max_node_count", 16)),
                "cpu": {"arch": "x86", "core_num": 8 * cards},
                accelerator: {"unit_num": cards, "product_name": "NVIDIA-V100", "memory": "32GB"},
                "memory": {"size": 64 * cards, "unit": "GB"},
                "disk": {"size": 500, "unit": "GB"},
            },
        }

    # --- engines ------------------------------------------------------------------------------------

    def list_engines(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(e) for e in self._engines.values()]

    def find_engine(
        self, engine_id: str | None = None, engine_name: str | None = None, engine_version: str | None = None
    ) -> dict[str, Any] | None:
        """An engine by id, or by name and version (the name compares case-insensitively)."""
        for engine in self._engines.values():
            if engine_id:
                if engine["engine_id"] == engine_id:
                    return copy.deepcopy(engine)
                continue
            if engine_version and engine["engine_version"] != engine_version:
                continue
            if engine_name and engine["engine_name"].lower() != engine_name.lower():
                continue
            if engine_version or engine_name:
                return copy.deepcopy(engine)
        return None


def _merge(seed: Iterable[dict[str, Any]], extra: Iterable[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    merged = {item[key]: copy.deepcopy(item) for item in seed}
    for item in extra:
        merged[item[key]] = copy.deepcopy(item)
    return merged
