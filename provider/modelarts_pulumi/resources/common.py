"""Props both resources add for the provider (autoname identity, location), and the settings check at ``up``."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime import get_config, is_dry_run

from ..errors import ModelArtsConfigError
from ..providers.context import CONFIG_KEYS, CONFIG_NAMESPACE
from ..settings import Settings

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


def check_settings_before_deploy(
    region: pulumi.Input[str] | None, project_id: pulumi.Input[str] | None, endpoint: pulumi.Input[str] | None
) -> None:
    """At ``up`` (never in a preview, which works without credentials), stop the program with the settings
    error, e.g. "no credentials: set either AK/SK (config modelarts:accessKey or env HW_ACCESS_KEY/...)", as a
    plain message instead of the provider's traceback.

    The program sees the same stack config and environment as the provider process. A location given as an
    Output is left to the provider, which checks the settings again.
    """
    if is_dry_run():
        return
    config: dict[str, str] = {}
    for key in CONFIG_KEYS:
        value = get_config(f"{CONFIG_NAMESPACE}:{key}")
        if value is not None:
            config[f"{CONFIG_NAMESPACE}:{key}"] = str(value)
    for key, value in (("region", region), ("projectId", project_id), ("modelartsEndpoint", endpoint)):
        if isinstance(value, str):
            config[f"{CONFIG_NAMESPACE}:{key}"] = value
        elif value is not None:
            return
    try:
        Settings.from_config(config)
    except ModelArtsConfigError as exc:
        raise pulumi.RunError(f"modelarts settings: {exc}") from exc
