"""Training-job search (``POST /v2/{project_id}/training-job-searches``): the body checks, the filters
as predicates over rendered jobs, sorting and paging.

The service renders the jobs (advancing them first); everything here works on rendered documents only.
"""

from __future__ import annotations

from collections.abc import Callable
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


@dataclass(frozen=True)
class JobSearch:
    """A checked search body (2788 / 2790 / 2807 / 2808 / 2809), in the order the fields are checked."""

    offset: int
    limit: int
    sort_by: str
    order: str
    group_by: str
    workspace_id: str
    predicates: list[Callable[[dict[str, Any]], bool]]

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
        predicates = _filters(body.get("filters"))
        return cls(offset, limit, sort_by, order, group_by, workspace_id, predicates)

    def answer(self, rendered: list[dict[str, Any]]) -> dict[str, Any]:
        """The response for these rendered jobs (all of the workspace): filtered, sorted, one page."""
        matches = [doc for doc in rendered if all(p(doc) for p in self.predicates)]
        matches.sort(key=self._sort_key, reverse=self.order == "desc")
        page = matches[self.offset * self.limit : self.offset * self.limit + self.limit]  # offset is a page index
        return {
            "total": len(rendered),
            "count": len(matches),
            "limit": self.limit,
            "offset": self.offset,
            "sort_by": self.sort_by,
            "order": self.order,
            "group_by": self.group_by,
            "workspace_id": self.workspace_id,
            "ai_project": "default-ai-project",
            "items": page,
        }

    def _sort_key(self, doc: dict[str, Any]) -> tuple[Any, str]:
        if self.sort_by == "name":
            primary: Any = doc["metadata"]["name"]
        elif self.sort_by in ("phase", "duration"):
            primary = doc["status"][self.sort_by]
        else:
            primary = doc["metadata"]["create_time"]
        return primary, doc["metadata"]["id"]


def _filters(raw: Any) -> list[Callable[[dict[str, Any]], bool]]:
    """Search filters as predicates over rendered jobs (2807 / 2808 / 2809)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        raise errors.InvalidParam("filters")
    predicates: list[Callable[[dict[str, Any]], bool]] = []
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
        predicates.append(_predicate(key, operator, values))
    return predicates


def _predicate(key: str, operator: str, values: list[str]) -> Callable[[dict[str, Any]], bool]:
    def field_of(doc: dict[str, Any]) -> Any:
        if key == "name":
            return doc["metadata"]["name"]
        if key == "algorithm_name":
            return doc.get("algorithm", {}).get("name") or ""
        if key == "phase":
            return doc["status"]["phase"]
        if key == "kind":
            return doc["kind"]
        return doc["metadata"]["create_time"]

    if operator == "like":
        needles = [v.lower() for v in values]
        return lambda doc: any(n in str(field_of(doc)).lower() for n in needles)
    if operator == "between":
        try:
            low, high = (int(v) for v in values)
        except ValueError:
            raise errors.UnsupportedConditionValue(",".join(values)) from None
        return lambda doc: low <= int(field_of(doc)) <= high
    if key == "phase":
        known = {str(p) for p in Phase}
        bad = [v for v in values if v not in known]
        if bad:
            raise errors.UnsupportedConditionValue(",".join(bad))
    if operator == "not":
        return lambda doc: field_of(doc) not in values
    return lambda doc: field_of(doc) in values


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
