"""``check``: the props a program gives, as the provider accepts them. The name is filled in (autoname), the
inputs validated, and the checks that need the service run on what is valid."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult

from .autoname import autoname
from .validation import UNKNOWN, Model, validate

ADOPTED_NAME = "adopted"  # stands in for the name of an object to adopt, which is whatever it is called


def check_props(
    model: type[Model],
    props: dict[str, Any],
    remote_checks: Callable[[Model], list[CheckFailure]],
    *,
    remote_checks_on_known: bool,
    olds: Mapping[str, Any] | None = None,
    replaces: Callable[[Mapping[str, Any], Mapping[str, Any]], list[str]] | None = None,
) -> CheckResult:
    """Validated, normalized props, or the failures. Without a name (and nothing to adopt) the autoname is
    filled in; an autonamed object that is not replaced (``replaces(olds, news)`` names nothing but the name)
    keeps the name it has, so that an input the autoname gained since (a derived one, in a state written before
    it existed) renames nothing. With ``remote_checks_on_known``, a preview whose other values are still unknown
    runs the remote checks on the known ones; otherwise they wait for every value to be known."""
    autonamed = not props.get("name") and not props.get("adopt_id")
    if autonamed:
        props["name"] = autoname(props, model) or UNKNOWN
    placeholder = bool(props.get("adopt_id")) and not props.get("name")
    candidate = {**props, "name": ADOPTED_NAME} if placeholder else props
    parsed, failures, unknown = validate(model, candidate)
    if parsed is None:
        if remote_checks_on_known and not failures and unknown:
            known = {k: v for k, v in candidate.items() if k not in unknown and v is not None}
            failures += remote_checks(model.model_construct(**known))
        return CheckResult(props, failures)
    failures += remote_checks(parsed)
    normalized = parsed.model_dump(mode="json", exclude_none=True)
    if placeholder:
        normalized.pop("name")
    keeps_name = autonamed and olds and olds.get("name") and olds.get("name_prefix") and replaces is not None
    if keeps_name and olds and replaces and not [key for key in replaces(olds, normalized) if key != "name"]:
        normalized["name"] = olds["name"]
    return CheckResult(normalized, failures)
