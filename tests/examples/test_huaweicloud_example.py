"""The composition example (``examples/huaweicloud/``) under Pulumi's mocks: its bucket is a
``pulumi_huaweicloud.obs.Bucket`` whose provider plugin cannot be installed here, so the engine is mocked and
the program runs as ``pulumi up`` would run it. The bucket's name must reach the code folder, the data and
output channels and the log path; the pool and the network storage must reach the job."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from modelarts_pulumi.content import DEFAULT_EXCLUDES, SourceEntry, content_hash, folder_name, scan
from tests.support.mocked_program import Recorder, Settled, run_program

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "huaweicloud"
BUCKET = "ml-team-training"
EXPORT = "192.168.0.10:/sfs-turbo-share/"
CONFIG = {
    "modelarts:region": "cn-north-4",
    "modelarts:accessKey": "AKEXAMPLE0000000000",
    "modelarts:secretKey": "example-secret-key-0000000000000000000000",
    "modelarts-huaweicloud:poolId": "pool-1234abcd",
    "modelarts-huaweicloud:flavorId": "modelarts.pool.visual.xlarge",
    "modelarts-huaweicloud:bucketName": BUCKET,
    "modelarts-huaweicloud:vpcId": "vpc-0001",
    "modelarts-huaweicloud:subnetId": "subnet-0001",
    "modelarts-huaweicloud:securityGroupId": "sg-0001",
    "modelarts-huaweicloud:availabilityZone": "cn-north-4a",
}


def run_example(monkeypatch: pytest.MonkeyPatch, *, preview: bool) -> tuple[Recorder, dict[str, Settled]]:
    """The example program as ``pulumi up`` (or preview) runs it; the network storage answers with its export."""
    monkeypatch.chdir(EXAMPLE)  # the program's paths are the project's
    for name in ("HW_ACCESS_KEY", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"):
        monkeypatch.delenv(name, raising=False)
    cloud = Recorder(outputs={"huaweicloud:Sfs/turbo:Turbo": {"exportLocation": EXPORT}})

    def program() -> dict[str, pulumi.Output[Any]]:
        namespace = runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__")
        code, data = namespace["code"], namespace["data"]
        return {"code": code.folder, "data": data.folder, "boot": code.file("train.py")}

    outputs = run_program(
        program, mocks=cloud, preview=preview, config=CONFIG, project="modelarts-huaweicloud", stack="dev"
    )
    return cloud, outputs


def expected_folder(source: str, prefix: str) -> str:
    listing = scan([SourceEntry(kind="folder", local=str(EXAMPLE / source))], DEFAULT_EXCLUDES)
    return f"/{BUCKET}/{prefix}{folder_name(content_hash(listing))}/"


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_the_buckets_name_reaches_every_obs_path_of_the_job(monkeypatch: pytest.MonkeyPatch, preview: bool) -> None:
    cloud, outputs = run_example(monkeypatch, preview=preview)
    bucket = cloud.inputs["training"]
    assert cloud.types["training"] == "huaweicloud:Obs/bucket:Bucket"
    assert bucket["bucket"] == BUCKET and bucket["forceDestroy"] is True

    code, data = expected_folder("../bucket/code", "code/"), expected_folder("../bucket/data", "data/")
    # Known when the program runs, as in a preview.
    assert (outputs["code"].known, outputs["code"].value) == (True, code)
    assert (outputs["data"].known, outputs["data"].value) == (True, data)
    assert cloud.inputs["code"]["bucket"] == BUCKET and cloud.inputs["data"]["bucket"] == BUCKET

    algorithm = cloud.inputs["train"]
    assert (algorithm["code_dir"], algorithm["boot_file"]) == (code, code + "train.py")
    job = cloud.inputs["run"]
    assert job["inputs"] == {"data_url": data}
    assert job["outputs"] == {"train_url": f"/{BUCKET}/outputs/"}
    assert job["log_export_path"] == f"/{BUCKET}/logs/"
    assert job["algorithm_code_dir"] == code  # a code change reruns the job
    assert (job["pool_id"], job["flavor_id"]) == ("pool-1234abcd", "modelarts.pool.visual.xlarge")

    turbo = cloud.inputs["shared"]
    assert (turbo["vpcId"], turbo["subnetId"]) == ("vpc-0001", "subnet-0001")
    assert job["volumes"] == [{"nfs": {"nfs_server_path": EXPORT, "local_path": "/mnt/sfs", "read_only": False}}]
