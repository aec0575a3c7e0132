"""``check``: the props a program gives, as the provider accepts them. The name is filled in (autoname), the
inputs validated, and the checks that need the service run on what is valid, when something new may be made."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult

from ..inputs import LOCATION_FIELDS
from .autoname import autoname
from .diffs import changed_keys, diff
from .validation import UNKNOWN, Model, user_props, validate

ADOPTED_NAME = "adopted"  # stands in for the name of an object to adopt, which is whatever it is called

Replaces = Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]]


def check_props(
    model: type[Model],
    props: dict[str, Any],
    remote_checks: Callable[[Model], list[CheckFailure]],
    *,
    remote_checks_on_known: bool,
    olds: Mapping[str, Any] | None = None,
    replaces: Replaces | None = None,
    checked: Sequence[str] = (),
) -> CheckResult:
    """Validated, normalized props, or the failures. Without a name (and nothing to adopt) the autoname is
    filled in; an autonamed object that is not replaced (``replaces(olds, news)`` names nothing but the name)
    keeps the name it has, so that an input the autoname gained since (a derived one, in a state written before
    it existed) renames nothing. The remote checks, which read the inputs ``checked``, run only when needed
    (:func:`remote_checks_needed`, against ``olds``, the inputs of the last deployment). With
    ``remote_checks_on_known``, a preview whose other values are still unknown runs them on the known ones;
    otherwise they wait for every value to be known."""
    olds = user_props(olds or {})
    replaced: Replaces = replaces or (lambda old, new: diff(model, old, new).replaces or [])
    autonamed = not props.get("name") and not props.get("adopt_id")
    if autonamed:
        props["name"] = autoname(props, model) or UNKNOWN
    placeholder = bool(props.get("adopt_id")) and not props.get("name")
    candidate = {**props, "name": ADOPTED_NAME} if placeholder else props
    parsed, failures, unknown = validate(model, candidate)
    if parsed is None:
        needed = remote_checks_on_known and not failures and unknown
        if needed and remote_checks_needed(olds, props, checked, replaced):
            known = {k: v for k, v in candidate.items() if k not in unknown and v is not None}
            failures += remote_checks(model.model_construct(**known))
        return CheckResult(props, failures)
    normalized = parsed.model_dump(mode="json", exclude_none=True)
    if placeholder:
        normalized.pop("name")
    keeps_name = autonamed and olds.get("name") and olds.get("name_prefix") and replaces is not None
    if keeps_name and not [key for key in replaced(olds, normalized) if key != "name"]:
        normalized["name"] = olds["name"]
    if remote_checks_needed(olds, normalized, checked, replaced):
        failures += remote_checks(parsed)
    return CheckResult(normalized, failures)


def remote_checks_needed(
    olds: Mapping[str, Any], news: Mapping[str, Any], checked: Sequence[str], replaces: Replaces
) -> bool:
    """Whether the checks that call the service must run: for an object to be made (a new resource, or a
    replacement), and when an input they read changed since the last deployment (``olds``). Otherwise they
    passed at that deployment and nothing new is made, so a preview with nothing to do costs no call."""
    if not olds:
        return True
    if changed_keys(olds, news, (*checked, *LOCATION_FIELDS)):
        return True
    return bool(replaces(olds, news))
