"""The settings as a Pulumi program sees them: the ``modelarts:*`` stack config of the running program
(secrets included), then the environment. Lookups call the service with them; the resource classes check
them before a deployment, so that missing credentials stop ``pulumi up`` with a plain message."""

from __future__ import annotations

from typing import cast

import pulumi
from pulumi.runtime import get_config, is_dry_run

from .errors import ModelArtsConfigError
from .settings import Settings, config_from, located


def program_config() -> dict[str, str]:
    """The ``modelarts:*`` stack config of the running program, secrets included."""
    return config_from(get_config)


def program_settings() -> Settings:
    """Settings from the stack config (``modelarts:*``, secrets included) and the environment."""
    return Settings.from_config(program_config())


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
    if not all(value is None or isinstance(value, str) for value in (region, project_id, endpoint)):
        return
    config = located(
        program_config(),
        region=cast("str | None", region),
        project_id=cast("str | None", project_id),
        endpoint=cast("str | None", endpoint),
    )
    try:
        Settings.from_config(config)
    except ModelArtsConfigError as exc:
        raise pulumi.RunError(f"modelarts settings: {exc}") from exc
