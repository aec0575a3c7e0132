"""What both dynamic providers share: unknown-aware validation, autonaming, progress messages, diffs."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pydantic import BaseModel, ValidationError

from ..inputs import FieldRuleError

PROVIDER_KEY = "__provider"
UNKNOWN = rpc.UNKNOWN

Model = TypeVar("Model", bound=BaseModel)


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
        parsed = model.model_validate(known)
    except ValidationError as exc:
        failures = [
            failure
            for failure in (_failure(error, aliases) for error in exc.errors())
            if failure is not None and failure.property.split(".")[0].split("[")[0] not in unknown
        ]
        # Cross-field rules may fail only because a field they need is unknown: those are not failures.
        return None, failures, unknown
    return (None if unknown else parsed), [], unknown


def _failure(error: Any, aliases: Mapping[str, str] | None) -> CheckFailure | None:
    loc = list(error.get("loc", ()))
    ctx_error = (error.get("ctx") or {}).get("error")
    if not loc and isinstance(ctx_error, FieldRuleError):
        loc = [ctx_error.field]
    prop = _format_loc(loc)
    if aliases and prop in aliases:
        prop = aliases[prop]
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = "is not a known property of this resource"
    elif error.get("type") == "missing":
        message = "is required"
    return CheckFailure(prop or "(resource)", f"{prop}: {message}" if prop else message)


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
