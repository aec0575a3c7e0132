"""Fixtures of the OBS client's tests: a fake OBS per test, settings pointing at it, clients in both styles."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from modelarts_pulumi import retry_policy
from modelarts_pulumi.obs import ObsClient
from modelarts_pulumi.settings import Settings
from tests.obs_client.fake_obs import FakeObs

AK = "AKFAKEOBS0000000001"
SK = "SKfakeobsSecretKey0000000000000000000001"
TMP_AK = "TMPAKFAKEOBS00000002"
TMP_SK = "TMPSKfakeobsSecretKey000000000000000002"
TOKEN = "gQpjbi1ub3J0aC00TOKEN+/secret==value"
VHOST_BASE = "obs.local.test"


def make_settings(access_key: str = AK, secret_key: str = SK, token: str | None = None, **extra: str) -> Settings:
    config = {
        "region": "cn-north-4",
        "accessKey": access_key,
        "secretKey": secret_key,
        "maxRetries": "3",
        "retryBudgetSeconds": "20",
        "timeoutSeconds": "5",
        **extra,
    }
    if token:
        config["securityToken"] = token
    return Settings.from_config(config, env={})


@pytest.fixture
def fake_obs() -> Iterator[FakeObs]:
    server = FakeObs(credentials={AK: (SK, None), TMP_AK: (TMP_SK, TOKEN)}, buckets=["bkt", "other"]).start()
    yield server
    server.stop()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits are recorded, not slept."""
    recorded: list[float] = []
    monkeypatch.setattr(retry_policy, "pause", recorded.append)
    return recorded


@pytest.fixture
def vhost_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """``*.obs.local.test`` resolves to 127.0.0.1, so virtual-host requests reach the fake."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and (host == VHOST_BASE or host.endswith("." + VHOST_BASE)):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def client_factory(fake_obs: FakeObs, sleeps: list[float]) -> Iterator[Callable[..., ObsClient]]:
    """``client_factory(style="v2"|"obs", temporary=False, **settings)``: a client on the fake OBS."""
    made: list[ObsClient] = []

    def make(style: str = "v2", *, temporary: bool = False, **extra: Any) -> ObsClient:
        settings = make_settings(TMP_AK, TMP_SK, TOKEN, **extra) if temporary else make_settings(**extra)
        endpoint = fake_obs.url if style == "v2" else fake_obs.vhost_url
        client = ObsClient(settings, endpoint=endpoint)
        assert client.endpoint.style.name == style
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture(params=["v2", "obs"])
def client(request: pytest.FixtureRequest, client_factory: Callable[..., ObsClient], vhost_dns: None) -> ObsClient:
    """A client in each style: V2 path style on 127.0.0.1, OBS virtual-host style on obs.local.test."""
    return client_factory(request.param)
