"""Training-job search (``POST /v2/{project_id}/training-job-searches``): the body checks, the filters as
conditions on stored columns, and the answer's shape.

The conditions are evaluated by the store (``job_store.py``), so a search by name reads the jobs it finds,
not every job of the workspace; the service (``jobs.py``) advances the page's jobs, and, when the answer
depends on phases (``reads_phases``), first every job of the workspace whose phase may have changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import errors, validation
from .phases import Phase

MAX_LIMIT = validation.MAX_PAGE_LIMIT
SEARCH_SORT_KEYS = ("create_time", "name", "phase", "duration")
SEARCH_FILTERS: dict[str, tuple[str, ...]] = {
    "name": ("like",),
    "algorithm_name": ("like",),
    "phase": ("in", "not"),
    "kind": ("in",),
    "create_time": ("between",),
}


TAG_CONDITION = "tag"
"""The key of a condition made from the body's ``tags`` (``[{key, values}]``): values ``(key, *values)``."""


@dataclass(frozen=True)
class Condition:
    """One filter: ``like`` (any value is a case-insensitive substring), ``in``, ``not`` or ``between``; or a
    tag (``TAG_CONDITION``): the job has the tag key, with one of the values if any are given."""

    key: str
    operator: str
    values: tuple[str | int, ...]


@dataclass(frozen=True)
class JobSearch:
    """A checked search body (2788 / 2790 / 2807 / 2808 / 2809), in the order the fields are checked."""

    offset: int  # a page index
    limit: int
    sort_by: str
    order: str
    group_by: str
    workspace_id: str
    conditions: tuple[Condition, ...]

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> JobSearch:
        offset = _body_int(body, "offset", 0, minimum=0)
        limit = _body_int(body, "limit", MAX_LIMIT, minimum=1, maximum=MAX_LIMIT)
        sort_by = body.get("sort_by") or "create_time"
        if sort_by not in SEARCH_SORT_KEYS:
            raise errors.UnsupportedSortBy()
        order = body.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise errors.InvalidParam("order")
        group_by = body.get("group_by") or ""
        workspace_id = validation.workspace_id(body.get("workspace_id"), "workspace_id")
        conditions = _conditions(body.get("filters")) + _tag_conditions(body.get("tags"))
        return cls(offset, limit, sort_by, order, group_by, workspace_id, conditions)

    @property
    def descending(self) -> bool:
        return self.order == "desc"

    @property
    def reads_phases(self) -> bool:
        """Whether the answer depends on phases beyond its page: a phase filter, or sorting by phase or duration."""
        return self.sort_by in ("phase", "duration") or any(c.key == "phase" for c in self.conditions)

    @property
    def first(self) -> int:
        """Index of the page's first match."""
        return self.offset * self.limit

    def answer(self, total: int, count: int, items: list[dict[str, Any]]) -> dict[str, Any]:
        """The response: ``total`` jobs in the workspace, ``count`` matches, ``items`` the page."""
        return {
            "total": total,
            "count": count,
            "limit": self.limit,
            "offset": self.offset,
            "sort_by": self.sort_by,
            "order": self.order,
            "group_by": self.group_by,
            "workspace_id": self.workspace_id,
            "ai_project": "default-ai-project",
            "items": items,
        }


def _conditions(raw: Any) -> tuple[Condition, ...]:
    """Search filters as conditions (2807 / 2808 / 2809)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > 20:
        raise errors.InvalidParam("filters")
    conditions: list[Condition] = []
    for item in raw:
        if not isinstance(item, dict):
            raise errors.InvalidParam("filters")
        key, operator, values = item.get("key"), item.get("operator"), item.get("value")
        if not isinstance(key, str) or key not in SEARCH_FILTERS:
            raise errors.UnsupportedConditionKey(str(key))
        if operator not in SEARCH_FILTERS[key]:
            raise errors.UnsupportedConditionOperator(str(operator))
        if (
            not isinstance(values, list)
            or not values
            or len(values) > 10
            or not all(isinstance(v, str) for v in values)
        ):
            raise errors.UnsupportedConditionValue(str(values))
        conditions.append(_condition(key, str(operator), values))
    return tuple(conditions)


def _tag_conditions(raw: Any) -> tuple[Condition, ...]:
    """The body's ``tags`` filter (at most 10 ``{key, values}``: every key must be there, with one of its
    values if any are given) as conditions (2788 otherwise)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > 10:
        raise errors.InvalidParam("tags")
    out = []
    for item in raw:
        key = item.get("key") if isinstance(item, dict) else None
        values = item.get("values") or [] if isinstance(item, dict) else None
        if not isinstance(key, str) or not key or not isinstance(values, list):
            raise errors.InvalidParam("tags")
        if not all(isinstance(v, str) for v in values):
            raise errors.InvalidParam("tags")
        out.append(Condition(TAG_CONDITION, "in", (key, *values)))
    return tuple(out)


def _condition(key: str, operator: str, values: list[str]) -> Condition:
    if operator == "between":
        try:
            low, high = (int(v) for v in values)
        except ValueError:
            raise errors.UnsupportedConditionValue(",".join(values)) from None
        return Condition(key, operator, (low, high))
    if key == "phase":
        known = {str(p) for p in Phase}
        bad = [v for v in values if v not in known]
        if bad:
            raise errors.UnsupportedConditionValue(",".join(bad))
    return Condition(key, operator, tuple(values))


def _body_int(body: dict[str, Any], key: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidParam(key)
    if value < minimum or (maximum is not None and value > maximum):
        raise errors.InvalidParam(key)
    return value
