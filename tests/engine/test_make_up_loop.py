"""The loop the README presents: ``make up``, edit ``train.py``, ``make up`` again: a new job runs the new code.

The repo's example project (``__main__.py``, ``examples/bucket/``) is copied to a temporary folder and deployed
with the real Pulumi CLI against a local ModelArts of its own, in local mode (it really runs ``train.py``), with
the bucket ``modelarts-local-demo`` mapped to the copy's ``examples/bucket/`` as ``make up`` maps it, on free
ports (``make up`` itself uses the shared 8770/8771).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.engine.stack import job_gone, steps
from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, require_pulumi_cli
from tests.support.server import FAST_LOCAL

pytestmark = pytest.mark.pulumi_cli

BUCKET = "modelarts-local-demo"
EDIT = ('"world_size": world_size}', '"world_size": world_size, "edited": "yes"}')


def example_copy(directory: Path, server: Any) -> PulumiProject:
    require_pulumi_cli()
    project = PulumiProject.create(
        directory, name="modelarts-example", files={"__main__.py": (REPO_ROOT / "__main__.py").read_text()}
    )
    for part in ("code", "data"):
        shutil.copytree(REPO_ROOT / "examples" / "bucket" / part, directory / "examples" / "bucket" / part)
    project.init_stack("local")
    for key, value in server.stack_config().items():
        project.set_config(key, value, secret=key.endswith(("accessKey", "secretKey")))
    for key, value in {"waitFor": "completed", "waitTimeout": "300", "epochs": "3"}.items():
        project.set_config(key, value)
    return project


def model(bucket: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((bucket / "outputs" / "model.json").read_text())
    return data


def test_edit_train_py_and_up_runs_the_new_code(tmp_path: Path, start_local_modelarts: Any) -> None:
    bucket = tmp_path / "example" / "examples" / "bucket"
    server = start_local_modelarts(mode="local", config={"local": FAST_LOCAL}, buckets={BUCKET: bucket})
    project = example_copy(tmp_path / "example", server)
    code = bucket / "code"

    project.up(timeout=300)
    first = project.outputs()
    assert first["phase"] == "Completed" and first["exit_code"] == 0
    assert model(bucket)["epochs"] == 3 and "edited" not in model(bucket)
    old_folder = bucket / first["code_folder"].removeprefix(f"/{BUCKET}/")
    assert (old_folder / "train.py").read_text() == (code / "train.py").read_text()
    assert steps(project.preview_json()) == {}  # make up again: nothing to do

    # The edit: the model the job writes gains a field.
    train = code / "train.py"
    text = train.read_text()
    assert EDIT[0] in text
    train.write_text(text.replace(*EDIT))
    preview = project.preview_json()
    assert steps(preview) == {"code": "replace", "test-pytorch-cpu": "update", "test-pytorch-cpu01": "replace"}
    messages = "\n".join(str(d.get("message", "")) for d in preview.get("diagnostics") or [])
    assert f"code changed: {first['code_folder']} -> /{BUCKET}/uploads/code/" in messages

    project.up(timeout=300)
    second = project.outputs()
    assert second["phase"] == "Completed" and second["job_id"] != first["job_id"]
    assert model(bucket)["edited"] == "yes"  # the new job ran the new code
    assert job_gone(server, first["job_id"])
    assert not old_folder.exists() or not any(p.is_file() for p in old_folder.rglob("*"))  # the old code is gone
    assert sorted(p.name for p in code.iterdir()) == ["train.py"]  # the source folder is untouched

    project.destroy(timeout=300)
    assert not [p for p in (bucket / "uploads").rglob("*") if p.is_file()]
