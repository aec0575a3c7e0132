"""A user of this Python deploys the example stack: the repo's ``Pulumi.yaml`` and ``__main__.py``, through the real
Pulumi CLI, against a local ModelArts, with the program and its dynamic provider running on the interpreter that
runs this test.

The project is a copy whose ``runtime.options.virtualenv`` is this test's own venv, in which noxfile.py did
``pip install ./provider`` as a user would. The program is the example's, unchanged, plus a probe appended at the
end: it exports the program's Python, and a small dynamic resource, created after the job, reports the Python of the
dynamic-provider process and the modelarts_pulumi it loaded to create the Algorithm and the TrainingJob (one process
serves every dynamic resource of the program).

Runs in each interpreter's venv of the matrix (noxfile.py, marker ``matrix``), not in the default pytest run.
"""

from __future__ import annotations

import platform
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from obs import ObsClient as SdkClient  # type: ignore[import-untyped]

import modelarts_pulumi
from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, require_pulumi_cli
from tests.support.server import LocalModelArts

pytestmark = [pytest.mark.pulumi_cli, pytest.mark.matrix]

STACK = "matrix"
BUCKET = "modelarts-local-demo"
ALGORITHM, JOB, PROBE = "test-pytorch-cpu", "test-pytorch-cpu01", "interpreter-probe"
SUBMITTED = ("Pending", "Running", "Completed")

PROBE_CODE = f"""

# --- appended by tests/matrix/test_example_stack.py: which Pythons ran the program and the provider ---------
from pulumi.dynamic import CreateResult as _CreateResult
from pulumi.dynamic import Resource as _Resource
from pulumi.dynamic import ResourceProvider as _ResourceProvider


def _this_python():
    import platform, sys

    module = sys.modules.get("modelarts_pulumi")  # loaded by now: the job, created first, needed it
    where = module.__file__ if module else None
    return {{"python": platform.python_version(), "prefix": sys.prefix, "modelarts_pulumi": where}}


class _ProbeProvider(_ResourceProvider):
    def create(self, props):
        return _CreateResult(id_="probe", outs=_this_python())


class _InterpreterProbe(_Resource):
    def __init__(self, name, after):
        props = {{"after": after, "python": None, "prefix": None, "modelarts_pulumi": None}}
        super().__init__(_ProbeProvider(), name, props)


_probe = _InterpreterProbe("{PROBE}", after=job.job_id)
pulumi.export("program", _this_python())
pulumi.export("provider", {{key: getattr(_probe, key) for key in ("python", "prefix", "modelarts_pulumi")}})
"""


def example_project(directory: Path, server: LocalModelArts) -> PulumiProject:
    """The example project, its virtualenv this venv, with a stack aimed at ``server``."""
    pulumi_yaml, changed = re.subn(
        r"^(\s*virtualenv:).*$", rf"\1 {sys.prefix}", (REPO_ROOT / "Pulumi.yaml").read_text(), flags=re.M
    )
    assert changed == 1, "the example's Pulumi.yaml names its virtualenv once"
    program = (REPO_ROOT / "__main__.py").read_text() + PROBE_CODE
    project = PulumiProject.create(
        directory,
        name="modelarts-example",
        files={"Pulumi.yaml": pulumi_yaml, "__main__.py": program},
        virtualenv=Path(sys.prefix),
    )
    project.init_stack(STACK)
    for key, value in server.stack_config().items():
        project.set_config(key, value, secret=key.endswith(("accessKey", "secretKey")))
    # The example uploads its code and data from the repo (a copy's relative paths would not find them) to its
    # bucket, which this server has once the official SDK made it.
    for key, part in (("codeSource", "code"), ("dataSource", "data")):
        project.set_config(key, str(REPO_ROOT / "examples" / "bucket" / part))
    sdk = SdkClient(access_key_id=server.access_key, secret_access_key=server.secret_key, server=server.obs_url)
    made = sdk.createBucket(BUCKET)
    assert made.status < 300 or made.errorCode == "BucketAlreadyOwnedByYou", (made.status, made.errorCode)
    return project


def planned(preview: dict[str, Any]) -> dict[str, str]:
    """``{resource name: op}`` of the resources a ``pulumi preview --json`` would change."""
    return {
        step["urn"].rsplit("::", 1)[-1]: step["op"]
        for step in preview.get("steps", [])
        if "pulumi-python:dynamic" in step.get("urn", "") and step.get("op") != "same"
    }


def test_the_example_stack_deploys_on_this_python(
    tmp_path: Path, local_modelarts: LocalModelArts, record_testsuite_property: Any
) -> None:
    require_pulumi_cli()
    installed = Path(modelarts_pulumi.__file__ or "")
    if not installed.is_relative_to(sys.prefix):
        pytest.skip(f"modelarts_pulumi is not installed in {sys.prefix} (nox's venvs get `pip install ./provider`)")
    project = example_project(tmp_path / "example", local_modelarts)

    # The lookups ran (credentials are configured) and everything is planned, nothing made yet.
    preview = project.preview_json()
    assert planned(preview) == {"code": "create", "data": "create", ALGORITHM: "create", JOB: "create", PROBE: "create"}
    before = local_modelarts.admin("GET", "/state").json()

    project.up()
    outputs = project.outputs()
    for side in ("program", "provider"):
        ran = outputs[side]
        record_testsuite_property(f"{side}_python", ran["python"])
        assert (ran["python"], ran["prefix"]) == (platform.python_version(), sys.prefix), (side, ran)
        # The installed distribution (pip install ./provider), not the repo's source folder.
        assert Path(ran["modelarts_pulumi"]) == installed, (side, ran)
    job = local_modelarts.call("GET", f"/training-jobs/{outputs['job_id']}").json()
    assert job["algorithm"]["id"] == outputs["algorithm_id"]
    # wait_for="submitted" (the default): `up` returned once the job left Creating; it moves on meanwhile.
    assert outputs["phase"] in SUBMITTED and job["status"]["phase"] in SUBMITTED, (outputs["phase"], job["status"])
    assert outputs["model_url"] == f"/{BUCKET}/outputs/"
    assert outputs["code_folder"].startswith(f"/{BUCKET}/uploads/code/") and outputs["code_files"] == 1
    after_up = local_modelarts.admin("GET", "/state").json()
    assert after_up["algorithms"] == before["algorithms"] + 1

    # The provider's diff on this Python: a second preview plans nothing.
    assert planned(project.preview_json()) == {}

    project.destroy()
    gone = local_modelarts.call("GET", f"/training-jobs/{outputs['job_id']}")
    assert gone.status_code in (400, 404), gone.text
    assert local_modelarts.call("GET", f"/algorithms/{outputs['algorithm_id']}").status_code in (400, 404)
