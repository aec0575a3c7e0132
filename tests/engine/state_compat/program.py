"""The program whose state release 0f3c04b wrote (``stack-0f3c04b.json``); ``tests/engine/test_state_compat.py``
runs it again on that state. Keep it as it is: a change here is a change to the program, not to the state."""

import pulumi

import modelarts_pulumi as modelarts

config = pulumi.Config()
bucket = "compat-bucket"
ENGINE_NAME = "PyTorch"
ENGINE_VERSION = "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"

# Autonamed: its name derives from the resource name, the stack and the inputs that replace it.
algorithm = modelarts.Algorithm(
    "algo",
    description=config.get("algorithmDescription") or "written by release 0f3c04b",
    code_dir=f"/{bucket}/code/",
    boot_file=f"/{bucket}/code/train.py",
    engine_name=ENGINE_NAME,
    engine_version=ENGINE_VERSION,
    parameters=[
        {"name": "epochs", "value": "5", "type": "Integer", "description": "passes over the data"},
        {"name": "lr", "value": "0.1", "type": "Float"},
        {"name": "dist", "value": "False", "type": "Boolean", "editable": False},
    ],
    inputs=[{"name": "data_url", "description": "training data"}],
    outputs=[{"name": "train_url"}],
    tags={"team": "ml"},
)

# Explicitly named, waited on until Completed.
job = modelarts.TrainingJob(
    "job",
    name="compat-job",
    description=config.get("jobDescription") or "first run",
    algorithm_id=algorithm.algorithm_id,
    hyperparameters={"epochs": 3, "lr": 0.05},
    inputs={"data_url": f"/{bucket}/data/"},
    outputs={"train_url": f"/{bucket}/outputs/"},
    flavor_id="modelarts.vm.cpu.8u",
    log_export_path=f"/{bucket}/logs/",
    environments={"MODE": "compat"},
    wait_for="completed",
    wait_timeout=300,
)

outputs = {"algorithm_id": algorithm.algorithm_id, "job_id": job.job_id, "job_phase": job.phase}

if config.get_bool("withInline") is not False:
    # Autonamed, with inline code, recorded while still Running.
    inline = modelarts.TrainingJob(
        "inline",
        code_dir=f"/{bucket}/code/",
        boot_file=f"/{bucket}/code/train.py",
        engine_name=ENGINE_NAME,
        engine_version=ENGINE_VERSION,
        hyperparameters={"epochs": 1},
        outputs=[{"name": "train_url", "obs_url": f"/{bucket}/inline-outputs/"}],
        flavor_id="modelarts.vm.cpu.8u",
        auto_stop_hours=2,
        annotations={"fault-tolerance/job-retry-num": "1"},
        wait_for="running",
        delete_timeout=120,
    )
    outputs.update(inline_id=inline.job_id, inline_phase=inline.phase, inline_name=inline.name)

for key, value in outputs.items():
    pulumi.export(key, value)
