"""State bytes per resource, from ``pulumi stack export``: each resource as compact JSON (UTF-8), its
``inputs`` and ``outputs`` objects, and one copy of ``__provider`` (the pickled provider, stored in both)."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from typing import Any

from tests.support.pulumi_cli import PulumiProject


@dataclass(frozen=True)
class StateSize:
    resources: int
    whole: float  # median bytes per resource
    inputs: float
    outputs: float
    provider: float

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def state_size(project: PulumiProject, resource_type: str) -> StateSize:
    """Median sizes over the resources of ``resource_type`` in the stack's state."""
    resources = [r for r in project.resources() if r.get("type") == resource_type]
    if not resources:
        raise RuntimeError(f"no {resource_type} in the state of {project.directory}")

    def median(values: list[int]) -> float:
        return float(statistics.median(values))

    return StateSize(
        resources=len(resources),
        whole=median([size(r) for r in resources]),
        inputs=median([size(r.get("inputs") or {}) for r in resources]),
        outputs=median([size(r.get("outputs") or {}) for r in resources]),
        provider=median([len(str((r.get("outputs") or {}).get("__provider", ""))) for r in resources]),
    )
