"""What both dynamic providers share: unknown-aware validation, autonaming, progress messages, diffs."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, get_args

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pydantic import BaseModel, ValidationError

from ..errors import ModelArtsApiError, ModelArtsError
from ..inputs import FieldRuleError

PROVIDER_KEY = "__provider"
# Inputs the resource classes set themselves; never worth suggesting for a typo.
HIDDEN_FIELDS = frozenset({"name_prefix", "name_seed"})
UNKNOWN = rpc.UNKNOWN

Model = TypeVar("Model", bound=BaseModel)
Found = TypeVar("Found")


def is_unknown(value: Any) -> bool:
    """True if the value is, or contains, a preview-time unknown (an output of a resource not yet created).

    The engine's unknowns reach a dynamic provider as ``pulumi.output.Unknown`` objects (or, in older paths,
    as the wire sentinel string).
    """
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == UNKNOWN
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_unknown(v) for v in value)
    return False


def user_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """The props without Pulumi's own keys."""
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


def validate(
    model: type[Model], props: Mapping[str, Any], *, aliases: Mapping[str, str] | None = None
) -> tuple[Model | None, list[CheckFailure], set[str]]:
    """Validate ``props`` against ``model``, leaving unknown values alone.

    Returns the model (None if invalid or if any field is unknown), the failures, and the names of the unknown
    fields. Rules on known fields are checked even when other fields are unknown, so preview reports every
    problem it can.
    """
    unknown = {key for key, value in props.items() if is_unknown(value)}
    known = {key: value for key, value in props.items() if key not in unknown and value is not None}
    try:
        # Cross-field rules that involve an unknown field are skipped (see ``inputs.Rules``).
        parsed = model.model_validate(known, context={"unknown": unknown})
    except ValidationError as exc:
        failures = [
            failure
            for error in exc.errors()
            for failure in _failures(error, model, aliases)
            if failure.property.split(".")[0].split("[")[0] not in unknown
        ]
        return None, failures, unknown
    return (None if unknown else parsed), [], unknown


def _failures(error: Any, model: type[BaseModel], aliases: Mapping[str, str] | None) -> list[CheckFailure]:
    loc = list(error.get("loc", ()))
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, FieldRuleError):
        # Rules across fields, raised by a (nested) model: each points at the field to change.
        return [_failure([*loc, field], rule, aliases) for field, rule in ctx_error.problems]
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    if loc and loc[-1] == "[key]":
        # A bad key of a map (hyperparameters, environments): the map is the property, the key is named.
        loc.pop()
        message = f"key {loc.pop()!r} {message}"
    if error.get("type") == "extra_forbidden":
        message = "is not a known property" + _suggestion(model, loc)
    elif error.get("type") == "missing":
        message = "is required"
    return [_failure(loc, message, aliases)]


def _failure(loc: list[Any], message: str, aliases: Mapping[str, str] | None) -> CheckFailure:
    prop = _format_loc(loc)
    if aliases and prop in aliases:
        prop = aliases[prop]
    return CheckFailure(prop or "(resource)", f"{prop}: {message}" if prop else message)


def _suggestion(model: type[BaseModel], loc: list[Any]) -> str:
    """`` (did you mean 'x'?; known: ...)`` for a misspelt key, found by walking ``loc`` through the model."""
    fields: Mapping[str, Any] = model.model_fields
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = fields.get(part)
        nested = _model_in(field.annotation) if field is not None else None
        if nested is None:
            return ""
        fields = nested.model_fields
    known = sorted(name for name in fields if name not in HIDDEN_FIELDS)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1) if loc else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f" (known: {', '.join(known)}){hint}"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``Model``, ``list[Model]`` or ``Model | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _format_loc(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def autoname(news: Mapping[str, Any], olds: Mapping[str, Any], identity: Iterable[str]) -> str | None:
    """The physical name to use when the program gave none, or None while it cannot be known (preview).

    Deterministic in the resource's identity (``name_prefix``, ``name_seed``: the resource and stack names) and
    in the inputs listed in ``identity`` (those whose change replaces the object). So an ``up`` killed after
    the create call but before the state write finds, and adopts, the object it already made instead of
    making a twin, while a replacement gets a different name and can be created before the old one goes.
    """
    keys = ["name_prefix", "name_seed", *identity]
    if any(is_unknown(news.get(key)) for key in keys):
        return None
    prefix = news.get("name_prefix")
    if not isinstance(prefix, str):
        return None
    digest = spec_digest({key: news.get(key) for key in keys})
    clean = re.sub(r"[^A-Za-z0-9_-]", "-", prefix)[:55].strip("-") or "resource"
    return f"{clean}-{digest[:8]}"


def spec_digest(spec: Mapping[str, Any]) -> str:
    """A stable digest of some inputs (absent, None and empty count as the same)."""
    normal = {k: v for k, v in spec.items() if _normal(v) is not None}
    return hashlib.sha256(json.dumps(normal, sort_keys=True, default=str).encode()).hexdigest()


def progress(message: str) -> None:
    """A line shown in `pulumi up` output: the engine relays the dynamic provider's stderr as diagnostics."""
    print(f"modelarts: {message}", file=sys.stderr, flush=True)


def changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """Input keys whose value differs, treating a missing key like ``None`` and unknowns as changed."""
    out = []
    for key in keys:
        new = news.get(key)
        if is_unknown(new) or _normal(olds.get(key)) != _normal(new):
            out.append(key)
    return out


def _normal(value: Any) -> Any:
    # Empty collections and None mean the same thing to the service.
    if value in ({}, [], "", None):
        return None
    return value


class Deadline:
    """A poll deadline: dynamic providers get no engine-enforced timeouts, so every wait brings its own."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def expired(self) -> bool:
        return self.elapsed >= self.seconds

    def sleep(self, interval: float) -> None:
        time.sleep(max(0.0, min(interval, self.seconds - self.elapsed)))


def poll_intervals(first: float = 0.5, factor: float = 1.5, cap: float = 10.0) -> Iterable[float]:
    """Poll quickly at first, then back off: short jobs finish fast, long ones cost few calls."""
    interval = first
    while True:
        yield interval
        interval = min(cap, interval * factor)


def first_line(items: Iterable[str]) -> str:
    return next(iter(items), "")


Call = Callable[[], Any]


def fetch_for_read(fetch: Callable[[], Found], *, first_read: bool, missing: str) -> Found | None:
    """The object for ``read``, or None when it is gone, so that a refresh drops it.

    A first read (``Resource.get``, which has never seen the object) of a missing ID fails with ``missing``
    instead: the engine would drop the read resource without a word.
    """
    try:
        return fetch()
    except ModelArtsApiError as exc:
        if not exc.is_not_found:
            raise
        if first_read:
            raise ModelArtsError(missing) from exc
        return None
