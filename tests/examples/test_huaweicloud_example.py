"""The composition example (``examples/huaweicloud/``) under Pulumi's mocks: its bucket is a
``pulumi_huaweicloud.obs.Bucket`` whose provider plugin cannot be installed here, so the engine is mocked and
the program runs as ``pulumi up`` would run it. The bucket's name must reach the code folder, the data and
output channels and the log path; the pool and the network storage must reach the job."""

from __future__ import annotations

import asyncio
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from modelarts_pulumi.content import DEFAULT_EXCLUDES, SourceEntry, content_hash, folder_name, scan

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


class Cloud(pulumi.runtime.Mocks):
    """Records what each resource was given; answers as the providers would."""

    def __init__(self) -> None:
        self.resources: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources[args.name] = (args.typ, args.inputs)
        state = dict(args.inputs)
        if args.typ == "huaweicloud:Sfs/turbo:Turbo":
            state["exportLocation"] = EXPORT
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def run_example(monkeypatch: pytest.MonkeyPatch, *, preview: bool) -> tuple[Cloud, dict[str, Any]]:
    monkeypatch.chdir(EXAMPLE)  # the program's paths are the project's
    for name in ("HW_ACCESS_KEY", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"):
        monkeypatch.delenv(name, raising=False)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    cloud = Cloud()
    pulumi.runtime.set_mocks(cloud, project="modelarts-huaweicloud", stack="dev", preview=preview)
    pulumi.runtime.set_all_config(CONFIG)
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> Any:
        namespace = runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__")
        outputs = {
            "code": namespace["code"].folder,
            "data": namespace["data"].folder,
            "boot": namespace["code"].file("train.py"),
        }

        async def settle() -> None:
            for key, output in outputs.items():
                exported[key] = (await output.is_known(), await output.future())

        return asyncio.ensure_future(settle())

    try:
        program()
    finally:
        pulumi.runtime.set_all_config({})
        asyncio.set_event_loop(None)
        loop.close()
    return cloud, exported


def expected_folder(source: str, prefix: str) -> str:
    listing = scan([SourceEntry(kind="folder", local=str(EXAMPLE / source))], DEFAULT_EXCLUDES)
    return f"/{BUCKET}/{prefix}{folder_name(content_hash(listing))}/"


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_the_buckets_name_reaches_every_obs_path_of_the_job(monkeypatch: pytest.MonkeyPatch, preview: bool) -> None:
    cloud, outputs = run_example(monkeypatch, preview=preview)
    kind, bucket = cloud.resources["training"]
    assert kind == "huaweicloud:Obs/bucket:Bucket"
    assert bucket["bucket"] == BUCKET and bucket["forceDestroy"] is True

    code, data = expected_folder("../bucket/code", "code/"), expected_folder("../bucket/data", "data/")
    assert outputs["code"] == (True, code)  # known when the program runs, as in a preview
    assert outputs["data"] == (True, data)
    assert cloud.resources["code"][1]["bucket"] == BUCKET and cloud.resources["data"][1]["bucket"] == BUCKET

    _, algorithm = cloud.resources["train"]
    assert (algorithm["code_dir"], algorithm["boot_file"]) == (code, code + "train.py")
    _, job = cloud.resources["run"]
    assert job["inputs"] == {"data_url": data}
    assert job["outputs"] == {"train_url": f"/{BUCKET}/outputs/"}
    assert job["log_export_path"] == f"/{BUCKET}/logs/"
    assert job["algorithm_code_dir"] == code  # a code change reruns the job
    assert (job["pool_id"], job["flavor_id"]) == ("pool-1234abcd", "modelarts.pool.visual.xlarge")

    _, turbo = cloud.resources["shared"]
    assert (turbo["vpcId"], turbo["subnetId"]) == ("vpc-0001", "subnet-0001")
    assert job["volumes"] == [{"nfs": {"nfs_server_path": EXPORT, "local_path": "/mnt/sfs", "read_only": False}}]
