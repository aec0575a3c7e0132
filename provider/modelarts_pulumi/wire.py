"""The ModelArts v2 training API's wire format, defined once.

Field names are the API's own (snake_case JSON keys). Request models serialise with ``to_body()`` (``None``
fields left out, as the API treats a missing key as "use the default"). Response models accept unknown keys
(``extra="allow"``): the real service adds fields over time, and a client that breaks on a new field is a
liability. Only the fields this project reads are typed; the rest stays reachable through ``model_extra``.

The module is long on purpose: it is the API's every document, and the phases of a job, in one place. Split by
endpoint, the documents that several calls share (an engine reference, a job's algorithm) would have no home.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from .models import deferred

NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""Algorithm and training-job names: 1-64 letters, digits, ``_`` or ``-`` (API reference §0)."""

HYPERPARAMETER_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
ENVIRONMENT_KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
MAX_DESCRIPTION_LENGTH = 256
MAX_ENVIRONMENT_ENTRIES = 100

ParameterType = Literal["String", "Integer", "Float", "Boolean"]

# --- job phases (API reference §2): every set of phases is defined here, and only here -----------------------

TERMINAL_PHASES: frozenset[str] = frozenset({"Completed", "Failed", "Terminated", "Abnormal"})
"""Phases a job never leaves (the user guide: these cannot be stopped)."""
FAILED_PHASES: frozenset[str] = TERMINAL_PHASES - {"Completed"}
"""Terminal phases of a job that did not complete: it failed, was stopped, or turned Abnormal. ``Terminating``
is not one of them: it is not terminal (a stop in progress, which ends ``Terminated``)."""
STOPPING_PHASES: frozenset[str] = frozenset({"Terminating"})
"""A stop in progress: the job ends ``Terminated`` and reaches no milestone any more."""
STOPPABLE_PHASES: frozenset[str] = frozenset({"Creating", "Pending", "Running"})
"""Phases in which the terminate action is accepted (else 409 ModelArts.2796)."""
NOT_STARTED_PHASES: frozenset[str] = frozenset({"Creating", "Pending"})
"""Phases of a job that has not run yet: it has no log and no metrics (ModelArts.2776/2777 "not ready")."""

LOGGING_PHASES: frozenset[str] = frozenset({"Running", "Terminating"}) | TERMINAL_PHASES
"""Phases in which a job may have a log (a job that ended before it ran has none)."""

Milestone = Literal["submitted", "running", "completed"]
"""How far a job got: submitted (it left ``Creating``), running, completed."""
MILESTONE_PHASES: dict[str, frozenset[str]] = {
    "submitted": frozenset({"Pending", "Running", "Completed"}),
    "running": frozenset({"Running", "Completed"}),
    "completed": frozenset({"Completed"}),
}
"""The phases in which a job has reached each milestone."""
PAST_MILESTONES_PHASES: frozenset[str] = FAILED_PHASES | STOPPING_PHASES
"""Phases from which a job reaches no milestone any more: it ended without completing, or is being stopped."""


class WireModel(BaseModel):
    """Base of every wire model: unknown keys are kept, names are the API's."""

    model_config = deferred(extra="allow", populate_by_name=True)

    def to_body(self) -> dict[str, Any]:
        """The JSON body to send: ``None`` fields omitted."""
        return self.model_dump(mode="json", exclude_none=True)


Item = TypeVar("Item")

PAGE_SIZE = 50
"""The largest page the list calls accept (algorithms, training-job searches)."""
EVENTS_PAGE_SIZE = 100
"""The largest page of a training job's events."""


class Page(WireModel, Generic[Item]):
    """One page of a listing (algorithms, training jobs): ``items`` from ``offset`` on, ``count`` of them, of
    ``total``."""

    total: int = 0
    count: int = 0
    limit: int | None = None
    offset: int | None = None
    items: list[Item] = Field(default_factory=list)


# --- catalog -------------------------------------------------------------------------------------------


class Billing(WireModel):
    code: str | None = None
    unit_num: int | None = None


class FlavorInfo(WireModel):
    max_num: int | None = None
    cpu: dict[str, Any] | None = None
    gpu: dict[str, Any] | None = None
    npu: dict[str, Any] | None = None
    memory: dict[str, Any] | None = None
    disk: dict[str, Any] | None = None


class Flavor(WireModel):
    """A public training flavor (``GET /training-job-flavors``)."""

    flavor_id: str
    flavor_name: str | None = None
    flavor_type: str | None = None
    max_num: int | None = None
    billing: Billing | None = None
    flavor_info: FlavorInfo | None = None
    attributes: dict[str, str] | None = None

    @property
    def max_nodes(self) -> int:
        """How many nodes a job on this flavor may use (1 means no distributed training)."""
        for value in (self.max_num, self.flavor_info.max_num if self.flavor_info else None):
            if value:
                return value
        return 1


class FlavorList(WireModel):
    total_count: int = 0
    flavors: list[Flavor] = Field(default_factory=list)


class ImageInfo(WireModel):
    cpu_image_url: str | None = None
    gpu_image_url: str | None = None
    image_version: str | None = None


class Engine(WireModel):
    """A preset AI engine (``GET /training-job-engines``)."""

    engine_id: str
    engine_name: str
    engine_version: str
    v1_compatible: bool | None = None
    run_user: str | None = None
    image_info: ImageInfo | None = None
    tags: list[dict[str, str]] | None = None


class EngineList(WireModel):
    total: int = 0
    items: list[Engine] = Field(default_factory=list)


# --- algorithms ----------------------------------------------------------------------------------------


class Constraint(WireModel):
    type: ParameterType | None = None
    editable: bool | None = None
    required: bool | None = None
    sensitive: bool | None = None
    valid_type: str | None = None
    valid_range: list[str] | None = None


class Parameter(WireModel):
    """A hyperparameter: its default ``value`` and the ``constraint`` the service enforces."""

    name: str
    value: str | None = None
    description: str | None = None
    constraint: Constraint | None = None
    i18n_description: dict[str, Any] | None = None


class RemoteConstraint(WireModel):
    data_type: str | None = None
    attributes: list[dict[str, str]] | None = None


class AlgorithmInput(WireModel):
    name: str
    description: str | None = None
    remote_constraints: list[RemoteConstraint] | None = None
    access_method: str | None = None


class AlgorithmOutput(WireModel):
    name: str
    description: str | None = None
    access_method: str | None = None


class EngineRef(WireModel):
    """How a request names an engine: by id, by name + version, or by custom image."""

    engine_id: str | None = None
    engine_name: str | None = None
    engine_version: str | None = None
    image_url: str | None = None
    install_sys_packages: bool | None = None


class ResolvedEngine(EngineRef):
    """An engine as the service returns it, resolved against the catalog."""

    v1_compatible: bool | None = None
    run_user: str | None = None
    usage: str | None = None
    support_groups: str | None = None
    tags: list[dict[str, str]] | None = None
    image_info: ImageInfo | None = None


class AlgorithmJobConfig(WireModel):
    code_dir: str | None = None
    boot_file: str | None = None
    command: str | None = None
    parameters: list[Parameter] | None = None
    parameters_customization: bool | None = None
    inputs: list[AlgorithmInput] | None = None
    outputs: list[AlgorithmOutput] | None = None
    engine: EngineRef | None = None


class AlgorithmMetadata(WireModel):
    name: str
    description: str | None = None
    workspace_id: str | None = None
    tags: list[dict[str, str]] | None = None


class ResourceRequirement(WireModel):
    key: str
    values: list[str] | None = None
    operator: str | None = None


class AlgorithmRequest(WireModel):
    """Body of ``POST /algorithms`` and ``PUT /algorithms/{id}`` (a PUT is a full replacement)."""

    metadata: AlgorithmMetadata
    job_config: AlgorithmJobConfig | None = None
    resource_requirements: list[ResourceRequirement] | None = None
    advanced_config: dict[str, Any] | None = None


class AlgorithmResponseMetadata(WireModel):
    id: str
    name: str
    description: str | None = None
    workspace_id: str | None = None
    ai_project: str | None = None
    user_name: str | None = None
    domain_id: str | None = None
    source: str | None = None
    is_valid: bool | str | None = None
    size: int | None = None
    tags: list[dict[str, str]] | None = None
    create_time: int | None = None
    update_time: int | None = None


class AlgorithmResponseJobConfig(AlgorithmJobConfig):
    engine: ResolvedEngine | None = None
    code_tree: dict[str, Any] | list[Any] | None = None


class Algorithm(WireModel):
    """An algorithm as the service returns it."""

    metadata: AlgorithmResponseMetadata
    job_config: AlgorithmResponseJobConfig | None = None
    resource_requirements: list[dict[str, Any]] | None = None
    advanced_config: dict[str, Any] | None = None


AlgorithmList = Page[Algorithm]
"""Answer of ``GET /algorithms``."""


# --- training jobs -------------------------------------------------------------------------------------


class ObsLocation(WireModel):
    obs_url: str


class DatasetLocation(WireModel):
    id: str
    version_id: str


class Remote(WireModel):
    """Where a channel's data lives: an OBS path or a dataset version."""

    obs: ObsLocation | None = None
    dataset: DatasetLocation | None = None


class JobInput(WireModel):
    name: str
    remote: Remote
    description: str | None = None
    local_dir: str | None = None
    access_method: str | None = None


class JobOutput(WireModel):
    name: str
    remote: Remote
    description: str | None = None
    local_dir: str | None = None
    access_method: str | None = None
    mode: str | None = None
    period: int | str | None = None


class JobParameter(WireModel):
    name: str
    value: str | None = None
    description: str | None = None
    constraint: Constraint | None = None


class JobAlgorithm(WireModel):
    """The ``algorithm`` of a job: a reference by ``id`` or inline code + engine."""

    id: str | None = None
    name: str | None = None
    code_dir: str | None = None
    boot_file: str | None = None
    command: str | None = None
    parameters: list[JobParameter] | None = None
    inputs: list[JobInput] | None = None
    outputs: list[JobOutput] | None = None
    engine: EngineRef | None = None
    local_code_dir: str | None = None
    working_dir: str | None = None
    environments: dict[str, str] | list[dict[str, str]] | None = None


class JobResource(WireModel):
    flavor_id: str | None = None
    pool_id: str | None = None
    node_count: int | None = None
    policy: str | None = None
    flavor_name: str | None = None
    flavor_detail: dict[str, Any] | None = None


class LogExportPath(WireModel):
    obs_url: str | None = None
    host_path: str | None = None


class AutoStop(WireModel):
    time_unit: Literal["HOURS"] = "HOURS"
    duration: int


class Volume(WireModel):
    nfs: dict[str, Any] | None = None
    pfs: dict[str, Any] | None = None
    obs: dict[str, Any] | None = None


class JobSpec(WireModel):
    resource: JobResource
    volumes: list[Volume] | None = None
    log_export_path: LogExportPath | None = None
    auto_stop: AutoStop | None = None
    is_hosted_log: bool | None = None


class JobMetadata(WireModel):
    name: str
    description: str | None = None
    workspace_id: str | None = None
    annotations: dict[str, str] | None = None


class TrainingJobRequest(WireModel):
    """Body of ``POST /training-jobs``."""

    kind: str = "job"
    metadata: JobMetadata
    algorithm: JobAlgorithm
    spec: JobSpec


class TaskStatus(WireModel):
    task: str
    exit_code: int | None = None
    message: str | None = None


class JobStatus(WireModel):
    phase: str
    secondary_phase: str | None = None
    duration: int | None = None
    start_time: int | None = None
    node_count_metrics: list[list[int]] | None = None
    tasks: list[str] | None = None
    task_statuses: list[TaskStatus] | None = None
    running_records: list[dict[str, Any]] | None = None


class JobResponseMetadata(WireModel):
    id: str
    name: str
    description: str | None = None
    workspace_id: str | None = None
    create_time: int | None = None
    user_name: str | None = None
    annotations: dict[str, str] | None = None


class TrainingJob(WireModel):
    """A training job as the service returns it (JobResponse)."""

    kind: str | None = None
    metadata: JobResponseMetadata
    status: JobStatus
    algorithm: JobAlgorithm | None = None
    spec: JobSpec | None = None

    @property
    def phase(self) -> str:
        return self.status.phase

    @property
    def tasks(self) -> list[str]:
        return list(self.status.tasks or [])

    @property
    def output_urls(self) -> dict[str, str]:
        """``{output channel: OBS folder}`` of the channels that write to OBS."""
        channels = self.algorithm.outputs if self.algorithm else None
        return {c.name: c.remote.obs.obs_url for c in channels or [] if c.remote and c.remote.obs}


class JobSearchFilter(WireModel):
    key: str
    operator: Literal["between", "like", "in", "not"]
    value: list[str]


class TagFilter(WireModel):
    """A search's tag filter: jobs with the tag ``key``, and one of ``values`` when any are given."""

    key: str
    values: list[str] | None = None


class JobSearchRequest(WireModel):
    """Body of ``POST /training-job-searches`` (``offset`` is a page index)."""

    offset: int = 0
    limit: int = 50
    sort_by: str | None = None
    order: Literal["asc", "desc"] | None = None
    workspace_id: str | None = None
    filters: list[JobSearchFilter] | None = None
    tags: list[TagFilter] | None = None


JobList = Page[TrainingJob]
"""Answer of ``POST /training-job-searches``."""


class TaskPlacement(WireModel):
    """One entry of ``GET /training-jobs/{id}/tasks``."""

    task: str
    ip: str | None = None
    host_ip: str | None = None
    schedule_count: int | None = None


class LogUrl(WireModel):
    obs_url: str


class LogPreview(WireModel):
    content: str = ""
    current_size: int | None = None
    full_size: int | None = None


class LogLines(WireModel):
    """A page of a task's log by line (``GET /training-jobs/{id}/logs/{task}``): the next page starts at
    ``end_line`` (line numbers are opaque strings)."""

    start_line: str | None = None
    end_line: str | None = None
    lines: int = 0
    content: str = ""

    @property
    def texts(self) -> list[str]:
        """The page's lines, in the order asked for."""
        return self.content.splitlines() if self.lines else []


class MetricSeries(WireModel):
    metric: str
    value: list[float] = Field(default_factory=list)

    @property
    def latest(self) -> float | None:
        """The newest sample that carries data (``-1`` means no data)."""
        for sample in reversed(self.value):
            if sample != -1:
                return sample
        return None


class Metrics(WireModel):
    metrics: list[MetricSeries] = Field(default_factory=list)


class JobEvent(WireModel):
    time: str | int | None = None
    level: str | None = None
    message: str | None = None
    source: str | None = None


class JobEvents(WireModel):
    total: int = 0
    events: list[JobEvent] = Field(default_factory=list)


# --- tags (TMS) ----------------------------------------------------------------------------------------


class TmsTag(WireModel):
    key: str
    value: str = ""


class TagsRequest(WireModel):
    """Body of ``POST .../modelarts-training-job/{id}/tags/create`` and ``DELETE .../tags/delete``."""

    tags: list[TmsTag]


class TagList(WireModel):
    """Answer of ``GET .../modelarts-training-job/{id}/tags``."""

    tags: list[TmsTag] = Field(default_factory=list)

    def as_dict(self) -> dict[str, str]:
        return {tag.key: tag.value for tag in self.tags}
