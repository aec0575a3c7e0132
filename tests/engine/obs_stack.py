"""The OBS side of engine tests: an OBS endpoint for a stack's ObsFolders, and a client to look at its buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelarts_pulumi.obs import ObsClient
from modelarts_pulumi.settings import Settings
from tests.obs_client.fake_obs import FakeObs, Fault


@dataclass
class ObsBackend:
    """An OBS the stacks upload to, with the local ModelArts' AK/SK, and our client on it."""

    fake: FakeObs
    client: ObsClient

    @property
    def url(self) -> str:
        return self.fake.url

    def create_bucket(self, name: str) -> None:
        self.fake.buckets.setdefault(name, {})

    def stack_config(self) -> dict[str, str]:
        return {"modelarts:obsEndpoint": self.url}

    def fail(self, method: str, path_part: str, *, status: int, code: str, times: int) -> None:
        """The next ``times`` ``method`` requests whose path holds ``path_part`` get ``status`` and ``code``."""
        self.fake.inject(
            Fault(lambda m, target: m == method and path_part in target.partition("?")[0], status, times, code)
        )

    def clear_faults(self) -> None:
        self.fake.faults.clear()


def obs_client(server: Any, endpoint: str) -> ObsClient:
    return ObsClient(Settings.from_config(server.stack_config(), env={}), endpoint=endpoint)


def bucket_keys(client: ObsClient, bucket: str) -> set[str]:
    return {obj.key for obj in client.iter_objects(bucket)}
