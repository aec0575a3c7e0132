"""The resources' inputs: each declares, once, what changing it does, its documentation and the API field it
becomes (:mod:`~modelarts_pulumi.declare`), and the provider validates them here, at preview, with every rule
the API documents that can be checked without calling it (:mod:`~modelarts_pulumi.rules`). A broken rule
becomes a ``CheckFailure`` naming the property and the rule.

Why one module of over 400 lines: it is the three resources' input models and nothing else; each field carries its
rule, change kind and docs on the field itself, and the cross-field checks (``_coherent``) sit next to the fields
they read. Splitting a model from its checks would put one input's facts in two files.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, model_validator

from .content import DEFAULT_EXCLUDES, SourceEntry
from .declare import Change, prop
from .rules import (
    MAX_AUTO_STOP_HOURS,
    BucketName,
    ChannelName,
    Description,
    Environments,
    FieldRuleError,
    JobTags,
    KeyPrefix,
    ObjectName,
    ObsDir,
    ObsPath,
    Rules,
    Strict,
    inside,
    value_type_problem,
)
from .wire import Milestone

LOCATION_FIELDS = ("region", "project_id", "endpoint")
"""The inputs that say where an object lives; absent, the stack config decides."""


class ParameterInput(Strict):
    """A hyperparameter of an algorithm, with its default value and constraints."""

    name: ChannelName = Field(description="The name the boot file receives it by (``--<name>=<value>``).")
    value: str = Field("", description="Default value, as a string (Booleans as 'True'/'False').")
    description: str = Field("", description="What it means.")
    type: Literal["String", "Integer", "Float", "Boolean"] = Field("String", description="Its type.")
    editable: bool = Field(True, description="Whether a job may give another value.")
    required: bool = Field(False, description="Whether a job must give a value (when there is no default).")
    sensitive: bool = Field(False, description="Whether the value is hidden in the console.")
    valid_range: list[str] = Field(default_factory=list, description="The values a String may take (any if empty).")

    @model_validator(mode="after")
    def _default_matches_type(self) -> ParameterInput:
        if self.value != "":
            problem = value_type_problem(self.type, self.value)
            if problem:
                raise FieldRuleError([("value", f"the default {self.value!r} {problem}")])
        return self


class ChannelInput(Strict):
    """An input or output channel of an algorithm: the command-line argument the boot file receives."""

    name: ChannelName = Field(description="The argument's name: the boot file gets ``--<name>=<local folder>``.")
    description: str = Field("", description="What it holds.")


class ChannelData(Strict):
    """Where a job channel's data lives: an OBS folder, or a dataset version (inputs only)."""

    name: ChannelName = Field(description="The algorithm's channel.")
    obs_url: ObsPath | None = Field(None, description="OBS folder of the data.")
    dataset_id: str | None = Field(None, description="Dataset, instead of ``obs_url`` (inputs only).")
    dataset_version_id: str | None = Field(None, description="Version of ``dataset_id``.")

    @model_validator(mode="after")
    def _one_source(self) -> ChannelData:
        has_dataset = self.dataset_id is not None or self.dataset_version_id is not None
        if (self.obs_url is None) == (not has_dataset):
            raise FieldRuleError([("obs_url", "give exactly one of obs_url, or dataset_id + dataset_version_id")])
        if has_dataset and not (self.dataset_id and self.dataset_version_id):
            raise FieldRuleError([("dataset_version_id", "dataset_id and dataset_version_id go together")])
        return self


class CommonInputs(Strict):
    """What both resources take, with the same meaning: the name (explicit, or what the autoname derives
    from), the description and workspace, and where the object lives."""

    name: ObjectName = prop(
        change=Change.REPLACE_IF_GIVEN,
        doc="The name in ModelArts: 1-64 letters, digits, ``_`` or ``-``. Default: the resource name plus a "
        "suffix derived from the stack and from the inputs that replace the object.",
        wire="metadata.name",
    )
    name_prefix: str | None = prop(
        None, change=Change.INTERNAL, doc="The resource name, which an autoname starts with."
    )
    name_seed: str | None = prop(None, change=Change.INTERNAL, doc="The project and stack, in the autoname's digest.")
    description: Description = prop("", change=Change.UPDATE, doc="Up to 256 characters.", wire="metadata.description")
    workspace_id: str = prop("0", change=Change.REPLACE, doc="ModelArts workspace.", wire="metadata.workspace_id")
    region: str | None = prop(
        None,
        change=Change.REPLACE_IF_GIVEN,
        doc="Region. Default: the ``modelarts:`` stack config. Recorded, so refresh and destroy act where the "
        "object lives.",
    )
    project_id: str | None = prop(
        None, change=Change.REPLACE_IF_GIVEN, doc="Project. Default: the ``modelarts:`` stack config (or IAM)."
    )
    endpoint: str | None = prop(
        None, change=Change.REPLACE_IF_GIVEN, doc="ModelArts endpoint. Default: the region's (or the stack config's)."
    )


class AlgorithmInputs(CommonInputs):
    """Validated inputs of :class:`~modelarts_pulumi.Algorithm`."""

    # Names are unique per project: an algorithm given another location keeps its name (as release 0.1 named).
    autoname_ignores: ClassVar[tuple[str, ...]] = LOCATION_FIELDS

    code_dir: ObsDir | None = prop(
        None,
        change=Change.UPDATE,
        doc="OBS folder holding the code, ``/bucket/path/`` or ``obs://bucket/path/``.",
        wire="job_config.code_dir",
    )
    boot_file: ObsPath | None = prop(
        None, change=Change.UPDATE, doc="OBS path of the boot file, inside ``code_dir``.", wire="job_config.boot_file"
    )
    command: str | None = prop(
        None, change=Change.UPDATE, doc="Boot command, for a custom image.", wire="job_config.command"
    )
    engine_name: str | None = prop(
        None,
        change=Change.UPDATE,
        doc="AI engine name, e.g. ``PyTorch`` (with ``engine_version``); see ``lookup_engine``.",
        wire="job_config.engine.engine_name",
    )
    engine_version: str | None = prop(
        None,
        change=Change.UPDATE,
        doc="AI engine version, e.g. ``pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64``.",
        wire="job_config.engine.engine_version",
    )
    engine_id: str | None = prop(
        None,
        change=Change.UPDATE,
        doc="AI engine ID, instead of name and version.",
        wire="job_config.engine.engine_id",
    )
    image_url: str | None = prop(
        None,
        change=Change.UPDATE,
        doc="Custom image (SWR path), with ``command``.",
        wire="job_config.engine.image_url",
    )
    parameters: list[ParameterInput] = prop(
        change=Change.UPDATE,
        doc="Hyperparameters with their defaults and constraints: a list of ``{name, value, description, type, "
        "editable, required, sensitive, valid_range}`` (``type``: ``String``, ``Integer``, ``Float`` or "
        "``Boolean``).",
        wire="job_config.parameters",
        default_factory=list,
    )
    parameters_customization: bool = prop(
        True,
        change=Change.UPDATE,
        doc="Whether jobs may pass hyperparameters the algorithm does not declare.",
        wire="job_config.parameters_customization",
    )
    inputs: list[ChannelInput] = prop(
        change=Change.UPDATE,
        doc="Input channels: a list of ``{name, description}``; the boot file gets ``--<name>=<local folder>``.",
        wire="job_config.inputs",
        default_factory=list,
    )
    outputs: list[ChannelInput] = prop(
        change=Change.UPDATE, doc="Output channels, like ``inputs``.", wire="job_config.outputs", default_factory=list
    )
    tags: dict[str, str] = prop(change=Change.UPDATE, doc="Key/value tags.", wire="metadata.tags", default_factory=dict)
    adopt_id: str | None = prop(
        None,
        change=Change.REPLACE,
        doc="Take over the existing algorithm with this ID instead of creating one; its definition is then "
        "brought in line with these inputs (dynamic resources cannot be ``pulumi import``-ed).",
    )

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> AlgorithmInputs:
        rules = Rules(info)
        if rules.known("code_dir", "boot_file"):
            if (self.code_dir is None) != (self.boot_file is None):
                rules.fail("boot_file", "code_dir and boot_file go together: give both or neither")
            elif self.code_dir and self.boot_file and not inside(self.boot_file, self.code_dir):
                rules.fail("boot_file", f"must be inside code_dir ({self.code_dir})")
        if (
            rules.known("code_dir", "image_url", "command")
            and self.code_dir is None
            and not (self.image_url and self.command)
        ):
            rules.fail("code_dir", "give code_dir + boot_file, or a custom image (image_url + command)")
        if rules.known("engine_id", "engine_name", "engine_version", "image_url") and not _has_engine(self):
            rules.fail("engine_name", "an engine is required: engine_id, or engine_name + engine_version, or image_url")
        rules.no_duplicates("parameters", [p.name for p in self.parameters])
        rules.no_duplicates("inputs", [c.name for c in self.inputs])
        rules.no_duplicates("outputs", [c.name for c in self.outputs])
        rules.done()
        return self


INLINE = "Inline algorithm, instead of ``algorithm_id``: "


class TrainingJobInputs(CommonInputs):
    """Validated inputs of :class:`~modelarts_pulumi.TrainingJob`."""

    kind: str = prop("job", change=Change.REPLACE, doc="The job kind.", wire="kind")
    algorithm_id: str | None = prop(
        None,
        change=Change.REPLACE,
        doc="The algorithm to run (usually ``Algorithm.algorithm_id``).",
        wire="algorithm.id",
    )
    code_dir: ObsDir | None = prop(
        None, change=Change.REPLACE, doc=INLINE + "OBS folder holding the code.", wire="algorithm.code_dir"
    )
    boot_file: ObsPath | None = prop(
        None,
        change=Change.REPLACE,
        doc=INLINE + "OBS path of the boot file, inside ``code_dir``.",
        wire="algorithm.boot_file",
    )
    command: str | None = prop(
        None, change=Change.REPLACE, doc=INLINE + "boot command, for a custom image.", wire="algorithm.command"
    )
    engine_name: str | None = prop(
        None, change=Change.REPLACE, doc=INLINE + "AI engine name.", wire="algorithm.engine.engine_name"
    )
    engine_version: str | None = prop(
        None, change=Change.REPLACE, doc=INLINE + "AI engine version.", wire="algorithm.engine.engine_version"
    )
    engine_id: str | None = prop(
        None, change=Change.REPLACE, doc=INLINE + "AI engine ID.", wire="algorithm.engine.engine_id"
    )
    image_url: str | None = prop(
        None, change=Change.REPLACE, doc=INLINE + "custom image (SWR path).", wire="algorithm.engine.image_url"
    )
    hyperparameters: dict[ChannelName, str] = prop(
        change=Change.REPLACE,
        doc="``{name: value}``; values may be str, int, float or bool (sent as ``True``/``False``).",
        wire="algorithm.parameters",
        default_factory=dict,
    )
    inputs: list[ChannelData] = prop(
        change=Change.REPLACE,
        doc="Input channels: ``{name: obs_url}``, or a list of ``{name, obs_url}`` or "
        "``{name, dataset_id, dataset_version_id}``.",
        wire="algorithm.inputs",
        default_factory=list,
    )
    outputs: list[ChannelData] = prop(
        change=Change.REPLACE,
        doc="Output channels: ``{name: obs_url}``, or a list of ``{name, obs_url}``.",
        wire="algorithm.outputs",
        default_factory=list,
    )
    flavor_id: str | None = prop(
        None,
        change=Change.REPLACE,
        doc="Public-pool flavor (see ``lookup_flavor``); or ``pool_id`` for a dedicated pool.",
        wire="spec.resource.flavor_id",
    )
    pool_id: str | None = prop(
        None, change=Change.REPLACE, doc="Dedicated resource pool.", wire="spec.resource.pool_id"
    )
    node_count: int = prop(
        1,
        change=Change.REPLACE,
        doc="Nodes; at most the flavor's ``max_num``.",
        wire="spec.resource.node_count",
        ge=1,
    )
    log_export_path: ObsDir | None = prop(
        None,
        change=Change.REPLACE,
        doc="OBS folder the logs are exported to (the stable log location).",
        wire="spec.log_export_path.obs_url",
    )
    environments: Environments = prop(
        change=Change.REPLACE,
        doc="Environment variables of the training process (at most 100; keys like C identifiers; no ``$`` in values).",
        wire="algorithm.environments",
        default_factory=dict,
    )
    volumes: list[dict[str, Any]] = prop(
        change=Change.REPLACE,
        doc='Extra volumes, in the API\'s shape (``{"obs": {...}}``, ``{"nfs": {...}}``, ``{"pfs": {...}}``).',
        wire="spec.volumes",
        default_factory=list,
    )
    auto_stop_hours: int | None = prop(
        None,
        change=Change.REPLACE,
        doc=f"Stop the job after this many hours (1-{MAX_AUTO_STOP_HOURS}).",
        wire="spec.auto_stop.duration",
        ge=1,
        le=MAX_AUTO_STOP_HOURS,
    )
    annotations: dict[str, str] = prop(
        change=Change.REPLACE,
        doc='Job annotations, e.g. ``{"fault-tolerance/job-retry-num": "3"}``.',
        wire="metadata.annotations",
        default_factory=dict,
    )
    tags: JobTags = prop(
        change=Change.UPDATE,
        doc="Key/value tags, set through the job tags API once the job is submitted, and changed in place (at "
        "most 20; keys of 1-128 characters, values of at most 255).",
        wire="tags",
        default_factory=dict,
    )
    stopped: bool = prop(
        False,
        change=Change.UPDATE,
        doc="``True`` stops the job and keeps it: a Creating, Pending or Running job is terminated in place "
        "(preview shows an update) and its outputs and logs stay; a job that has ended is left as it is. It "
        "never restarts a job: to run it again, change ``triggers``. A new job cannot start stopped.",
    )
    triggers: Any = prop(
        None,
        change=Change.REPLACE,
        doc="Any values, never sent to ModelArts: the deliberate way to run the same job again (a job that ended "
        "``Failed`` is reported, never re-run on its own).",
    )
    rerun_on_code_change: bool | None = prop(
        None,
        change=Change.PROVIDER,
        doc="Replace the job when the code it runs changes (the default, as when True): the ``code_dir`` of the "
        "``Algorithm`` given as ``algorithm_id`` (an ``ObsFolder`` gives a new one whenever the code changes), or the "
        "inline ``code_dir`` and ``boot_file``; the preview says ``code changed: <old> -> <new>``. False keeps the "
        "job as it ran (the state records the new code).",
    )
    algorithm_code_dir: str | None = prop(
        None,
        change=Change.DERIVED,
        doc="The ``code_dir`` of the ``Algorithm`` whose ``algorithm_id`` the job was given, as the program declares "
        "it (with ``rerun_on_code_change``).",
    )
    wait_for: Milestone = prop(
        "submitted",
        change=Change.PROVIDER,
        doc="How far ``pulumi up`` waits: ``submitted`` (the job left ``Creating``), ``running``, or "
        "``completed``. A waiting job holds one of the engine's ``--parallel`` steps (default: 4 per core) and "
        "one of the dynamic-provider process's workers (64; ``MODELARTS_PROVIDER_WORKERS``): more jobs than "
        "that wait in turn, and the engine cancels requests queued for more than 30 minutes, so prefer the "
        "default for many long jobs, or raise ``--parallel``.",
    )
    wait_timeout: int = prop(
        1800,
        change=Change.PROVIDER,
        doc="Seconds to wait for ``wait_for``. Pulumi's ``custom_timeouts`` never reach a dynamic provider; this does.",
        ge=1,
    )
    log_lines_per_second: int = prop(
        10,
        change=Change.PROVIDER,
        doc="While ``up`` waits for ``running`` or ``completed``, the new lines of the job's task logs appear in "
        "its output, prefixed with the job and the task, at most this many per second (``0`` turns this off). "
        "Beyond the rate the newest lines are shown and the output says how many were skipped "
        "(``... 120 lines skipped``); ``modelarts-pulumi logs`` has them all.",
        ge=0,
        le=1000,
    )
    keep_failed: bool = prop(
        False,
        change=Change.PROVIDER,
        doc="If the job fails (or times out) while ``up`` waits, keep it for inspection instead of terminating "
        "and deleting it; the error then gives its ID.",
    )
    delete_timeout: int | None = prop(
        None,
        change=Change.PROVIDER,
        doc="Seconds a delete (``destroy``, a replacement, a failed job's clean-up) waits for the job to stop and "
        "disappear from the service (default 600). A job still there then fails the operation with its phase, "
        "instead of hanging; the resource stays in the state, so ``destroy`` can simply be run again.",
        ge=1,
    )
    adopt_id: str | None = prop(
        None,
        change=Change.REPLACE,
        doc="Take over the existing job with this ID instead of submitting one. A job cannot change: one that is "
        "not what these inputs describe fails, listing the differences (dynamic resources cannot be "
        "``pulumi import``-ed).",
    )

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> TrainingJobInputs:
        rules = Rules(info)
        code = ("algorithm_id", "code_dir", "boot_file", "image_url", "command")
        inline = self.code_dir is not None or self.boot_file is not None
        if rules.known(*code):
            if self.algorithm_id and inline:
                rules.fail("algorithm_id", "give algorithm_id or inline code_dir + boot_file, not both")
            elif not self.algorithm_id and not inline and not (self.image_url and self.command):
                rules.fail("algorithm_id", "an algorithm is required: algorithm_id, or code_dir + boot_file + engine")
        if rules.known("code_dir", "boot_file"):
            if inline and (self.code_dir is None or self.boot_file is None):
                rules.fail("boot_file", "code_dir and boot_file go together: give both")
            elif self.code_dir and self.boot_file and not inside(self.boot_file, self.code_dir):
                rules.fail("boot_file", f"must be inside code_dir ({self.code_dir})")
        engine = ("engine_id", "engine_name", "engine_version", "image_url")
        if inline and rules.known(*engine) and not _has_engine(self):
            rules.fail("engine_name", "an inline algorithm needs engine_id, or engine_name + engine_version")
        if rules.known("flavor_id", "pool_id") and not self.flavor_id and not self.pool_id:
            rules.fail("flavor_id", "a flavor_id (public pool) or a pool_id (dedicated pool) is required")
        for channel in self.outputs:
            if channel.obs_url is None:
                rules.fail("outputs", f"output {channel.name!r} needs an obs_url (outputs go to OBS)")
        rules.no_duplicates("inputs", [c.name for c in self.inputs])
        rules.no_duplicates("outputs", [c.name for c in self.outputs])
        rules.done()
        return self


class ObsFolderInputs(Strict):
    """Validated inputs of :class:`~modelarts_pulumi.ObsFolder`."""

    source: str = prop(
        change=Change.CONTENT,
        doc="The local folder to upload (absolute, or relative to the project), or a ``pulumi.FileArchive`` (a "
        "folder, ``.zip``, ``.tar``, ``.tar.gz``) or ``pulumi.AssetArchive``: a plain value, read and hashed when "
        "the program runs.",
    )
    bucket: BucketName = prop(change=Change.REPLACE, doc="The OBS bucket (an Output of a bucket resource works).")
    prefix: KeyPrefix = prop(
        "",
        change=Change.REPLACE,
        doc="Where in the bucket: the folder is ``<prefix><hash>/``, e.g. ``uploads/code/``. Keep it outside the "
        "source when the bucket is a local folder.",
    )
    exclude: list[str] = prop(
        change=Change.CONTENT,
        doc="Names (``*.pyc``) or relative paths (``data/raw/*``) left out, as :mod:`fnmatch` patterns; an "
        "excluded folder is not read.",
        default_factory=lambda: list(DEFAULT_EXCLUDES),
    )
    code_limits: bool = prop(
        True,
        change=Change.CONTENT,
        doc="Refuse, at preview, content over ModelArts' limits on a code folder (1,000 files and folders, 16 "
        "levels, 5 GB); set False for data.",
    )
    entries: list[SourceEntry] = prop(
        change=Change.INTERNAL, doc="The source as the class read it (absolute paths).", default_factory=list
    )
    holder: str | None = prop(
        None, change=Change.INTERNAL, doc="Who holds the folder (project/stack/resource), named by its marker."
    )
    content_hash: str | None = prop(
        None,
        change=Change.DERIVED,
        doc="SHA-256 of the content (paths, sizes and bytes), computed when the program runs; the folder is named "
        "after it.",
    )


def _has_engine(inputs: AlgorithmInputs | TrainingJobInputs) -> bool:
    return bool(inputs.engine_id or (inputs.engine_name and inputs.engine_version) or inputs.image_url)
