"""The validation rules inputs are built from: names, OBS paths, environment variables, hyperparameter values,
and the collector of rules across fields. Each rule's message states the documented rule and what breaks it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, StringConstraints, ValidationInfo

from .models import deferred
from .wire import (
    ENVIRONMENT_KEY_PATTERN,
    HYPERPARAMETER_NAME_PATTERN,
    MAX_DESCRIPTION_LENGTH,
    MAX_ENVIRONMENT_ENTRIES,
    NAME_PATTERN,
)

# `/bucket/dir/` or `obs://bucket/dir/`; bucket names follow the OBS rule (3-63 lowercase, digits, `-`, `.`).
BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
OBS_PATH = re.compile(rf"^(obs:/)?/{BUCKET_NAME}(/[^\s]*)?$")
MAX_PREFIX_BYTES = 512  # OBS keys are at most 1,024 bytes: leave the other half to the folder's files
MAX_AUTO_STOP_HOURS = 72


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


def check_bucket_name(value: str) -> str:
    if not re.fullmatch(BUCKET_NAME, value):
        raise ValueError("must be an OBS bucket name: 3-63 lowercase letters, digits, '-' or '.' (no '/')")
    return value


def normal_prefix(value: str) -> str:
    """An object key prefix as a folder: '' or ending with '/'."""
    return value if not value or value.endswith("/") else value + "/"


def check_prefix(value: str) -> str:
    if value.startswith("/"):
        raise ValueError("must be a key prefix inside the bucket, without a leading '/' (e.g. 'uploads/code/')")
    parts = value.rstrip("/").split("/")
    if value and any(part in ("", ".", "..") for part in parts):
        raise ValueError("must not have empty, '.' or '..' segments")
    if len(value.encode()) > MAX_PREFIX_BYTES:
        raise ValueError(f"must be at most {MAX_PREFIX_BYTES} bytes")
    return normal_prefix(value)


def check_environments(value: dict[str, str]) -> dict[str, str]:
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


MAX_JOB_TAGS = 20
_TAG_KEY = re.compile(r"^[\w .:=+\-@]{1,128}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{0,255}$")


def check_job_tags(value: dict[str, str]) -> dict[str, str]:
    """The TMS rules for a training job's tags (the API reference's ``TmsTag``)."""
    if len(value) > MAX_JOB_TAGS:
        raise ValueError(f"at most {MAX_JOB_TAGS} tags (got {len(value)})")
    for key, item in value.items():
        if not _TAG_KEY.match(key) or key != key.strip() or key.startswith("_sys_"):
            raise ValueError(
                f"key {key!r} must be 1-128 letters, digits, spaces or '_ . : = + - @', with no space at either "
                "end, and must not start with '_sys_'"
            )
        if not _TAG_VALUE.match(item):
            raise ValueError(f"value of {key!r} must be at most 255 letters, digits, spaces or '_ . : / = + - @'")
    return value


ObjectName = Annotated[str, _name_rule(NAME_PATTERN)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_LENGTH)]
ChannelName = Annotated[str, _name_rule(HYPERPARAMETER_NAME_PATTERN)]
ObsPath = Annotated[str, AfterValidator(check_obs_path)]
ObsDir = Annotated[str, AfterValidator(check_obs_dir)]
Environments = Annotated[dict[str, str], AfterValidator(check_environments)]
JobTags = Annotated[dict[str, str], AfterValidator(check_job_tags)]
BucketName = Annotated[str, AfterValidator(check_bucket_name)]
KeyPrefix = Annotated[str, AfterValidator(check_prefix)]


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


def inside(path: str, folder: str) -> bool:
    """Whether an OBS ``path`` lies inside ``folder`` (either may be written ``obs://...``)."""
    return _strip_obs(path).startswith(_strip_obs(folder))


def split_obs_path(path: str) -> tuple[str, str]:
    """``/bucket/a/b/`` (or ``obs://bucket/a/b/``) as ``("bucket", "a/b/")``."""
    bucket, _, key = _strip_obs(path).lstrip("/").partition("/")
    return bucket, key


def _strip_obs(path: str) -> str:
    return path[len("obs:/") :] if path.startswith("obs://") else path


class Strict(BaseModel):
    """Inputs reject unknown keys: a typo must not pass silently."""

    model_config = deferred(extra="forbid")


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
