"""Public training flavors and preset AI engines: the documented examples, extendable from the config.

The two CPU flavors and the PyTorch / TensorFlow / MindSpore engines are exactly the ones in the
"Using PyTorch to Create a Training Job" guide; Caffe, Horovod, XGBoost-Sklearn and the older PyTorch
ids come from the engine-list reference. The GPU flavors carry plausible details.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from . import errors

FLAVOR_TYPES = ("CPU", "GPU", "Ascend")

SEED_FLAVORS: tuple[dict[str, Any], ...] = (
    {
        "flavor_id": "modelarts.vm.cpu.2u",
        "flavor_name": "Computing CPU(2U) instance",
        "flavor_type": "CPU",
        "billing": {"code": "modelarts.vm.cpu.2u", "unit_num": 1},
        "flavor_info": {
            "max_num": 1,
            "cpu": {"arch": "x86", "core_num": 2},
            "memory": {"size": 8, "unit": "GB"},
            "disk": {"size": 50, "unit": "GB"},
        },
    },
    {
        "flavor_id": "modelarts.vm.cpu.8u",
        "flavor_name": "Computing CPU(8U) instance",
        "flavor_type": "CPU",
        "billing": {"code": "modelarts.vm.cpu.8u", "unit_num": 1},
        "flavor_info": {
            "max_num": 16,
            "cpu": {"arch": "x86", "core_num": 8},
            "memory": {"size": 32, "unit": "GB"},
            "disk": {"size": 50, "unit": "GB"},
        },
    },
    {
        "flavor_id": "modelarts.p3.large.public.free",
        "flavor_name": "Computing GPU(Vnt1) instance",
        "flavor_type": "GPU",
        "billing": {"code": "modelarts.vm.gpu.free", "unit_num": 1},
        "flavor_info": {
            "max_num": 1,
            "cpu": {"arch": "x86", "core_num": 8},
            "gpu": {"unit_num": 1, "product_name": "NVIDIA-V100", "memory": "32GB"},
            "memory": {"size": 64, "unit": "GB"},
            "disk": {"size": 200, "unit": "GB"},
        },
    },
    {
        "flavor_id": "modelarts.vm.pnt1.large.eco",
        "flavor_name": "Computing GPU(Pnt1) instance",
        "flavor_type": "GPU",
        "billing": {"code": "modelarts.vm.pnt1.large.eco", "unit_num": 1},
        "flavor_info": {
            "max_num": 4,
            "cpu": {"arch": "x86", "core_num": 8},
            "gpu": {"unit_num": 1, "product_name": "NVIDIA-P100", "memory": "16GB"},
            "memory": {"size": 64, "unit": "GB"},
            "disk": {"size": 200, "unit": "GB"},
        },
    },
)

SEED_ENGINES: tuple[dict[str, Any], ...] = (
    {
        "engine_id": "caffe-1.0.0-python2.7",
        "engine_name": "Caffe",
        "engine_version": "caffe-1.0.0-python2.7",
        "v1_compatible": True,
        "run_user": "",
        "image_info": {
            "cpu_image_url": "modelarts-job-dev-image/caffe1-cpu-cp27:1.0.0",
            "gpu_image_url": "modelarts-job-dev-image/caffe1-gpu-cuda8-cp27:1.0.0",
            "image_version": "3.1.0",
        },
    },
    {
        "engine_id": "horovod-cp36-tf-1.16.2",
        "engine_name": "Horovod",
        "engine_version": "0.16.2-TF-1.13.1-python3.6",
        "v1_compatible": True,
        "run_user": "",
        "image_info": {
            "cpu_image_url": "modelarts-job-dev-image/tensorflow-gpu-cuda10-cp36-horovod0162:1.13.1",
            "gpu_image_url": "modelarts-job-dev-image/tensorflow-gpu-cuda10-cp36-horovod0162:1.13.1",
            "image_version": "3.2.1",
        },
    },
    {
        "engine_id": "mindspore_1.6.0-cann_5.0.3.6-py_3.7-euler_2.8.3-aarch64",
        "engine_name": "Powered-Engine",
        "engine_version": "mindspore_1.6.0-cann_5.0.3.6-py_3.7-euler_2.8.3-aarch64",
        "v1_compatible": False,
        "run_user": "1000",
        "image_info": {
            "cpu_image_url": "",
            "gpu_image_url": "atelier/mindspore_1_6_0:train",
            "image_version": "mindspore_1.6.0-cann_5.0.3.6-py_3.7-euler_2.8.3-aarch64-snt9-roma-20211231193205-33131ee",
        },
    },
    {
        "engine_id": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64",
        "engine_name": "PyTorch",
        "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64",
        "tags": [{"key": "auto_search", "value": "True"}],
        "v1_compatible": False,
        "run_user": "1102",
        "image_info": {
            "cpu_image_url": "aip/pytorch_1_8:train",
            "gpu_image_url": "aip/pytorch_1_8:train",
            "image_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64-20210912152543-1e0838d",
        },
    },
    {
        "engine_id": "pytorch-cp36-1.3.0",
        "engine_name": "PyTorch",
        "engine_version": "PyTorch-1.3.0-python3.6",
        "v1_compatible": True,
        "run_user": "",
        "image_info": {
            "cpu_image_url": "modelarts-job-dev-image/pytorch-cpu-cp36:1.3.0",
            "gpu_image_url": "modelarts-job-dev-image/pytorch-gpu-cuda10-cp36:1.3.0",
            "image_version": "3.2.0",
        },
    },
    {
        "engine_id": "pytorch-cp36-1.4.0-v2",
        "engine_name": "PyTorch",
        "engine_version": "PyTorch-1.4.0-python3.6-v2",
        "v1_compatible": False,
        "run_user": "1101",
        "image_info": {
            "cpu_image_url": "modelarts-job-dev-image/pytorch-cpu-cp36:1.4.0-v2",
            "gpu_image_url": "modelarts-job-dev-image/pytorch-gpu-cuda10-cp36:1.4.0-v2",
            "image_version": "3.3.0",
        },
    },
    {
        "engine_id": "tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64",
        "engine_name": "TensorFlow",
        "engine_version": "tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64",
        "tags": [{"key": "auto_search", "value": "True"}],
        "v1_compatible": False,
        "run_user": "1102",
        "image_info": {
            "cpu_image_url": "aip/tensorflow_2_1:train",
            "gpu_image_url": "aip/tensorflow_2_1:train",
            "image_version": "tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64-20210912152543-1e0838d",
        },
    },
    {
        "engine_id": "xgboost-sklearn-python3.6",
        "engine_name": "XGBoost-Sklearn",
        "engine_version": "XGBoost-0.80-Sklearn-0.18.1-python3.6",
        "v1_compatible": True,
        "run_user": "",
        "image_info": {
            "cpu_image_url": "modelarts-job-dev-image/python-train-py36:secure",
            "gpu_image_url": "",
            "image_version": "2.0.10-20211101113705",
        },
    },
)

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
