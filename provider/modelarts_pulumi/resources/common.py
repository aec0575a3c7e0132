"""Props both resources add for the provider: autoname identity and location."""

from __future__ import annotations

from typing import Any

import pulumi

LOCATION_OUTPUTS = ("region", "project_id", "endpoint")


def identity_props(resource_name: str, name: pulumi.Input[str] | None) -> dict[str, Any]:
    """What the provider needs to autoname: the resource name, and the project/stack it belongs to.

    Only sent when no explicit name is given; an explicit name needs neither.
    """
    if name is not None:
        return {}
    return {"name_prefix": resource_name, "name_seed": f"{pulumi.get_project()}/{pulumi.get_stack()}"}


def location_props(
    region: pulumi.Input[str] | None, project_id: pulumi.Input[str] | None, endpoint: pulumi.Input[str] | None
) -> dict[str, Any]:
    return {"region": region, "project_id": project_id, "endpoint": endpoint}
