"""Autonaming: the physical name of an object whose program gives none, deterministic in what identifies it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ..declare import autoname_identity
from .diffs import normal
from .validation import is_unknown


def autoname(news: Mapping[str, Any], model: type[BaseModel]) -> str | None:
    """The physical name to use when the program gave none, or None while it cannot be known (preview).

    Deterministic in the resource's identity (``name_prefix``, ``name_seed``: the resource and stack names) and
    in the inputs whose change replaces the object (:func:`~modelarts_pulumi.declare.autoname_identity`). So an
    ``up`` killed after the create call but before the state write finds, and adopts, the object it already
    made instead of making a twin, while a replacement gets a different name and can be created before the old
    one goes.
    """
    keys = ["name_prefix", "name_seed", *autoname_identity(model)]
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
    present = {k: v for k, v in spec.items() if normal(v) is not None}
    return hashlib.sha256(json.dumps(present, sort_keys=True, default=str).encode()).hexdigest()
