"""The OBS side of engine tests: the local OBS a stack's ObsFolders upload to, with buckets made by the official
SDK, faults through the local ModelArts' admin API, and our client to look at what the buckets hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obs import ObsClient as SdkClient  # type: ignore[import-untyped]

from modelarts_pulumi.obs import ObsClient
from modelarts_pulumi.settings import Settings
from tests.support.server import LocalModelArts


@dataclass
class ObsBackend:
    """A local ModelArts' OBS endpoint and our client on it (the server's AK/SK)."""

    server: LocalModelArts
    client: ObsClient

    def create_bucket(self, name: str) -> None:
        server = self.server
        sdk = SdkClient(access_key_id=server.access_key, secret_access_key=server.secret_key, server=server.obs_url)
        answer = sdk.createBucket(name)
        assert answer.status < 300, (answer.status, answer.errorCode, answer.errorMessage)

    def fault(self, **rule: Any) -> None:
        """Faults on the OBS port from now on (a rule of the local ModelArts' ``faults`` config)."""
        response = self.server.admin("PUT", "/faults", json={"seed": 7, "rules": [{"ports": ["obs"], **rule}]})
        response.raise_for_status()

    def faults_injected(self) -> int:
        return sum(int(n) for n in self.server.admin("GET", "/faults").json()["counters"].values())

    def clear_faults(self) -> None:
        self.server.admin("DELETE", "/faults").raise_for_status()


def backend(server: LocalModelArts) -> ObsBackend:
    return ObsBackend(server, ObsClient(Settings.from_config(server.stack_config(), env={})))


def bucket_keys(client: ObsClient, bucket: str) -> set[str]:
    return {obj.key for obj in client.iter_objects(bucket)}


def open_uploads(client: ObsClient, bucket: str) -> list[str]:
    return [upload.key for upload in client.iter_multipart_uploads(bucket)]
