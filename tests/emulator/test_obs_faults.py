# mypy: disable-error-code="import-untyped"
"""Fault injection on the OBS port, answered as OBS answers (503 ``SlowDown``, 500 ``InternalError``, 503
``ServiceUnavailable``), plus resets, answers dropped after the work was done, bodies cut short and latency;
filtered by port, path (the bucket first, whatever the addressing style) and query. Driven by the official OBS
SDK, and by our client where a fault is meant for its retries (a download resumed after a cut)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from modelarts_pulumi.obs import ObsClient as OurObsClient
from modelarts_pulumi.obs import download_prefix
from modelarts_pulumi.settings import Settings
from tests.emulator.obs_helpers import BUCKET, ObsLocal, md5_hex
from tests.support.constants import ACCESS_KEY, SECRET_KEY


@pytest.fixture
def faults(obs_local: ObsLocal) -> Iterator[Any]:
    """``faults(rules)`` puts a fault configuration in force; faults are off again after the test."""

    def configure(*rules: dict[str, Any]) -> None:
        answer = obs_local.server.admin("PUT", "/faults", json={"seed": 11, "rules": list(rules)})
        assert answer.status_code == 200, answer.text

    yield configure
    obs_local.server.admin("DELETE", "/faults")


def counters(obs: ObsLocal) -> dict[str, int]:
    return dict(obs.server.admin("GET", "/faults").json()["counters"])


def test_throttling_and_errors_in_obs_words(obs_local: ObsLocal, faults: Any):
    obs_local.sdk().putContent(BUCKET, "faulty/a.txt", b"a")
    no_retries = obs_local.sdk(max_retry_count=0)
    faults({"ports": ["obs"], "paths": [f"/{BUCKET}/faulty/*"], "throttle_rate": 1.0})
    throttled = no_retries.getObject(BUCKET, "faulty/a.txt")
    assert (throttled.status, throttled.errorCode) == (503, "SlowDown")
    assert no_retries.getObject(BUCKET, "elsewhere.txt").errorCode == "NoSuchKey"  # another path: no fault
    assert obs_local.server.call("GET", "/training-job-flavors").status_code == 200  # the main port: no fault

    faults({"ports": ["obs"], "methods": ["GET"], "error_rate": 1.0, "error_statuses": [500]})
    failed = no_retries.getObject(BUCKET, "faulty/a.txt")
    assert (failed.status, failed.errorCode) == (500, "InternalError")

    faults({"ports": ["obs"], "methods": ["GET"], "error_rate": 1.0, "error_statuses": [503], "max_faults": 1})
    retried = obs_local.sdk().getObject(BUCKET, "faulty/a.txt", loadStreamInMemory=True)  # the SDK retries a 5xx
    assert (retried.status, retried.body.buffer) == (200, b"a")
    assert counters(obs_local)["error"] == 1


def test_an_answer_dropped_after_the_upload_was_stored(obs_local: ObsLocal, faults: Any):
    faults({"ports": ["obs"], "methods": ["PUT"], "paths": [f"/{BUCKET}/dropped/*"], "drop_rate": 1.0})
    with pytest.raises(ConnectionError):  # the SDK raises what http.client raised: closed without an answer
        obs_local.sdk(max_retry_count=0).putContent(BUCKET, "dropped/d.txt", b"stored all the same")
    assert (obs_local.bucket_dir / "dropped" / "d.txt").read_bytes() == b"stored all the same"
    assert counters(obs_local)["drop"] == 1


def test_resets_and_the_query_filter(obs_local: ObsLocal, faults: Any):
    sdk = obs_local.sdk(max_retry_count=0)
    upload_id = sdk.initiateMultipartUpload(BUCKET, "reset/big.bin").body.uploadId
    faults({"ports": ["obs"], "methods": ["PUT"], "queries": ["*uploadId=*"], "reset_rate": 1.0})
    assert sdk.putContent(BUCKET, "reset/plain.txt", b"no fault for a plain PUT").status == 200
    with pytest.raises(ConnectionResetError):
        sdk.uploadPart(BUCKET, "reset/big.bin", 1, upload_id, object=b"part")
    assert sdk.listParts(BUCKET, "reset/big.bin", upload_id).body.parts == []  # nothing was done
    assert counters(obs_local)["reset"] == 1
    sdk.abortMultipartUpload(BUCKET, "reset/big.bin", upload_id)


def test_virtual_host_requests_are_filtered_by_bucket(obs_local: ObsLocal, faults: Any, vhost_dns: None):
    faults({"ports": ["obs"], "paths": [f"/{BUCKET}/vh/*"], "error_rate": 1.0, "error_statuses": [503]})
    sdk = obs_local.vhost_sdk(signature="obs", is_signature_negotiation=False, max_retry_count=0)
    refused = sdk.putContent(BUCKET, "vh/x.txt", b"x")
    assert (refused.status, refused.errorCode) == (503, "ServiceUnavailable")
    assert sdk.putContent(BUCKET, "other/x.txt", b"x").status == 200


def test_a_download_cut_short_is_resumed_by_our_client(obs_local: ObsLocal, faults: Any, tmp_path: Path):
    data = bytes(range(256)) * 400
    obs_local.sdk().putContent(BUCKET, "cut/data.bin", data)
    faults({"ports": ["obs"], "methods": ["GET"], "paths": [f"/{BUCKET}/cut/*"], "truncate_rate": 1.0,
            "truncate_after_bytes": 30_000, "max_faults": 1})  # fmt: skip
    settings = Settings.from_config(
        {"region": "cn-north-4", "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY, "maxRetries": "3"}, env={}
    )
    with OurObsClient(settings, endpoint=obs_local.url) as client:
        report = download_prefix(client, BUCKET, "cut/", tmp_path / "down")
    assert report.transferred == ["cut/data.bin"]
    assert md5_hex((tmp_path / "down" / "data.bin").read_bytes()) == md5_hex(data)
    assert counters(obs_local)["truncate"] == 1

    faults({"ports": ["obs"], "methods": ["GET"], "truncate_rate": 1.0, "truncate_after_bytes": 10})
    cut = requests.get(
        obs_local.sdk().createSignedUrl("GET", BUCKET, "cut/data.bin").signedUrl, stream=True, timeout=10
    )
    assert cut.status_code == 200 and cut.headers["Content-Length"] == str(len(data))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        cut.content  # noqa: B018  (the body ends after 10 bytes of the announced length)


def test_latency(obs_local: ObsLocal, faults: Any):
    faults({"ports": ["obs"], "methods": ["HEAD"], "latency_rate": 1.0, "latency_seconds": 0.4})
    started = time.monotonic()
    assert obs_local.sdk().headBucket(BUCKET).status == 200
    assert time.monotonic() - started >= 0.4
