"""What a finished training job wrote, brought home: an output channel's OBS folder into a local folder.

    modelarts_pulumi.download_job_output(job_id, "train_url", "results/")

Settings come from the ``modelarts:`` stack config when called in a Pulumi program, else from the environment,
as for the lookups; OBS is reached as ``ObsFolder`` reaches it (``modelarts:obsEndpoint``, AK/SK or temporary
AK/SK from IAM).
"""

from __future__ import annotations

import os
from pathlib import Path

from .client import ModelArtsClient
from .errors import ModelArtsApiError, ModelArtsError
from .obs import TransferReport, connect, download_prefix
from .program_settings import program_settings
from .rules import normal_prefix, split_obs_path
from .settings import Settings
from .wire import TERMINAL_PHASES


def download_job_output(
    job_id: str, channel: str, destination: str | os.PathLike[str], *, settings: Settings | None = None
) -> TransferReport:
    """Download the OBS folder of a finished job's output ``channel`` into ``destination`` (created if needed):
    every object under it, in parallel, each file checked and put in place whole. Files already in
    ``destination`` are overwritten; others are left alone."""
    settings = settings or program_settings()
    client = ModelArtsClient(settings)
    try:
        job = client.get_training_job(job_id)
    except ModelArtsApiError as exc:
        if exc.is_not_found:
            raise ModelArtsError(f"no training job {job_id!r} in project {client.project_id}") from None
        raise
    name = f"training job {job.metadata.name} ({job_id})"
    urls = job.output_urls
    if channel not in urls:
        known = ", ".join(sorted(urls)) or "none"
        raise ModelArtsError(f"{name} has no output channel {channel!r} in OBS; its output channels: {known}")
    if job.phase not in TERMINAL_PHASES:
        raise ModelArtsError(f"{name} is {job.phase}: its outputs are whole once it ended; download them then")
    bucket, prefix = split_obs_path(urls[channel])
    with connect(settings) as obs:
        return download_prefix(obs, bucket, normal_prefix(prefix), Path(destination))


__all__ = ["download_job_output"]
