"""The ModelArts guide "Using PyTorch to Create a Training Job", as a Pulumi program.

The guide's nine steps map to: upload the code and the data (ObsFolder), look up the flavors and engines
(steps 1-2), declare the algorithm (3) and the training job (4), whose outputs are the status, log location and
metrics (5-7); `pulumi destroy` deletes it (8). Stack `local` runs it on the local ModelArts; a real region only
needs other stack config.

The loop: edit `examples/bucket/code/train.py`, `pulumi up`: the code goes to a new folder in OBS, the algorithm
is updated to it, and a new job runs it (the preview says `code changed: <old> -> <new>`).
"""

import pulumi

import modelarts_pulumi as modelarts

config = pulumi.Config()
bucket = config.get("bucket") or "modelarts-local-demo"
flavor_id = config.get("flavorId") or "modelarts.vm.cpu.8u"
engine_name = config.get("engineName") or "PyTorch"
engine_version = config.get("engineVersion") or "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"
root = f"/{bucket}"

# The code and the data, uploaded by content: a folder named after their hash, so an edit is a new folder.
code = modelarts.ObsFolder(
    "code", source=config.get("codeSource") or "examples/bucket/code", bucket=bucket, prefix="uploads/code/"
)
data = modelarts.ObsFolder(
    "data",
    source=config.get("dataSource") or "examples/bucket/data",
    bucket=bucket,
    prefix="uploads/data/",
    code_limits=False,
)

# Steps 1-2: pick the flavor and the engine from the service's catalogs (a clear error lists what exists).
flavor = modelarts.lookup_flavor("CPU", flavor_id)
engine = modelarts.lookup_engine(name=engine_name, version=engine_version)

# Step 3: the algorithm: code folder + boot file, engine, hyperparameters and the two channels.
algorithm = modelarts.Algorithm(
    "test-pytorch-cpu",
    name=config.get("algorithmName"),
    description="test pytorch job in cpu in mode gloo",
    code_dir=code.folder,
    boot_file=code.file("train.py"),
    engine_name=engine.apply(lambda e: e["engine_name"]),
    engine_version=engine.apply(lambda e: e["engine_version"]),
    parameters=[
        {"name": "dist", "value": "False", "type": "Boolean"},
        {"name": "world_size", "value": "1", "type": "Integer"},
        {"name": "epochs", "value": "20", "type": "Integer"},
        {"name": "lr", "value": "0.05", "type": "Float"},
    ],
    inputs=[{"name": "data_url", "description": "Data source 1"}],
    outputs=[{"name": "train_url", "description": "Output data 1"}],
)

# Steps 4-7: the training job, from the algorithm's ID; its outputs carry status, logs and metrics.
job = modelarts.TrainingJob(
    "test-pytorch-cpu01",
    description="test pytorch work cpu in mode gloo",
    algorithm_id=algorithm.algorithm_id,
    hyperparameters={"dist": False, "world_size": 1, "epochs": config.get_int("epochs") or 20},
    inputs={"data_url": data.folder},
    outputs={"train_url": f"{root}/outputs/"},
    flavor_id=flavor.apply(lambda f: f["flavor_id"]),
    node_count=1,
    log_export_path=f"{root}/logs/",
    wait_for=config.get("waitFor") or "submitted",
    wait_timeout=config.get_int("waitTimeout") or 1800,
)

pulumi.export("code_folder", code.folder)
pulumi.export("code_files", code.file_count)
pulumi.export("data_folder", data.folder)
pulumi.export("algorithm_id", algorithm.algorithm_id)
pulumi.export("job_id", job.job_id)
pulumi.export("phase", job.phase)
pulumi.export("exit_code", job.exit_code)
pulumi.export("log_url", job.log_url)
pulumi.export("log_path", job.log_path)
pulumi.export("console_url", job.console_url)
pulumi.export("metrics", job.metrics)
pulumi.export("model_url", job.output_urls.apply(lambda urls: (urls or {}).get("train_url")))
