"""Translations between TrainingJob inputs/outputs and the API's job documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ModelArtsError
from ..inputs import ChannelData, TrainingJobInputs
from ..job_summary import task_ends
from ..outputs import TrainingJobOutputs
from ..regions import console_url
from ..wire import (
    NOT_STARTED_PHASES,
    TERMINAL_PHASES,
    AutoStop,
    DatasetLocation,
    EngineRef,
    JobAlgorithm,
    JobInput,
    JobMetadata,
    JobOutput,
    JobParameter,
    JobResource,
    JobSpec,
    LogExportPath,
    ObsLocation,
    Remote,
    TrainingJob,
    TrainingJobRequest,
    Volume,
)
from . import context
from .engines import engine_ref

if TYPE_CHECKING:  # the client (and requests) is imported when a call is made, not by a preview
    from ..client import ModelArtsClient

# Outputs that change while a job runs but not after it ended; kept as they were when a finished job is read
# again, so that refreshing a finished job is a no-op (the pre-signed log URL would otherwise churn).
VOLATILE_OUTPUTS = ("log_url", "metrics")


def coerce_props(props: dict[str, Any]) -> dict[str, Any]:
    """Accept the friendly shapes: hyperparameter values of any scalar type, channels as ``{name: obs_url}``."""
    out = dict(props)
    hyper = out.get("hyperparameters")
    if isinstance(hyper, Mapping):
        out["hyperparameters"] = {k: _hyper_text(v) for k, v in hyper.items()}
    for key in ("inputs", "outputs"):
        channels = out.get(key)
        if isinstance(channels, Mapping):
            out[key] = [{"name": name, "obs_url": url} for name, url in channels.items()]
    env = out.get("environments")
    if isinstance(env, Mapping):
        out["environments"] = {k: v if isinstance(v, str) else _hyper_text(v) for k, v in env.items()}
    return out


def _hyper_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        # Pulumi sends every number as a double: the program's `1` arrives as `1.0`.
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _remote(channel: ChannelData) -> Remote:
    if channel.obs_url is not None:
        return Remote(obs=ObsLocation(obs_url=channel.obs_url))
    assert channel.dataset_id and channel.dataset_version_id
    return Remote(dataset=DatasetLocation(id=channel.dataset_id, version_id=channel.dataset_version_id))


def to_request(inputs: TrainingJobInputs) -> TrainingJobRequest:
    """The create body for validated inputs."""
    algorithm = JobAlgorithm(
        id=inputs.algorithm_id,
        code_dir=inputs.code_dir,
        boot_file=inputs.boot_file,
        command=inputs.command,
        engine=None if inputs.algorithm_id else engine_ref(inputs),
        parameters=[JobParameter(name=k, value=v) for k, v in inputs.hyperparameters.items()] or None,
        inputs=[JobInput(name=c.name, remote=_remote(c)) for c in inputs.inputs] or None,
        outputs=[JobOutput(name=c.name, remote=_remote(c)) for c in inputs.outputs] or None,
        environments=inputs.environments or None,
    )
    spec = JobSpec(
        resource=JobResource(flavor_id=inputs.flavor_id, pool_id=inputs.pool_id, node_count=inputs.node_count),
        volumes=[Volume.model_validate(volume) for volume in inputs.volumes] or None,
        log_export_path=LogExportPath(obs_url=inputs.log_export_path) if inputs.log_export_path else None,
        auto_stop=AutoStop(duration=inputs.auto_stop_hours) if inputs.auto_stop_hours else None,
    )
    return TrainingJobRequest(
        kind=inputs.kind,
        metadata=JobMetadata(
            name=inputs.name,
            description=inputs.description,
            workspace_id=inputs.workspace_id,
            annotations=inputs.annotations or None,
        ),
        algorithm=algorithm,
        spec=spec,
    )


def matches_spec(job: TrainingJob, inputs: TrainingJobInputs) -> bool:
    """Whether an existing job is the one these inputs ask for (used before adopting it)."""
    return not spec_differences(job, inputs)


def spec_differences(job: TrainingJob, inputs: TrainingJobInputs) -> list[str]:
    """What the inputs ask for that the existing job does not have, as ``"key: job has X, inputs say Y"``."""
    algorithm = job.algorithm or JobAlgorithm()
    resource = job.spec.resource if job.spec else JobResource()
    out: list[str] = []

    def differ(key: str, has: Any, wants: Any) -> None:
        if has != wants:
            out.append(f"{key}: the job has {has!r}, the inputs say {wants!r}")

    if inputs.algorithm_id:
        differ("algorithm_id", algorithm.id, inputs.algorithm_id)
    if inputs.code_dir:
        differ("code_dir", algorithm.code_dir, inputs.code_dir)
        differ("boot_file", algorithm.boot_file, inputs.boot_file)
    differ("flavor_id", resource.flavor_id or None, inputs.flavor_id or None)
    differ("node_count", resource.node_count or 1, inputs.node_count)
    given = {p.name: p.value for p in algorithm.parameters or []}
    for name, value in inputs.hyperparameters.items():
        differ(f"hyperparameters.{name}", given.get(name), value)
    channels: dict[str, str | None] = {}
    bound: list[JobInput | JobOutput] = [*(algorithm.inputs or []), *(algorithm.outputs or [])]
    for channel in bound:
        channels[channel.name] = channel.remote.obs.obs_url if channel.remote.obs else None
    for wanted in [*inputs.inputs, *inputs.outputs]:
        if wanted.obs_url:
            differ(f"channel {wanted.name}", channels.get(wanted.name), wanted.obs_url)
    return out


def described_inputs(job: TrainingJob) -> dict[str, Any]:
    """The inputs that describe an existing job, in the shapes a program writes them: what a job read by ID
    (``TrainingJob.get``) shows instead of the inputs it was never given."""
    algorithm = job.algorithm or JobAlgorithm()
    spec = job.spec or JobSpec(resource=JobResource())
    engine = algorithm.engine or EngineRef()
    described: dict[str, Any] = {
        "kind": job.kind,
        "description": job.metadata.description or "",
        "workspace_id": job.metadata.workspace_id,
        "annotations": job.metadata.annotations,
        "flavor_id": spec.resource.flavor_id,
        "pool_id": spec.resource.pool_id,
        "node_count": spec.resource.node_count,
        "log_export_path": spec.log_export_path.obs_url if spec.log_export_path else None,
        "auto_stop_hours": spec.auto_stop.duration if spec.auto_stop else None,
        "hyperparameters": {p.name: p.value for p in algorithm.parameters or []},
        "inputs": {c.name: c.remote.obs.obs_url for c in algorithm.inputs or [] if c.remote.obs},
        "outputs": {c.name: c.remote.obs.obs_url for c in algorithm.outputs or [] if c.remote.obs},
        "environments": algorithm.environments if isinstance(algorithm.environments, dict) else None,
    }
    if algorithm.id:
        described["algorithm_id"] = algorithm.id
    else:
        described.update(
            code_dir=algorithm.code_dir,
            boot_file=algorithm.boot_file,
            command=algorithm.command,
            engine_id=engine.engine_id,
            engine_name=engine.engine_name,
            engine_version=engine.engine_version,
            image_url=engine.image_url,
        )
    return {key: value for key, value in described.items() if value not in (None, {})}


def task_outputs(job: TrainingJob) -> list[dict[str, Any]]:
    """One entry per task: ``task``, ``exit_code``, ``message`` (see ``job_summary.task_ends``)."""
    return [{"task": end.task, "exit_code": end.exit_code, "message": end.message} for end in task_ends(job)]


def job_outputs(
    client: ModelArtsClient,
    job: TrainingJob,
    inputs: Mapping[str, Any],
    *,
    previous: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Normalized inputs plus the job's status, locations, latest metrics and temporary log URL."""
    location = context.location_of(client)
    tasks = task_outputs(job)
    first = tasks[0] if tasks else {}
    algorithm = job.algorithm or JobAlgorithm()
    settled = previous is not None and job.phase in TERMINAL_PHASES and previous.get("phase") == job.phase
    if settled:
        assert previous is not None
        volatile = {key: previous.get(key) for key in VOLATILE_OUTPUTS}
    elif job.phase in NOT_STARTED_PHASES:
        volatile = dict.fromkeys(VOLATILE_OUTPUTS)  # nothing to fetch before the job runs
    else:
        volatile = {"metrics": _latest_metrics(client, job), "log_url": _log_url(client, job)}
    computed = TrainingJobOutputs.model_validate(
        {
            **location,
            **volatile,
            "name": job.metadata.name,
            "job_id": job.metadata.id,
            "phase": job.phase,
            "secondary_phase": job.status.secondary_phase,
            "create_time": job.metadata.create_time,
            "start_time": job.status.start_time,
            "duration": job.status.duration,
            "tasks": tasks,
            "exit_code": first.get("exit_code"),
            "exit_message": first.get("message") or "",
            "algorithm_name": algorithm.name,
            "output_urls": job.output_urls,
            "log_path": inputs.get("log_export_path"),
            "console_url": console_url(location["region"], job.metadata.id),
        }
    )
    return {**inputs, **computed.model_dump()}


def _latest_metrics(client: ModelArtsClient, job: TrainingJob) -> dict[str, float] | None:
    if not job.tasks:
        return None
    try:
        series = client.get_metrics(job.metadata.id, job.tasks[0]).metrics
    except ModelArtsError:
        return None  # not ready yet (ModelArts.2777) or not available: metrics are a convenience
    return {s.metric: latest for s in series if (latest := s.latest) is not None}


def _log_url(client: ModelArtsClient, job: TrainingJob) -> str | None:
    if not job.tasks:
        return None
    try:
        return client.get_log_url(job.metadata.id, job.tasks[0])
    except ModelArtsError:
        return None  # no log yet (ModelArts.2776/2818)
