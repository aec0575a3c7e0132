"""What the resources compute: each output declares its type, documentation and whether it is a secret, once
(:func:`~modelarts_pulumi.declare.output`). The providers build their outputs through these models (a missing
one fails loudly); the resource classes take their attributes, secrets and documentation from them. Besides
these, every input is an output too, as the provider normalized it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .declare import output
from .models import deferred


class LocatedOutputs(BaseModel):
    """Where the object lives, as it was resolved when it was created: refresh and destroy act there."""

    model_config = deferred(extra="forbid")  # a provider that sends an undeclared output fails loudly

    region: str = output(doc="The region it lives in.")
    project_id: str = output(doc="The project it lives in.")
    endpoint: str = output(doc="The ModelArts endpoint it is managed through.")


class AlgorithmOutputs(LocatedOutputs):
    """Outputs of :class:`~modelarts_pulumi.Algorithm`."""

    algorithm_id: str = output(
        doc="The algorithm's ID (also the resource ID); give it to ``TrainingJob(algorithm_id=...)``."
    )
    name: str = output(doc="The algorithm's name in ModelArts.")
    resolved_engine_id: str | None = output(doc="The engine ID the service resolved the engine to.")
    create_time: int | None = output(doc="Creation time, epoch milliseconds.")
    update_time: int | None = output(doc="Last modification time, epoch milliseconds (0 until modified).")
    is_valid: bool | str | None = output(doc="Whether the service considers the algorithm usable.")
    size: int | None = output(doc="Size of the code, bytes.")
    code_tree: Any = output(doc="Listing of ``code_dir`` as the service saw it.")


class TrainingJobOutputs(LocatedOutputs):
    """Outputs of :class:`~modelarts_pulumi.TrainingJob`."""

    job_id: str = output(doc="The job's ID (also the resource ID).")
    name: str = output(doc="The job's name in ModelArts.")
    phase: str = output(
        doc="Creating, Pending, Running, Terminating, Completed, Failed, Terminated or Abnormal (as of the last "
        "create, update or refresh)."
    )
    secondary_phase: str | None = output(doc="The service's finer phase (internal to ModelArts, subject to change).")
    create_time: int | None = output(doc="Creation time, epoch milliseconds.")
    start_time: int | None = output(doc="Start of the run, epoch milliseconds (0 before it started).")
    duration: int | None = output(doc="Run time, milliseconds.")
    tasks: list[dict[str, Any]] = output(
        doc="One entry per task (``worker-0``, ...): ``task``, ``exit_code``, ``message``."
    )
    exit_code: int | None = output(doc="Exit code of the first task, once it ended.")
    exit_message: str = output(doc="Message of the first task's end (empty while it runs).")
    algorithm_name: str | None = output(doc="Name of the algorithm the job runs.")
    output_urls: dict[str, str] = output(doc="``{output channel: OBS URL}``: where the trained artifacts are.")
    log_path: str | None = output(doc="The stable log location (``log_export_path``).")
    console_url: str = output(doc="The job's page in the Huawei Cloud console.")
    metrics: dict[str, float] | None = output(
        doc="Latest value of each runtime metric of the first task (``cpuUsage``, ``memUsage``, ...); empty until the "
        "job has left Creating and Pending, and kept as it was once the job has ended."
    )
    log_url: str | None = output(
        secret=True,
        doc="Temporary pre-signed URL of the first task's log preview: it expires in minutes, so it is stored as a "
        "secret and never causes a diff. Empty while the job is Creating or Pending; fetched on every read after "
        "that, and kept as it was once the job has ended; ``modelarts_pulumi.get_log_url`` gives a fresh one.",
    )


class ObsFolderOutputs(BaseModel):
    """Outputs of :class:`~modelarts_pulumi.ObsFolder`."""

    model_config = deferred(extra="forbid")

    folder: str = output(
        doc="The folder in OBS, ``/<bucket>/<prefix><hash>/``: give it to ``code_dir`` or a channel. Known at "
        "preview (when the bucket is), yet resources that use it wait for the upload."
    )
    file_count: int = output(doc="How many files it holds.")
    total_bytes: int = output(doc="Their size, bytes.")
    files: list[str] = output(doc="Its files, relative to the folder: what a delete removes, when no other holds it.")
    region: str = output(doc="The region whose settings it was uploaded with.")
    endpoint: str = output(doc="The OBS endpoint it was uploaded to: refresh and destroy act there.")
