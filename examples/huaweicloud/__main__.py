"""ModelArts training on a real region, composed with Huawei Cloud's own Pulumi provider.

- The OBS bucket is a ``pulumi_huaweicloud.obs.Bucket``: the code and the data are uploaded to it by content
  (``ObsFolder``), and the job writes its outputs and logs there.
- The job runs on a dedicated resource pool (config ``poolId``: pulumi_huaweicloud 0.0.12 has no resource for
  ModelArts pools, so create the pool, with its network, in the console).
- With config ``vpcId`` and ``subnetId`` (the VPC the pool's network is connected to), an SFS Turbo file system
  in that VPC is mounted into the training containers at ``/mnt/sfs`` (checkpoints, shared datasets).

    pulumi config set modelarts:region cn-north-4
    pulumi config set --secret modelarts:accessKey <AK>; pulumi config set --secret modelarts:secretKey <SK>
    pulumi config set huaweicloud:region cn-north-4   # and the provider's own credentials (HW_ACCESS_KEY ...)
    pulumi config set poolId <dedicated pool id>
    pulumi up

``tests/examples/test_huaweicloud_example.py`` runs this program under Pulumi's mocks (the huaweicloud provider
plugin cannot be installed here) and checks that the bucket's name reaches every OBS path of the job.
"""

import pulumi
import pulumi_huaweicloud as huaweicloud

import modelarts_pulumi as modelarts

config = pulumi.Config()
pool_id = config.require("poolId")
# A dedicated GPU/NPU pool's flavor (modelarts.pool.visual.xlarge, ...); a CPU pool takes none.
flavor_id = config.get("flavorId")
engine_name = config.get("engineName") or "PyTorch"
engine_version = config.get("engineVersion") or "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"

bucket = huaweicloud.obs.Bucket(
    "training",
    bucket=config.get("bucketName") or f"{pulumi.get_project()}-{pulumi.get_stack()}-training",
    acl="private",
    storage_class="STANDARD",
    force_destroy=True,  # its objects are this stack's: code and data by content, outputs and logs of its jobs
)
name = bucket.bucket


def obs_folder(path: str) -> pulumi.Output[str]:
    """``/<bucket>/<path>/``, once the bucket has its name."""
    return pulumi.Output.concat("/", name, "/", path, "/")


code = modelarts.ObsFolder("code", source="../bucket/code", bucket=name, prefix="code/")
data = modelarts.ObsFolder("data", source="../bucket/data", bucket=name, prefix="data/", code_limits=False)

volumes: list[dict[str, object]] = []
vpc_id, subnet_id = config.get("vpcId"), config.get("subnetId")
if vpc_id and subnet_id:
    turbo = huaweicloud.sfs.Turbo(
        "shared",
        size=500,
        share_proto="NFS",
        vpc_id=vpc_id,
        subnet_id=subnet_id,
        security_group_id=config.require("securityGroupId"),
        availability_zone=config.require("availabilityZone"),
    )
    volumes.append({"nfs": {"nfs_server_path": turbo.export_location, "local_path": "/mnt/sfs", "read_only": False}})

algorithm = modelarts.Algorithm(
    "train",
    code_dir=code.folder,
    boot_file=code.file("train.py"),
    engine_name=engine_name,
    engine_version=engine_version,
    parameters=[{"name": "epochs", "value": "20", "type": "Integer"}],
    inputs=[{"name": "data_url"}],
    outputs=[{"name": "train_url"}],
)

job = modelarts.TrainingJob(
    "run",
    algorithm_id=algorithm.algorithm_id,
    hyperparameters={"epochs": config.get_int("epochs") or 20},
    inputs={"data_url": data.folder},
    outputs={"train_url": obs_folder("outputs")},
    log_export_path=obs_folder("logs"),
    pool_id=pool_id,
    flavor_id=flavor_id,
    volumes=volumes,
)

pulumi.export("bucket", name)
pulumi.export("code_folder", code.folder)
pulumi.export("job_id", job.job_id)
pulumi.export("phase", job.phase)
pulumi.export("model_url", job.output_urls.apply(lambda urls: (urls or {}).get("train_url")))
