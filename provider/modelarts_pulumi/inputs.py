"""The resources' inputs as the provider validates them: every rule the API documents that can be checked
without calling it. A broken rule becomes a ``CheckFailure`` naming the property and the rule, at preview.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .wire import (
    ENVIRONMENT_KEY_PATTERN,
    HYPERPARAMETER_NAME_PATTERN,
    MAX_DESCRIPTION_LENGTH,
    MAX_ENVIRONMENT_ENTRIES,
    NAME_PATTERN,
)


def _name_rule(pattern: str) -> AfterValidator:
    """A name check whose message states the documented rule and what breaks it."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.match(value):
            return value
        if not value:
            why = "it is empty"
        elif len(value) > 64:
            why = f"it is {len(value)} characters long"
        else:
            bad = sorted({c for c in value if not (c.isascii() and (c.isalnum() or c in "_-"))})
            why = "it contains " + ", ".join(repr(c) for c in bad)
        raise ValueError(f"must be 1-64 letters, digits, '_' or '-' ({pattern}); {why}")

    return AfterValidator(check)


ObjectName = Annotated[str, _name_rule(NAME_PATTERN)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_LENGTH)]
ChannelName = Annotated[str, _name_rule(HYPERPARAMETER_NAME_PATTERN)]

# `/bucket/dir/` or `obs://bucket/dir/`; bucket names follow the OBS rule (3-63 lowercase, digits, `-`, `.`).
OBS_PATH = re.compile(r"^(obs:/)?/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$")
WAIT_TARGETS = ("submitted", "running", "completed")
MAX_AUTO_STOP_HOURS = 72


def check_obs_path(value: str) -> str:
    if not OBS_PATH.match(value):
        raise ValueError(
            "must be an OBS path '/bucket/path/' or 'obs://bucket/path/' (bucket: 3-63 lowercase letters, "
            "digits, '-' or '.')"
        )
    return value


def check_obs_dir(value: str) -> str:
    check_obs_path(value)
    if not value.endswith("/"):
        raise ValueError("must be an OBS folder, ending with '/'")
    return value


class FieldRuleError(ValueError):
    """Rules across fields that failed, each attributed to the property the user should change."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {rule}" for field, rule in problems))
        self.problems = problems


class Rules:
    """Collects every cross-field rule a model breaks, so that check reports them all at once.

    A rule that involves an input still unknown at preview (``validate(..., context={"unknown": ...})``) is
    skipped: it may well hold once the value is known.
    """

    def __init__(self, info: ValidationInfo) -> None:
        context = info.context if isinstance(info.context, dict) else {}
        self.unknown = frozenset(context.get("unknown", ()))
        self.problems: list[tuple[str, str]] = []

    def known(self, *fields: str) -> bool:
        return not self.unknown.intersection(fields)

    def fail(self, field: str, rule: str) -> None:
        self.problems.append((field, rule))

    def no_duplicates(self, field: str, names: list[str]) -> None:
        seen: set[str] = set()
        for name in names:
            if name in seen:
                self.fail(field, f"the name {name!r} is used twice")
            seen.add(name)

    def done(self) -> None:
        if self.problems:
            raise FieldRuleError(self.problems)


class Strict(BaseModel):
    """Inputs reject unknown keys: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class ParameterInput(Strict):
    """A hyperparameter of an algorithm, with its default value and constraints."""

    name: ChannelName
    value: str = Field("", description="Default value, as a string (Booleans as 'True'/'False').")
    description: str = ""
    type: Literal["String", "Integer", "Float", "Boolean"] = "String"
    editable: bool = True
    required: bool = False
    sensitive: bool = False
    valid_range: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_matches_type(self) -> ParameterInput:
        if self.value != "":
            problem = value_type_problem(self.type, self.value)
            if problem:
                raise FieldRuleError([("value", f"the default {self.value!r} {problem}")])
        return self


def value_type_problem(type_: str, value: str) -> str | None:
    """Why ``value`` is not a valid ``type_`` hyperparameter value, or None."""
    if type_ == "Boolean" and value not in ("True", "False", "true", "false"):
        return "is not a Boolean ('True' or 'False')"
    if type_ == "Integer":
        try:
            int(value)
        except ValueError:
            return "is not an Integer"
    if type_ == "Float":
        try:
            float(value)
        except ValueError:
            return "is not a Float"
    return None


class ChannelInput(Strict):
    """An input or output channel of an algorithm: the command-line argument the boot file receives."""

    name: ChannelName
    description: str = ""


class ObjectInputs(Strict):
    """What both resources take: the name (explicit, or what the autoname derives from), the description
    and workspace, code (a code folder and its boot file, or a custom image and command) with its engine,
    an object to adopt, and where it lives."""

    name: ObjectName
    name_prefix: str | None = None
    name_seed: str | None = None
    description: Description = ""
    workspace_id: str = "0"
    code_dir: str | None = None
    boot_file: str | None = None
    command: str | None = None
    engine_id: str | None = None
    engine_name: str | None = None
    engine_version: str | None = None
    image_url: str | None = None
    adopt_id: str | None = None
    region: str | None = None
    project_id: str | None = None
    endpoint: str | None = None

    @field_validator("code_dir")
    @classmethod
    def _code_dir(cls, value: str | None) -> str | None:
        return check_obs_dir(value) if value is not None else None

    @field_validator("boot_file")
    @classmethod
    def _boot_file(cls, value: str | None) -> str | None:
        return check_obs_path(value) if value is not None else None

    def has_engine(self) -> bool:
        return bool(self.engine_id or (self.engine_name and self.engine_version) or self.image_url)


class AlgorithmInputs(ObjectInputs):
    """Validated inputs of :class:`~modelarts_pulumi.Algorithm`."""

    parameters: list[ParameterInput] = Field(default_factory=list)
    parameters_customization: bool = True
    inputs: list[ChannelInput] = Field(default_factory=list)
    outputs: list[ChannelInput] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _coherent(self, info: ValidationInfo) -> AlgorithmInputs:
        rules = Rules(info)
        if rules.known("code_dir", "boot_file"):
            if (self.code_dir is None) != (self.boot_file is None):
                rules.fail("boot_file", "code_dir and boot_file go together: give both or neither")
            elif self.code_dir and self.boot_file and not _inside(self.boot_file, self.code_dir):
                rules.fail("boot_file", f"must be inside code_dir ({self.code_dir})")
        if (
            rules.known("code_dir", "image_url", "command")
            and self.code_dir is None
            and not (self.image_url and self.command)
        ):
            rules.fail("code_dir", "give code_dir + boot_file, or a custom image (image_url + command)")
        if rules.known("engine_id", "engine_name", "engine_version", "image_url") and not self.has_engine():
            rules.fail("engine_name", "an engine is required: engine_id, or engine_name + engine_version, or image_url")
        rules.no_duplicates("parameters", [p.name for p in self.parameters])
        rules.no_duplicates("inputs", [c.name for c in self.inputs])
        rules.no_duplicates("outputs", [c.name for c in self.outputs])
        rules.done()
        return self


class ChannelData(Strict):
    """Where a job channel's data lives: an OBS folder, or a dataset version (inputs only)."""

    name: ChannelName
    obs_url: str | None = None
    dataset_id: str | None = None
    dataset_version_id: str | None = None

    @field_validator("obs_url")
    @classmethod
    def _obs(cls, value: str | None) -> str | None:
        return check_obs_path(value) if value is not None else None

    @model_validator(mode="after")
    def _one_source(self) -> ChannelData:
        has_dataset = self.dataset_id is not None or self.dataset_version_id is not None
        if (self.obs_url is None) == (not has_dataset):
            raise FieldRuleError([("obs_url", "give exactly one of obs_url, or dataset_id + dataset_version_id")])
        if has_dataset and not (self.dataset_id and self.dataset_version_id):
            raise FieldRuleError([("dataset_version_id", "dataset_id and dataset_version_id go together")])
        return self


class TrainingJobInputs(ObjectInputs):
    """Validated inputs of :class:`~modelarts_pulumi.TrainingJob`."""

    kind: str = "job"
    algorithm_id: str | None = None
    hyperparameters: dict[ChannelName, str] = Field(default_factory=dict)
    inputs: list[ChannelData] = Field(default_factory=list)
    outputs: list[ChannelData] = Field(default_factory=list)
    flavor_id: str | None = None
    pool_id: str | None = None
    node_count: int = Field(1, ge=1)
    log_export_path: str | None = None
    environments: dict[str, str] = Field(default_factory=dict)
    volumes: list[dict[str, Any]] = Field(default_factory=list)
    auto_stop_hours: int | None = Field(None, ge=1, le=MAX_AUTO_STOP_HOURS)
    annotations: dict[str, str] = Field(default_factory=dict)
    triggers: Any = None
    wait_for: Literal["submitted", "running", "completed"] = "submitted"
    wait_timeout: int = Field(1800, ge=1)
    keep_failed: bool = False
    delete_timeout: int | None = Field(None, ge=1)  # seconds; None: providers.job_lifecycle's default

    @field_validator("log_export_path")
    @classmethod
    def _log_dir(cls, value: str | None) -> str | None:
        return check_obs_dir(value) if value is not None else None

    @field_validator("environments")
    @classmethod
    def _environments(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_ENVIRONMENT_ENTRIES:
            raise ValueError(f"at most {MAX_ENVIRONMENT_ENTRIES} entries (got {len(value)})")
        for key, item in value.items():
            if not re.match(ENVIRONMENT_KEY_PATTERN, key) or len(key) > 8192:
                raise ValueError(f"key {key!r} must match {ENVIRONMENT_KEY_PATTERN} (at most 8192 characters)")
            if len(item) > 4096:
                raise ValueError(f"value of {key!r} is longer than 4096 characters")
            if "$" in item:
                raise ValueError(f"value of {key!r} must not reference variables with '$'")
        return value

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
            elif self.code_dir and self.boot_file and not _inside(self.boot_file, self.code_dir):
                rules.fail("boot_file", f"must be inside code_dir ({self.code_dir})")
        engine = ("engine_id", "engine_name", "engine_version", "image_url")
        if inline and rules.known(*engine) and not self.has_engine():
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


def _strip_obs(path: str) -> str:
    return path[len("obs:/") :] if path.startswith("obs://") else path


def _inside(path: str, folder: str) -> bool:
    return _strip_obs(path).startswith(_strip_obs(folder))
