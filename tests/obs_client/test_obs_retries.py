"""Retries and timeouts of the OBS client: the provider's urllib3 Retry policy with the call's idempotency rule.

Waits are recorded (the ``sleeps`` fixture), not slept. The fake OBS counts what reached it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from modelarts_pulumi.obs import CONTENT_SHA256, ObsClient, ObsError, ObsTransportError
from tests.obs_client.fake_obs import FakeObs, Fault


def sent(fake: FakeObs, method: str, fragment: str = "") -> int:
    return sum(1 for r in fake.requests if r.method == method and fragment in r.target)


def on(method: str, fragment: str = "") -> Callable[[str, str], bool]:
    return lambda m, target: m == method and fragment in target


@pytest.fixture
def v2(client_factory: Callable[..., ObsClient]) -> ObsClient:
    return client_factory("v2")


def test_idempotent_calls_are_retried_on_5xx_and_dropped_connections(v2: ObsClient, fake_obs: FakeObs, sleeps):
    fake_obs.inject(Fault(on("PUT"), status=503))
    fake_obs.inject(Fault(on("PUT"), status=500, code="InternalError"))
    assert v2.put_object("bkt", "k", b"data").etag
    assert sent(fake_obs, "PUT") == 3

    fake_obs.inject(Fault(on("GET"), status=0, times=2))  # connection dropped before any answer, twice
    assert v2.get_object("bkt", "k") == b"data"
    assert sent(fake_obs, "GET") == 3

    fake_obs.inject(Fault(on("DELETE"), status=502, code="BadGateway"))
    v2.delete_object("bkt", "k")
    assert "k" not in fake_obs.buckets["bkt"]
    assert len(sleeps) == 5 and all(0 < wait <= 10 for wait in sleeps)


def test_retries_end_with_the_last_answer_as_an_error(v2: ObsClient, fake_obs: FakeObs, sleeps):
    fake_obs.inject(Fault(on("GET"), status=503, times=10))
    with pytest.raises(ObsError) as info:
        v2.get_object("bkt", "k")
    assert (info.value.status, info.value.code) == (503, "ServiceUnavailable")
    assert sent(fake_obs, "GET") == 4  # maxRetries=3 in these settings


def test_initiate_is_not_retried_after_a_5xx_or_a_lost_answer(v2: ObsClient, fake_obs: FakeObs, sleeps):
    fake_obs.inject(Fault(on("POST", "?uploads"), status=503))
    with pytest.raises(ObsError) as info:
        v2.initiate_multipart_upload("bkt", "big")
    assert info.value.status == 503 and sent(fake_obs, "POST", "?uploads") == 1

    fake_obs.inject(Fault(on("POST", "?uploads"), after=True))  # the upload is opened, the answer lost
    with pytest.raises(ObsTransportError):
        v2.initiate_multipart_upload("bkt", "big")
    assert sent(fake_obs, "POST", "?uploads") == 2 and len(fake_obs.uploads) == 1


def test_a_throttled_initiate_is_retried(v2: ObsClient, fake_obs: FakeObs, sleeps):
    fake_obs.inject(Fault(on("POST", "?uploads"), status=429, code="SlowDown"))
    assert v2.initiate_multipart_upload("bkt", "big")
    assert sent(fake_obs, "POST", "?uploads") == 2 and len(fake_obs.uploads) == 1


def test_a_complete_whose_answer_was_lost_is_retried_and_accepted(v2: ObsClient, fake_obs: FakeObs, sleeps):
    upload_id = v2.initiate_multipart_upload("bkt", "big", metadata={CONTENT_SHA256: "feed"})
    part = v2.upload_part("bkt", "big", upload_id, 1, b"only part")
    fake_obs.inject(Fault(on("POST", "?uploadId"), after=True))  # assembled, but the answer never arrives
    etag = v2.complete_multipart_upload("bkt", "big", upload_id, [part], expected_sha256="feed")
    assert etag == fake_obs.buckets["bkt"]["big"].etag and etag.endswith("-1")
    assert sent(fake_obs, "POST", "?uploadId") == 2  # the repeat met NoSuchUpload; a HEAD confirmed the object
    assert sent(fake_obs, "HEAD", "/bkt/big") == 1


def test_a_complete_that_finds_other_content_still_fails(v2: ObsClient, fake_obs: FakeObs, sleeps):
    fake_obs.put("bkt", "big", b"someone else's", metadata={CONTENT_SHA256: "other"})
    with pytest.raises(ObsError) as info:
        v2.complete_multipart_upload("bkt", "big", "GONE", [], expected_sha256="feed")
    assert info.value.code == "NoSuchUpload"


def test_multi_object_delete_is_retried(v2: ObsClient, fake_obs: FakeObs, sleeps):
    fake_obs.put("bkt", "a", b"1")
    fake_obs.inject(Fault(on("POST", "?delete"), after=True))
    assert v2.delete_objects("bkt", ["a"]).deleted == ["a"]
    assert sent(fake_obs, "POST", "?delete") == 2


def test_a_silent_server_times_out_and_is_retried(client_factory: Callable[..., ObsClient], fake_obs: FakeObs, sleeps):
    client = client_factory("v2", timeoutSeconds="0.3")
    fake_obs.inject(Fault(on("GET"), status=503, delay=1.0, times=2))
    fake_obs.put("bkt", "k", b"late")
    assert client.get_object("bkt", "k") == b"late"
    assert sent(fake_obs, "GET") == 3

    fake_obs.inject(Fault(on("GET"), delay=1.0, times=10))
    with pytest.raises(ObsTransportError) as info:
        client.get_object("bkt", "k")
    assert info.value.status == 0 and "timed out" in info.value.message.lower()
