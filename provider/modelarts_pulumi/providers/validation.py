"""Validating a resource's props at ``check``: unknown-aware, every broken rule reported at once, each as a
``CheckFailure`` naming the property (a misspelt one with a suggestion)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, get_args

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pydantic import BaseModel, ValidationError

from ..declare import SET_BY_CLASS, keys
from ..rules import FieldRuleError

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


def validate(model: type[Model], props: Mapping[str, Any]) -> tuple[Model | None, list[CheckFailure], set[str]]:
    """Validate ``props`` against ``model``, leaving unknown values alone.

    Returns the model (None if invalid or if any field is unknown), the failures, and the names of the unknown
    fields. Rules on known fields are checked even when other fields are unknown, so preview reports every
    problem it can.
    """
    unknown = {key for key, value in props.items() if is_unknown(value)}
    known = {key: value for key, value in props.items() if key not in unknown and value is not None}
    try:
        # Cross-field rules that involve an unknown field are skipped (see ``rules.Rules``).
        parsed = model.model_validate(known, context={"unknown": unknown})
    except ValidationError as exc:
        failures = [
            failure
            for error in exc.errors()
            for failure in _failures(error, model)
            if failure.property.split(".")[0].split("[")[0] not in unknown
        ]
        return None, failures, unknown
    return (None if unknown else parsed), [], unknown


def _failures(error: Any, model: type[BaseModel]) -> list[CheckFailure]:
    loc = list(error.get("loc", ()))
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, FieldRuleError):
        # Rules across fields, raised by a (nested) model: each points at the field to change.
        return [_failure([*loc, field], rule) for field, rule in ctx_error.problems]
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
    return [_failure(loc, message)]


def _failure(loc: list[Any], message: str) -> CheckFailure:
    prop = _format_loc(loc)
    return CheckFailure(prop or "(resource)", f"{prop}: {message}" if prop else message)


def _suggestion(model: type[BaseModel], loc: list[Any]) -> str:
    """`` (did you mean 'x'?; known: ...)`` for a misspelt key, found by walking ``loc`` through the model."""
    hidden = set(keys(model, SET_BY_CLASS))  # set by the resource classes: never worth suggesting
    fields: Mapping[str, Any] = model.model_fields
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = fields.get(part)
        nested = _model_in(field.annotation) if field is not None else None
        if nested is None:
            return ""
        fields = nested.model_fields
    known = sorted(name for name in fields if name not in hidden)
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
