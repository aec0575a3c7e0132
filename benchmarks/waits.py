"""Waits past four at a time (issue 12, item 4): how many jobs wait at once, and what it costs in time.

Every job of the stack waits for ``running``, which the local ModelArts of this scenario reaches
``WAIT_SECONDS`` after the create (Creating 0.5 s, Pending 2.5 s), so each create holds one worker of the
dynamic-provider process and one engine step for about 3 s. For 16 jobs (the issue's lead) and N jobs:

- ``MODELARTS_PROVIDER_WORKERS=4``: Pulumi's own pool of 4 workers, as before item 4 (``providers/workers.py``
  leaves it alone);
- the default: the pool widened, the engine's default ``--parallel`` (4 per core);
- the pool widened and ``--parallel`` as large as the stack.

The reference is the official SDK with as many threads as jobs: every wait at once, the floor. Beside the time,
*waits at once* counts the job creates the server received before the first job could be Running (the first
create + ``WAIT_SECONDS``): the number of jobs that were waiting together. Each variant runs once: the rounds
it makes are far apart, and the scenario takes a few minutes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import local_server
from benchmarks.sdk_reference import SdkReference
from benchmarks.stacks import JOB_STACK, aksk_credentials, location_config, make_stack, measure
from tests.support.pulumi_cli import PulumiProject
from tests.support.server import LocalModelArts, start_local_modelarts

WAIT_SECONDS = 3.0
SIMULATED: dict[str, Any] = {
    **local_server.SIMULATED,
    "creating_seconds": 0.5,
    "pending_seconds": WAIT_SECONDS - 0.5,
}
CREATE_KEY = "POST /v2/{project_id}/training-jobs"
DESTROY_PARALLEL = 64  # tearing down is not what is measured here: as fast as it goes


@dataclass(frozen=True)
class Variant:
    name: str
    workers: int | None = None  # MODELARTS_PROVIDER_WORKERS; None: the provider's default
    parallel: int | None = None  # pulumi --parallel; None: the engine's default

    def describe(self, jobs: int) -> str:
        parallel = f"`--parallel {jobs}`" if self.parallel else "default `--parallel`"
        pool = f"`MODELARTS_PROVIDER_WORKERS={self.workers}`" if self.workers else "the widened pool"
        return f"{pool}, {parallel}"


def variants(jobs: int) -> list[Variant]:
    return [
        Variant("pulumi-pool", workers=4),
        Variant("default"),
        Variant("parallel", parallel=jobs),
    ]


@dataclass(frozen=True)
class WaitSample:
    """One ``up`` (or the SDK reference) of ``jobs`` jobs that each wait ``WAIT_SECONDS``."""

    jobs: int
    variant: str  # a Variant name, or "sdk"
    described: str
    seconds: float
    at_once: int

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def run_waits(workdir: Path, counts: tuple[int, ...], say: Callable[[str], None]) -> list[WaitSample]:
    """Every variant for every count of jobs, then the SDK reference, on a local ModelArts of their own."""
    server = start_local_modelarts(
        workdir / "waits-server",
        mode="simulated",
        config={**local_server.SERVER_CONFIG, "simulated": SIMULATED},
    )
    samples: list[WaitSample] = []
    try:
        config = {**location_config(server), **aksk_credentials(server), "bench-waits:waitFor": "running"}
        project = make_stack(workdir / "waits-stack", "bench-waits", JOB_STACK, config)
        sdk = SdkReference(server, threads=max(counts))
        for jobs in counts:
            project.run("config", "set", "bench-waits:jobs", str(jobs), "--plaintext")
            for variant in variants(jobs):
                sample = _ours(project, server, jobs, variant)
                say(f"  waits: {jobs} jobs, {sample.described}: {sample.seconds:.2f} s, {sample.at_once} at once")
                samples.append(sample)
            samples.append(_sdk(sdk, server, jobs))
            say(f"  waits: {jobs} jobs, SDK with {jobs} threads: {samples[-1].seconds:.2f} s")
    finally:
        server.stop()
    return samples


def _ours(project: PulumiProject, server: LocalModelArts, jobs: int, variant: Variant) -> WaitSample:
    env = dict(project.env)
    if variant.workers is not None:
        env["MODELARTS_PROVIDER_WORKERS"] = str(variant.workers)
    run = dataclasses.replace(project, env=env)
    since = time.time()
    args = ["up", "--yes", "--skip-preview"] + (["--parallel", str(variant.parallel)] if variant.parallel else [])
    measured = measure(run, server, *args)
    at_once = _at_once(server, since)
    local_server.wait_until_settled(server)
    run.run("destroy", "--yes", "--skip-preview", "--parallel", str(DESTROY_PARALLEL), timeout=900)
    local_server.assert_empty(server, "the waits' `pulumi destroy`")
    return WaitSample(jobs, variant.name, variant.describe(jobs), measured.seconds, at_once)


def _sdk(sdk: SdkReference, server: LocalModelArts, jobs: int) -> WaitSample:
    since = time.time()
    started = time.monotonic()
    deployed = sdk.create(jobs, "running")
    seconds = time.monotonic() - started
    at_once = _at_once(server, since)
    sdk.destroy(deployed)
    local_server.assert_empty(server, "the SDK's destroy (waits)")
    return WaitSample(jobs, "sdk", f"SDK, {min(jobs, sdk.threads)} threads", seconds, at_once)


def _at_once(server: LocalModelArts, since: float) -> int:
    """Job creates received before the first job could be Running: the jobs that waited together."""
    creates = [at for at, key in local_server.arrivals(server, since) if key == CREATE_KEY]
    return sum(1 for at in creates if at < creates[0] + WAIT_SECONDS) if creates else 0
