"""Request-body checks shared by algorithms and training jobs; each raises the documented error."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..obs.paths import ObsPath, ObsPathError, parse_obs_path
from . import errors

NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PARAMETER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_DESCRIPTION = 256
PARAMETER_TYPES = ("String", "Integer", "Float", "Boolean")
DEFAULT_CONSTRAINT: dict[str, Any] = {
    "type": "String",
    "editable": True,
    "required": False,
    "sensitive": False,
    "valid_type": "None",
    "valid_range": [],
}


def obj(parent: dict[str, Any], key: str, where: str, *, required: bool = False) -> dict[str, Any]:
    """A nested object (``{}`` when absent and optional)."""
    value = parent.get(key)
    if value is None:
        if required:
            raise errors.InvalidParam(where)
        return {}
    if not isinstance(value, dict):
        raise errors.InvalidParam(where)
    return value


def array(parent: dict[str, Any], key: str, where: str) -> list[Any]:
    value = parent.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.InvalidParam(where)
    return value


def string(parent: dict[str, Any], key: str, where: str, *, required: bool = False, default: str = "") -> str:
    value = parent.get(key)
    if value is None:
        if required:
            raise errors.InvalidParam(where)
        return default
    if not isinstance(value, str):
        raise errors.InvalidParam(where)
    return value


def boolean(parent: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = parent.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise errors.InvalidParam(where)
    return value


def name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise errors.InvalidParam(where)
    return value


def description(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise errors.InvalidParam(where)
    return value


def workspace_id(value: Any, where: str) -> str:
    if value is None or value == "":
        return "0"
    if not isinstance(value, str) or len(value) > 64:
        raise errors.InvalidParam(where)
    return value


def obs_path(value: Any, where: str) -> ObsPath:
    """An OBS path (ModelArts.2791 with the reason otherwise)."""
    if not isinstance(value, str):
        raise errors.InvalidParam(where)
    try:
        return parse_obs_path(value)
    except ObsPathError as exc:
        raise errors.InvalidObsPath(value, str(exc)) from None


def parameters(raw: list[Any], where: str) -> list[dict[str, Any]]:
    """Normalise hyperparameters to the response shape and check their constraints."""
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise errors.InvalidParam(here)
        param_name = item.get("name")
        if not isinstance(param_name, str) or not PARAMETER_NAME.match(param_name):
            raise errors.InvalidParam(f"{here}.name")
        if param_name in seen:
            raise errors.ParameterKeyRepeat()
        seen.add(param_name)
        value = item.get("value", "")
        if isinstance(value, bool):  # JSON true/false for a Boolean parameter
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            raise errors.InvalidParam(f"{here}.value")
        constraint = dict(DEFAULT_CONSTRAINT)
        raw_constraint = item.get("constraint")
        if raw_constraint is not None:
            if not isinstance(raw_constraint, dict):
                raise errors.InvalidParam(f"{here}.constraint")
            for key, val in raw_constraint.items():
                constraint[key] = val
        check_constraint(constraint, f"{here}.constraint")
        if value != "":
            check_value(value, constraint)
        i18n = item.get("i18n_description")
        if i18n is not None and not isinstance(i18n, dict | list):
            raise errors.InvalidParam(f"{here}.i18n_description")
        result.append(
            {
                "name": param_name,
                "description": description(item.get("description"), f"{here}.description"),
                "i18n_description": i18n,
                "value": value,
                "constraint": constraint,
            }
        )
    return result


def check_constraint(constraint: dict[str, Any], where: str) -> None:
    if constraint.get("type") not in PARAMETER_TYPES:
        raise errors.InvalidParam(f"{where}.type")
    for key in ("editable", "required", "sensitive"):
        if not isinstance(constraint.get(key), bool):
            raise errors.InvalidParam(f"{where}.{key}")
    if not isinstance(constraint.get("valid_type"), str):
        raise errors.InvalidParam(f"{where}.valid_type")
    valid_range = constraint.get("valid_range")
    if not isinstance(valid_range, list) or not all(isinstance(v, str | int | float) for v in valid_range):
        raise errors.InvalidParam(f"{where}.valid_range")
    constraint["valid_range"] = [str(v) for v in valid_range]
    if _is_numeric_range(constraint):
        bounds = constraint["valid_range"]
        try:
            low, high = (float(b) for b in bounds)
        except ValueError:
            raise errors.RangeError() from None
        if low > high:
            raise errors.RangeError()


def _is_numeric_range(constraint: dict[str, Any]) -> bool:
    """Integer/Float with two bounds and no enumeration declared: a [low, high] range."""
    return (
        constraint["type"] in ("Integer", "Float")
        and len(constraint["valid_range"]) == 2
        and str(constraint.get("valid_type", "None")).lower() != "enumeration"
    )


def check_value(value: str, constraint: dict[str, Any]) -> None:
    """A (default or overriding) value against its type and range: 2768 / 2769."""
    kind = constraint["type"]
    number: float | None = None
    if kind == "Boolean":
        if value.lower() not in ("true", "false"):
            raise errors.DefaultValueTypeError()
    elif kind == "Integer":
        try:
            number = float(int(value))
        except ValueError:
            raise errors.DefaultValueTypeError() from None
    elif kind == "Float":
        try:
            number = float(value)
        except ValueError:
            raise errors.DefaultValueTypeError() from None
        if math.isnan(number) or math.isinf(number):
            raise errors.DefaultValueTypeError()
    valid_range = constraint.get("valid_range") or []
    if not valid_range:
        return
    if number is not None and _is_numeric_range(constraint):
        low, high = (float(b) for b in valid_range)
        if not low <= number <= high:
            raise errors.DefaultValueIsNotInRange()
    elif kind == "Boolean":
        if value.lower() not in [v.lower() for v in valid_range]:
            raise errors.DefaultValueIsNotInRange()
    elif value not in valid_range:
        raise errors.DefaultValueIsNotInRange()


MAX_PAGE_LIMIT = 50
"""The largest page the list and search calls return (``limit``)."""


def query_int(query: Mapping[str, str], key: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    """An integer query parameter within its bounds (absent or empty: ``default``), else ModelArts.2764."""
    raw = query.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.QueryParamsError(key) from None
    if value < minimum or (maximum is not None and value > maximum):
        raise errors.QueryParamsError(key)
    return value
