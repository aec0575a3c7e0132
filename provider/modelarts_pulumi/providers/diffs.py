"""What counts as a change, and what a change does, derived from the inputs' declarations
(:mod:`~modelarts_pulumi.declare`): replaces, in-place updates, and whether the old object goes first."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from pulumi.dynamic import DiffResult
from pydantic import BaseModel

from ..declare import REPLACING, UPDATING, Change, inputs_of
from .validation import is_unknown


def normal(value: Any) -> Any:
    """A value as the service sees it: empty collections and None mean the same thing."""
    if value in ({}, [], "", None):
        return None
    return value


def changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """Input keys whose value differs, treating a missing key like ``None`` and unknowns as changed."""
    out = []
    for key in keys:
        new = news.get(key)
        if is_unknown(new) or normal(olds.get(key)) != normal(new):
            out.append(key)
    return out


def _replaces(change: Change, old: Any, new: Any) -> bool:
    """Whether a changed input of this kind replaces the object (see :class:`~modelarts_pulumi.declare.Change`)."""
    if change is Change.REPLACE:
        return True
    if change is Change.REPLACE_IF_GIVEN:
        return bool(new)
    return normal(old) is not None and normal(new) is not None  # DERIVED: from one value to another


def diff(model: type[BaseModel], olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffResult:
    """The diff of two sets of inputs of ``model``, as its fields declare: a changed replacing input replaces
    (one that is only replaced when given is left alone when the program leaves it out: "wherever it is now";
    a derived one only when it changes from one value to another), a changed updating input updates in place.
    An explicitly named replacement must wait for the old object to go, since names are unique; an autonamed
    one is created first, under its new name. An input the old state lacks (written by a release that did not
    have it) counts as at its default, and so does one the new inputs leave out: adding an input changes
    nothing that exists."""
    declared = inputs_of(model)
    defaults = _defaults(model)
    olds, news = {**defaults, **olds}, {**defaults, **news}
    replaces = [
        key
        for key in changed_keys(olds, news, (k for k, d in declared.items() if d.change in REPLACING))
        if _replaces(declared[key].change, olds.get(key), news.get(key))
    ]
    updates = changed_keys(olds, news, (k for k, d in declared.items() if d.change in UPDATING))
    return DiffResult(
        changes=bool(replaces or updates),
        replaces=replaces,
        delete_before_replace=bool(replaces) and not news.get("name_prefix"),
    )


def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    """Each input's default, where it has one (values to compare, never to change: they are shared)."""
    return dict(_defaults_of(model))


@functools.cache
def _defaults_of(model: type[BaseModel]) -> tuple[tuple[str, Any], ...]:
    # Read once per model: pydantic inspects each default factory's signature whenever it is called, and a
    # preview diffs every resource up to three times (two in check, one in diff): 2 ms a job before.
    return tuple(
        (name, field.get_default(call_default_factory=True))
        for name, field in model.model_fields.items()
        if not field.is_required()
    )
