"""The ``TrainingJob`` resource: what a program declares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from ..providers.training_job import TrainingJobProvider
from .common import check_settings_before_deploy, identity_props, location_props

SECRET_OUTPUTS = ["log_url"]
"""The pre-signed log URL grants access to the log for a few minutes: stored as a secret."""


class TrainingJob(Resource, module="modelarts", name="TrainingJob"):
    """A ModelArts training job: an algorithm run once on a flavor, with data and output OBS paths.

    A job is immutable but for its ``description``: changing any other input replaces it (shown at preview).
    With an explicit ``name`` the old job is deleted first (names collide); an autonamed job is replaced by
    creating the new one first. ``triggers`` is the deliberate way to run the same spec again, for instance
    after the job ended ``Failed`` (a failed job is reported, never re-run on its own).

    Args:
        resource_name: The Pulumi resource name.
        name: The job's name in ModelArts (1-64 letters, digits, ``_``, ``-``). Default: autonamed.
        description: Up to 256 characters; the one property that changes in place.
        algorithm_id: The algorithm to run (usually ``Algorithm.algorithm_id``).
        code_dir, boot_file, engine_name, engine_version, engine_id, image_url, command: an inline algorithm,
            instead of ``algorithm_id``.
        hyperparameters: ``{name: value}``; values may be str, int, float or bool (sent as ``True``/``False``).
        inputs: Input channels: ``{name: obs_url}``, or a list of dicts with ``name`` and ``obs_url``, or
            ``name``, ``dataset_id`` and ``dataset_version_id``.
        outputs: Output channels: ``{name: obs_url}`` or a list of dicts with ``name`` and ``obs_url``.
        flavor_id: Public-pool flavor (see ``lookup_flavor``); or ``pool_id`` for a dedicated pool.
        pool_id: Dedicated resource pool.
        node_count: Nodes (default 1); at most the flavor's ``max_num``.
        log_export_path: OBS folder the logs are exported to (the stable log location).
        environments: Environment variables of the training process (at most 100; keys like C identifiers).
        volumes: Extra volumes, in the API's shape (``{"obs": {...}}``, ``{"nfs": {...}}``, ``{"pfs": {...}}``).
        auto_stop_hours: Stop the job after this many hours (1-72).
        annotations: Job annotations, e.g. ``{"fault-tolerance/job-retry-num": "3"}``.
        triggers: Any values; changing them replaces the job, i.e. runs it again.
        wait_for: How far ``pulumi up`` waits: ``submitted`` (the default: the job left ``Creating``),
            ``running``, or ``completed``. Every wait happens inside the dynamic-provider process, which runs at
            most 4 operations at a time and cancels requests queued for more than 30 minutes: waiting for
            completion of many long jobs queues them, so prefer the default for long jobs.
        wait_timeout: Seconds to wait for ``wait_for`` (default 1800). Pulumi's ``custom_timeouts`` never reach
            a dynamic provider; this does.
        keep_failed: If the job fails (or times out) while ``up`` waits, keep it for inspection instead of
            terminating and deleting it; the error then gives its ID.
        delete_timeout: Seconds a delete (``destroy``, a replacement, a failed job's clean-up) waits for the job
            to stop and disappear from the service (default 600). A job still there then fails the operation with
            its phase, instead of hanging; the resource stays in the state, so ``destroy`` can simply be re-run.
            Changing it changes nothing in ModelArts.
        adopt_id: Take over an existing job with this ID instead of submitting one (dynamic resources cannot be
            ``pulumi import``-ed).
        region, project_id, endpoint: Where to run it. Default: the ``modelarts:`` stack config.
    """

    job_id: pulumi.Output[str]
    """The job's ID (also the resource ID)."""
    name: pulumi.Output[str]
    phase: pulumi.Output[str]
    """Creating, Pending, Running, Terminating, Completed, Failed, Terminated or Abnormal (as of the last
    create, update or refresh)."""
    secondary_phase: pulumi.Output[str | None]
    create_time: pulumi.Output[int | None]
    start_time: pulumi.Output[int | None]
    """Start of the run, epoch milliseconds (0 before it started)."""
    duration: pulumi.Output[int | None]
    """Run time, milliseconds."""
    tasks: pulumi.Output[list[dict[str, Any]]]
    """One entry per task (``worker-0``, ...): ``task``, ``exit_code``, ``message``."""
    exit_code: pulumi.Output[int | None]
    """Exit code of the first task, once it ended."""
    exit_message: pulumi.Output[str]
    algorithm_name: pulumi.Output[str | None]
    output_urls: pulumi.Output[dict[str, str]]
    """``{output channel: OBS URL}``: where the trained artifacts are."""
    log_path: pulumi.Output[str | None]
    """The stable log location (``log_export_path``)."""
    console_url: pulumi.Output[str]
    """The job's page in the Huawei Cloud console."""
    metrics: pulumi.Output[dict[str, float] | None]
    """Latest value of each runtime metric of the first task (``cpuUsage``, ``memUsage``, ...)."""
    log_url: pulumi.Output[str | None]
    """Temporary pre-signed URL of the first task's log preview (expires in minutes; a secret). Fetched on
    create and whenever the phase changes; ``modelarts_pulumi.get_log_url`` gives a fresh one."""
    region: pulumi.Output[str]
    project_id: pulumi.Output[str]
    endpoint: pulumi.Output[str]

    @staticmethod
    def get(
        resource_name: str,
        id: pulumi.Input[str],
        *,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> TrainingJob:
        """Read an existing training job by ID without managing it: its outputs, refreshed on every ``up``; never
        changed or deleted by this stack (``destroy`` only forgets it). An ID that does not exist fails the
        operation. Like every read, it needs credentials, in a preview too."""
        return TrainingJob(
            resource_name,
            region=region,
            project_id=project_id,
            endpoint=endpoint,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)),
        )

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        algorithm_id: pulumi.Input[str] | None = None,
        code_dir: pulumi.Input[str] | None = None,
        boot_file: pulumi.Input[str] | None = None,
        command: pulumi.Input[str] | None = None,
        engine_name: pulumi.Input[str] | None = None,
        engine_version: pulumi.Input[str] | None = None,
        engine_id: pulumi.Input[str] | None = None,
        image_url: pulumi.Input[str] | None = None,
        hyperparameters: pulumi.Input[Mapping[str, Any]] | None = None,
        inputs: pulumi.Input[Mapping[str, Any] | Sequence[Any]] | None = None,
        outputs: pulumi.Input[Mapping[str, Any] | Sequence[Any]] | None = None,
        flavor_id: pulumi.Input[str] | None = None,
        pool_id: pulumi.Input[str] | None = None,
        node_count: pulumi.Input[int] | None = None,
        log_export_path: pulumi.Input[str] | None = None,
        environments: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        volumes: pulumi.Input[Sequence[Any]] | None = None,
        auto_stop_hours: pulumi.Input[int] | None = None,
        annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        triggers: pulumi.Input[Any] | None = None,
        wait_for: pulumi.Input[str] | None = None,
        wait_timeout: pulumi.Input[int] | None = None,
        keep_failed: pulumi.Input[bool] | None = None,
        delete_timeout: pulumi.Input[int] | None = None,
        adopt_id: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        kind: pulumi.Input[str] | None = None,
        workspace_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "description": description,
            "algorithm_id": algorithm_id,
            "code_dir": code_dir,
            "boot_file": boot_file,
            "command": command,
            "engine_name": engine_name,
            "engine_version": engine_version,
            "engine_id": engine_id,
            "image_url": image_url,
            "hyperparameters": hyperparameters,
            "inputs": inputs,
            "outputs": outputs,
            "flavor_id": flavor_id,
            "pool_id": pool_id,
            "node_count": node_count,
            "log_export_path": log_export_path,
            "environments": environments,
            "volumes": volumes,
            "auto_stop_hours": auto_stop_hours,
            "annotations": annotations,
            "triggers": triggers,
            "wait_for": wait_for,
            "wait_timeout": wait_timeout,
            "keep_failed": keep_failed,
            "delete_timeout": delete_timeout,
            "adopt_id": adopt_id,
            "kind": kind,
            "workspace_id": workspace_id,
            **identity_props(resource_name, name),
            **location_props(region, project_id, endpoint),
            # Computed outputs: present as None so that they become attributes of this object.
            "job_id": None,
            "phase": None,
            "secondary_phase": None,
            "create_time": None,
            "start_time": None,
            "duration": None,
            "tasks": None,
            "exit_code": None,
            "exit_message": None,
            "algorithm_name": None,
            "output_urls": None,
            "log_path": None,
            "console_url": None,
            "metrics": None,
            "log_url": None,
        }
        secret = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        check_settings_before_deploy(region, project_id, endpoint)
        super().__init__(TrainingJobProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret, opts))
        # Known at preview when the job is only updated (see Algorithm.algorithm_id).
        self.job_id = self.id
