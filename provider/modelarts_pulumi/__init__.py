"""ModelArts training as code: Pulumi resources for algorithms and training jobs, the local code and data they
run (uploaded to OBS by content), plus catalog lookups.

    import modelarts_pulumi as modelarts

    code = modelarts.ObsFolder("code", source="src/", bucket="bucket", prefix="uploads/code/")
    algorithm = modelarts.Algorithm("train", code_dir=code.folder, boot_file=code.file("train.py"),
                                    engine_name="PyTorch", engine_version="...")
    job = modelarts.TrainingJob("run", algorithm_id=algorithm.algorithm_id, flavor_id="modelarts.vm.cpu.8u",
                                inputs={"data_url": "/bucket/data/"}, outputs={"train_url": "/bucket/out/"})

Settings come from the ``modelarts:`` stack config and the environment (see ``settings``).
"""

from typing import TYPE_CHECKING, Any

from .errors import ModelArtsApiError, ModelArtsConfigError, ModelArtsError
from .lookups import (
    find_algorithms,
    find_training_jobs,
    get_engines,
    get_flavors,
    get_log_url,
    get_training_job_events,
    lookup_algorithm,
    lookup_engine,
    lookup_flavor,
    lookup_training_job,
    pick_engine,
    pick_flavor,
)
from .resources.algorithm import Algorithm
from .resources.obs_folder import ObsFolder
from .resources.training_job import TrainingJob
from .settings import Settings

if TYPE_CHECKING:
    from .client import ModelArtsClient
    from .downloads import download_job_output

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The client and the downloads are imported on first use: they bring the HTTP stack, which a program that
    # only declares resources (and a preview, which calls nothing) never needs.
    if name == "ModelArtsClient":
        from .client import ModelArtsClient

        return ModelArtsClient
    if name == "download_job_output":
        from .downloads import download_job_output

        return download_job_output
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Algorithm",
    "ModelArtsApiError",
    "ModelArtsClient",
    "ModelArtsConfigError",
    "ModelArtsError",
    "ObsFolder",
    "Settings",
    "TrainingJob",
    "download_job_output",
    "find_algorithms",
    "find_training_jobs",
    "get_engines",
    "get_flavors",
    "get_log_url",
    "get_training_job_events",
    "lookup_algorithm",
    "lookup_engine",
    "lookup_flavor",
    "lookup_training_job",
    "pick_engine",
    "pick_flavor",
]
