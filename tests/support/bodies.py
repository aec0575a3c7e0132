"""Request bodies of the "Using PyTorch to Create a Training Job" guide (modelarts_03_0407), with the
names made unique per test, plus a helper that puts code into a server's (unmapped) bucket."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

from tests.support.constants import ENGINE_VERSION, FLAVOR_ID

BUCKET = "cnnorth4-job-test-v2"
CODE_DIR = f"/{BUCKET}/pytorch/fast_example/code/cpu/"
BOOT_FILE = f"/{BUCKET}/pytorch/fast_example/code/cpu/test-pytorch.py"
PYTORCH = ENGINE_VERSION  # the name the emulator tests import


def parameter(name: str, value: str, type_: str) -> dict[str, Any]:
    """An algorithm parameter as a create body gives it: no description, the constraint's defaults."""
    constraint = {
        "type": type_,
        "editable": True,
        "required": False,
        "sensitive": False,
        "valid_type": "None",
        "valid_range": [],
    }
    return {"name": name, "description": "", "value": value, "constraint": constraint}


GUIDE_ALGORITHM: dict[str, Any] = {
    "metadata": {"name": "test-pytorch-cpu", "description": "test pytorch job in cpu in mode gloo"},
    "job_config": {
        "boot_file": BOOT_FILE,
        "code_dir": CODE_DIR,
        "engine": {"engine_name": "PyTorch", "engine_version": PYTORCH},
        "inputs": [{"name": "data_url", "description": "Data source 1"}],
        "outputs": [{"name": "train_url", "description": "Output data 1"}],
        "parameters": [parameter("dist", "False", "Boolean"), parameter("world_size", "1", "Integer")],
        "parameters_customization": True,
    },
    "resource_requirements": [],
}

GUIDE_JOB: dict[str, Any] = {
    "kind": "job",
    "metadata": {"name": "test-pytorch-cpu01", "description": "test pytorch work cpu in mode gloo"},
    "algorithm": {
        "id": "<algorithm id>",
        "parameters": [{"name": "dist", "value": "False"}, {"name": "world_size", "value": "1"}],
        "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": f"/{BUCKET}/pytorch/fast_example/data/"}}}],
        "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": f"/{BUCKET}/pytorch/fast_example/outputs/"}}}],
    },
    "spec": {
        "resource": {"flavor_id": "modelarts.vm.cpu.8u", "node_count": 1},
        "log_export_path": {"obs_url": f"/{BUCKET}/pytorch/fast_example/log/"},
    },
}


def unique(prefix: str) -> str:
    """A name of the allowed pattern, unique to this call."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def algorithm_body(name: str | None = None, **job_config: Any) -> dict[str, Any]:
    body = copy.deepcopy(GUIDE_ALGORITHM)
    body["metadata"]["name"] = name or unique("alg")
    body["job_config"].update(job_config)
    return body


def job_body(algorithm_id: str, name: str | None = None, **spec_resource: Any) -> dict[str, Any]:
    body = copy.deepcopy(GUIDE_JOB)
    body["metadata"]["name"] = name or unique("job")
    body["algorithm"]["id"] = algorithm_id
    body["spec"]["resource"].update(spec_resource)
    return body


def inline_job_body(code_dir: str, boot_file: str, name: str | None = None, **algorithm: Any) -> dict[str, Any]:
    """A job without an algorithm resource: code_dir + boot_file + engine."""
    body: dict[str, Any] = {
        "kind": "job",
        "metadata": {"name": name or unique("job")},
        "algorithm": {
            "code_dir": code_dir,
            "boot_file": boot_file,
            "engine": {"engine_name": "PyTorch", "engine_version": PYTORCH},
            **algorithm,
        },
        "spec": {"resource": {"flavor_id": FLAVOR_ID, "node_count": 1}},
    }
    return body


def put_code(data_dir: Path, obs_dir: str, files: dict[str, str]) -> Path:
    """Write files into the unmapped bucket folder behind ``obs_dir`` (``DATA_DIR/obs/<bucket>/...``)."""
    folder = data_dir / "obs" / obs_dir.strip("/")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder
