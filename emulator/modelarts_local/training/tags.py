"""Training-job tags (TMS tags, ``/v2/{project_id}/modelarts-training-job/{id}/tags``): the body checks.

The rules are TMS's, as the API reference states them for ``TmsTag``: a key of 1-128 characters, letters
of any language, digits, spaces and ``_ . : = + - @``, no space at either end, not starting with ``_sys_``;
a value of at most 255 such characters (``/`` allowed too). A resource holds at most 20 tags (TMS's limit).
"""

from __future__ import annotations

import re
from typing import Any

from . import errors

MAX_TAGS = 20
_KEY = re.compile(r"^[\w .:=+\-@]{1,128}$")
_VALUE = re.compile(r"^[\w .:/=+\-@]{0,255}$")


def tags_in(body: dict[str, Any], *, values: bool) -> dict[str, str]:
    """``{key: value}`` of the body's ``tags`` list (values checked only when ``values``: a deletion names
    keys), or ModelArts.2788 naming the offending entry."""
    raw = body.get("tags")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_TAGS:
        raise errors.InvalidParam("tags")
    out: dict[str, str] = {}
    for index, item in enumerate(raw):
        where = f"tags[{index}]"
        if not isinstance(item, dict):
            raise errors.InvalidParam(where)
        key, value = item.get("key"), item.get("value", "")
        if not isinstance(key, str) or not _KEY.match(key) or key != key.strip() or key.startswith("_sys_"):
            raise errors.InvalidParam(f"{where}.key")
        if values and (not isinstance(value, str) or not _VALUE.match(value)):
            raise errors.InvalidParam(f"{where}.value")
        out[key] = value if isinstance(value, str) else ""
    return out


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Tags as the API lists them, by key."""
    return [{"key": key, "value": tags[key]} for key in sorted(tags)]
