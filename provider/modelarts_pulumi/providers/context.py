"""Settings and clients inside the dynamic-provider process.

The provider objects that Pulumi pickles into state hold nothing: no credentials, no clients. The engine hands
the whole stack config to ``configure()`` in the provider process; we keep it here, module-level, and build a
client on demand. Credentials therefore always come from the *current* config or environment (rotation works,
nothing secret is pickled), while region, project and endpoint come from the resource's own recorded inputs so
that refresh and destroy act where the resource lives.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import ConfigureRequest, ResourceProvider

from .. import content, inputs, models, outputs
from ..settings import CONFIG_NAMESPACE, Settings, config_from, config_text, located
from . import workers

if TYPE_CHECKING:
    from ..client import ModelArtsClient
    from ..obs import ObsClient

_lock = threading.Lock()
_config: dict[str, str] = {}
_clients: dict[tuple[str | None, str | None, str | None], ModelArtsClient] = {}
_obs_clients: dict[tuple[str | None, str | None], ObsClient] = {}


def configure(req: ConfigureRequest) -> None:
    """Keep the ``modelarts:*`` stack config the engine sends to every dynamic provider."""
    set_stack_config(config_from(req.config.get))


class StatelessProvider(ResourceProvider):
    """A provider that holds nothing: Pulumi pickles it into the state (by reference, as its class's module
    path), so settings and clients live here instead, module-level, from the config ``configure`` keeps."""

    serialize_as_secret_always = False  # nothing secret is captured: the blob need not be encrypted

    def configure(self, req: ConfigureRequest) -> None:
        configure(req)
        models.build(inputs, outputs, content)  # once per process, before an operation validates on a thread
        # Configured once per process, before its first operation: waits need more than Pulumi's 4 workers.
        workers.widen_worker_pool()


def set_stack_config(raw: Mapping[str, Any]) -> None:
    """Keep the ``modelarts:*`` part of the stack config."""
    prefix = f"{CONFIG_NAMESPACE}:"
    selected = {key: config_text(value) for key, value in raw.items() if key.startswith(prefix) and value is not None}
    with _lock:
        if selected != _config:
            _config.clear()
            _config.update(selected)
            _clients.clear()
            _obs_clients.clear()


def stack_config() -> dict[str, str]:
    """A copy of the ``modelarts:*`` stack config kept by ``configure``."""
    with _lock:
        return dict(_config)


def located_config(props: Mapping[str, Any]) -> dict[str, str]:
    """The stack config with the region, project and endpoint recorded on a resource (``props``) applied."""
    return located(
        stack_config(), region=props.get("region"), project_id=props.get("project_id"), endpoint=props.get("endpoint")
    )


def client_for(props: Mapping[str, Any]) -> ModelArtsClient:
    """A client aimed at the region, project and endpoint recorded on the resource, with current credentials."""
    region = props.get("region") or None
    project_id = props.get("project_id") or None
    endpoint = props.get("endpoint") or None
    key = (region, project_id, endpoint)
    with _lock:
        cached = _clients.get(key)
    if cached is not None:
        return cached
    # Imported here: a preview with nothing to do makes no call, and need not load the HTTP stack.
    from ..client import ModelArtsClient

    # Re-derive from config with the recorded location, so endpoints follow the region unless overridden.
    client = ModelArtsClient(Settings.from_config(located_config(props)))
    with _lock:
        _clients.setdefault(key, client)
        return _clients[key]


def obs_client_for(props: Mapping[str, Any]) -> ObsClient:
    """An OBS client for the region and OBS endpoint recorded on the resource (else the stack config's), with
    current credentials (temporary AK/SK from IAM for IAM password and token users)."""
    key = (props.get("region") or None, props.get("endpoint") or None)
    with _lock:
        cached = _obs_clients.get(key)
    if cached is not None:
        return cached
    settings = Settings.from_config(located(stack_config(), region=key[0], project_id=None, endpoint=None))
    from ..obs import connect  # on first use, as the ModelArts client

    client = connect(settings, endpoint=key[1])
    with _lock:
        _obs_clients.setdefault(key, client)
        return _obs_clients[key]


def location_of(client: ModelArtsClient) -> dict[str, str]:
    """The outputs that pin a resource to where it was created."""
    return {
        "region": client.settings.region,
        "project_id": client.project_id,
        "endpoint": client.settings.modelarts_endpoint,
    }
