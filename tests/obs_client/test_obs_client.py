"""The OBS client's operations against the fake OBS, in both styles (V2 path style on an IP literal, OBS
virtual-host style on a host name), with every signature checked by the SDK's own code on the server side."""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import pytest

from modelarts_pulumi.obs import CONTENT_SHA256, ObsClient, ObsError, PartInfo
from modelarts_pulumi.obs.transport import ObsRequest
from tests.obs_client.conftest import SK, TMP_SK, TOKEN, make_settings
from tests.obs_client.fake_obs import FakeObs

KEY_CHARS = string.ascii_letters + string.digits + " -_~+=;:@!*'()$,&%?#[]" + "éü训练ß€"


def signed_ok(fake: FakeObs) -> None:
    """Every request reached an operation: none was refused for its signature, token or time."""
    refused = [(r.method, r.target, r.status) for r in fake.requests if r.status == 403]
    assert refused == []
    assert all(r.signed for r in fake.requests if "apiversion" not in r.target)


def test_object_round_trip(client: ObsClient, fake_obs: FakeObs):
    style = client.endpoint.style.name
    put = client.put_object("bkt", "dir/a b+c~é.txt", b"hello world", metadata={"Origin": " local é "})
    assert put.etag == "5eb63bbbe01eeed093cb22bb8f5acdc3"

    info = client.head_object("bkt", "dir/a b+c~é.txt")
    assert info is not None
    assert (info.size, info.etag, info.content_type) == (11, put.etag, "text/plain")
    assert info.metadata == {"origin": "local é"}
    assert client.get_object("bkt", "dir/a b+c~é.txt") == b"hello world"
    assert client.get_object("bkt", "dir/a b+c~é.txt", byte_range=(6, None)) == b"world"
    assert client.get_object("bkt", "dir/a b+c~é.txt", byte_range=(0, 4)) == b"hello"

    assert client.copy_object("bkt", "dir/a b+c~é.txt", "other", "copy.txt") == put.etag
    assert fake_obs.buckets["other"]["copy.txt"].metadata == {"origin": "local %C3%A9"}  # stored as sent
    client.copy_object("bkt", "dir/a b+c~é.txt", "other", "copy2.txt", metadata={"k": "v"})
    assert client.head_object("other", "copy2.txt").metadata == {"k": "v"}  # type: ignore[union-attr]

    client.delete_object("bkt", "dir/a b+c~é.txt")
    client.delete_object("bkt", "dir/a b+c~é.txt")  # deleting a missing key succeeds, as on OBS
    assert client.head_object("bkt", "dir/a b+c~é.txt") is None
    signed_ok(fake_obs)
    assert {r.style for r in fake_obs.requests} == {style}
    put_request = next(r for r in fake_obs.requests if r.method == "PUT")
    prefix = "x-amz-" if style == "v2" else "x-obs-"
    assert put_request.headers["Authorization"].startswith("AWS " if style == "v2" else "OBS ")
    assert put_request.headers["Content-MD5"] == "XrY7u+Ae7tCTyyK7j1rNww=="
    assert put_request.headers[prefix + "meta-origin"] == "local %C3%A9"
    if style == "v2":
        assert put_request.target == "/bkt/dir/a%20b%2Bc~%C3%A9.txt"
        assert put_request.host == f"127.0.0.1:{fake_obs.port}"
    else:
        assert put_request.target == "/dir/a%20b%2Bc~%C3%A9.txt"
        assert put_request.host == f"bkt.obs.local.test:{fake_obs.port}"


def test_listing_with_prefix_marker_delimiter_and_paging(client: ObsClient, fake_obs: FakeObs):
    keys = [f"data/{i:03d}.txt" for i in range(25)] + ["data/sub/x.txt", "data/sub/y.txt", "other.txt"]
    for key in keys:
        fake_obs.put("bkt", key, key.encode())

    page = client.list_objects("bkt", prefix="data/", max_keys=10)
    assert [o.key for o in page.objects] == [f"data/{i:03d}.txt" for i in range(10)]
    assert page.is_truncated and page.next_marker == "data/009.txt"
    assert page.objects[0].etag == fake_obs.buckets["bkt"]["data/000.txt"].etag and page.objects[0].size == 12

    after = client.list_objects("bkt", prefix="data/", marker="data/020.txt")
    assert [o.key for o in after.objects] == [
        *(f"data/{i:03d}.txt" for i in range(21, 25)),
        "data/sub/x.txt",
        "data/sub/y.txt",
    ]

    folders = client.list_objects("bkt", prefix="data/", delimiter="/")
    assert folders.common_prefixes == ["data/sub/"] and len(folders.objects) == 25

    everything = list(client.iter_objects("bkt", page_size=7))
    assert [o.key for o in everything] == sorted(keys)
    assert sum(1 for r in fake_obs.requests if r.method == "GET" and "max-keys=7" in r.target) == 4
    signed_ok(fake_obs)


def test_delete_objects_in_batches_of_a_thousand(client: ObsClient, fake_obs: FakeObs):
    keys = [f"many/{i:04d}" for i in range(1203)]
    for key in keys:
        fake_obs.put("bkt", key, b"x")
    result = client.delete_objects("bkt", [*keys, "never/was"])
    assert sorted(result.deleted) == sorted([*keys, "never/was"]) and result.failures == []
    assert fake_obs.buckets["bkt"] == {}
    posts = [r for r in fake_obs.requests if r.method == "POST"]
    assert [r.target.split("?")[1] for r in posts] == ["delete", "delete"]
    assert all("Content-MD5" in r.headers for r in posts)
    assert client.delete_objects("bkt", []).deleted == []
    signed_ok(fake_obs)


def test_multipart_upload_list_complete_and_abort(client: ObsClient, fake_obs: FakeObs):
    first, last = b"a" * (100 * 1024), b"tail"
    upload_id = client.initiate_multipart_upload("bkt", "big/model.bin", metadata={CONTENT_SHA256: "abc"})
    parts = [client.upload_part("bkt", "big/model.bin", upload_id, 2, last)]
    parts.insert(0, client.upload_part("bkt", "big/model.bin", upload_id, 1, first))
    listing = client.list_parts("bkt", "big/model.bin", upload_id)
    assert [(p.part_number, p.size, p.etag) for p in listing.parts] == [
        (1, len(first), parts[0].etag),
        (2, 4, parts[1].etag),
    ]
    listed_page = client.list_parts("bkt", "big/model.bin", upload_id, max_parts=1, part_number_marker=0)
    assert listed_page.upload_id == upload_id

    etag = client.complete_multipart_upload("bkt", "big/model.bin", upload_id, parts)
    assert etag.endswith("-2")
    assert client.get_object("bkt", "big/model.bin") == first + last
    assert client.head_object("bkt", "big/model.bin").content_sha256 == "abc"  # type: ignore[union-attr]

    second = client.initiate_multipart_upload("bkt", "big/abandoned.bin")
    client.upload_part("bkt", "big/abandoned.bin", second, 1, b"zz")
    client.abort_multipart_upload("bkt", "big/abandoned.bin", second)
    client.abort_multipart_upload("bkt", "big/abandoned.bin", second)  # already gone: not an error
    assert second not in fake_obs.uploads
    with pytest.raises(ObsError) as info:
        client.list_parts("bkt", "big/abandoned.bin", second)
    assert (info.value.status, info.value.code) == (404, "NoSuchUpload")
    signed_ok(fake_obs)
    sent = [r.target for r in fake_obs.requests]
    assert any(t.endswith("?uploads") for t in sent)
    assert any(t.endswith(f"?partNumber=1&uploadId={upload_id}") for t in sent)


def test_multipart_errors_come_back_as_obs_errors(client: ObsClient):
    upload_id = client.initiate_multipart_upload("bkt", "k")
    small = client.upload_part("bkt", "k", upload_id, 1, b"small")
    tail = client.upload_part("bkt", "k", upload_id, 2, b"tail")
    with pytest.raises(ObsError, match="EntityTooSmall"):
        client.complete_multipart_upload("bkt", "k", upload_id, [small, tail])
    with pytest.raises(ObsError, match="InvalidPart"):
        client.complete_multipart_upload("bkt", "k", upload_id, [PartInfo(1, "0" * 32)])
    with pytest.raises(ObsError, match="NoSuchUpload"):
        client.upload_part("bkt", "k", "NOSUCHUPLOAD", 1, b"x")


def test_errors_carry_code_status_and_request_id(client: ObsClient, fake_obs: FakeObs):
    with pytest.raises(ObsError) as missing_key:
        client.get_object("bkt", "nothing/here")
    error = missing_key.value
    assert (error.status, error.code, error.method) == (404, "NoSuchKey", "GET")
    assert error.request_id == fake_obs.requests[-1].headers.get("x-obs-request-id") or error.request_id
    assert error.request_id and len(error.request_id) == 32
    assert error.is_not_found and "NoSuchKey" in str(error)

    with pytest.raises(ObsError) as missing_bucket:
        client.get_object("nobucket", "k")
    assert missing_bucket.value.code == "NoSuchBucket"
    with pytest.raises(ObsError) as head_bucket:
        client.head_bucket("nobucket")
    assert (head_bucket.value.code, head_bucket.value.status) == ("NoSuchBucket", 404)
    assert "'nobucket' does not exist" in str(head_bucket.value)
    client.head_bucket("bkt")
    fake_obs.put("bkt", "short", b"abc")
    with pytest.raises(ObsError) as bad_range:
        client.get_object("bkt", "short", byte_range=(10, 20))
    assert (bad_range.value.status, bad_range.value.code) == (416, "InvalidRange")


def test_a_changed_object_fails_if_match(client: ObsClient, fake_obs: FakeObs):
    fake_obs.put("bkt", "k", b"v1")
    with pytest.raises(ObsError) as info:
        client.open_object("bkt", "k", if_match="0" * 32)
    assert (info.value.status, info.value.code) == (412, "PreconditionFailed")


def test_digests_are_checked(client: ObsClient, fake_obs: FakeObs):
    bad = ObsRequest("PUT", "bkt", "k", headers={"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, body=b"data")
    with pytest.raises(ObsError) as mismatch:
        client.transport.send(bad)
    assert (mismatch.value.status, mismatch.value.code) == (400, "BadDigest")
    malformed = ObsRequest("PUT", "bkt", "k", headers={"Content-MD5": "not-base64!"}, body=b"data")
    with pytest.raises(ObsError) as invalid:
        client.transport.send(malformed)
    assert (invalid.value.status, invalid.value.code) == (400, "InvalidDigest")
    assert "k" not in fake_obs.buckets["bkt"]


@pytest.mark.parametrize("style", ["v2", "obs"])
def test_temporary_credentials_send_the_security_token(
    style: str, client_factory: Callable[..., ObsClient], fake_obs: FakeObs, vhost_dns: None
):
    client = client_factory(style, temporary=True)
    client.put_object("bkt", "tmp.txt", b"temporary")
    assert client.get_object("bkt", "tmp.txt") == b"temporary"
    header = "x-amz-security-token" if style == "v2" else "x-obs-security-token"
    assert all(r.headers.get(header) == TOKEN for r in fake_obs.requests)
    assert all(f"{header}:{TOKEN}\n" in r.signed for r in fake_obs.requests)  # signed, not only sent


@pytest.mark.parametrize(
    ("access_key", "secret_key", "token", "code"),
    [
        ("AKFAKEOBS0000000001", "wrong-secret", None, "SignatureDoesNotMatch"),
        ("UNKNOWNAK", SK, None, "InvalidAccessKeyId"),
        ("TMPAKFAKEOBS00000002", TMP_SK, None, "InvalidAccessKeyId"),  # temporary AK without its token
        ("TMPAKFAKEOBS00000002", TMP_SK, "another-token", "InvalidAccessKeyId"),
    ],
)
def test_wrong_credentials_are_refused(
    fake_obs: FakeObs, access_key: str, secret_key: str, token: str | None, code: str
):
    with (
        ObsClient(make_settings(access_key, secret_key, token), endpoint=fake_obs.url) as client,
        pytest.raises(ObsError) as info,
    ):
        client.get_object("bkt", "k")
    assert (info.value.status, info.value.code) == (403, code)
    text = str(info.value) + repr(info.value)
    for secret in (secret_key, TOKEN, "another-token", "StringToSign"):
        assert secret not in text  # SignatureDoesNotMatch echoes the string to sign (with the token): never shown


@pytest.mark.parametrize(("offset", "message"), [(-16 * 60, "no longer valid"), (16 * 60, "not yet valid")])
def test_clock_skew_is_refused(fake_obs: FakeObs, offset: int, message: str):
    import time

    with ObsClient(make_settings(), endpoint=fake_obs.url, clock=lambda: time.time() + offset) as client:
        with pytest.raises(ObsError) as info:
            client.head_object("bkt", "k")
        assert info.value.status == 403  # HEAD: no body, so no code from the service
        with pytest.raises(ObsError) as get_info:
            client.get_object("bkt", "k")
        assert (get_info.value.code, get_info.value.message) == ("RequestTimeTooSkewed", f"Request is {message}.")
    with ObsClient(make_settings(), endpoint=fake_obs.url, clock=lambda: time.time() + 14 * 60) as near:
        assert near.head_object("bkt", "k") is None  # inside the 15-minute window


def test_presigned_urls_work_and_expire(client: ObsClient, fake_obs: FakeObs):
    import requests

    fake_obs.put("bkt", "shared/report.txt", b"report")
    url = client.presigned_url("GET", "bkt", "shared/report.txt", expires_in=60)
    assert requests.get(url, timeout=5).content == b"report"
    fake_obs.clock = lambda: 4_000_000_000.0
    expired = requests.get(url, timeout=5)
    assert expired.status_code == 403 and b"Request has expired." in expired.content


def test_keys_that_urls_cannot_carry_are_refused(client: ObsClient):
    for key in ("a/./b", "../up", "x/..", ""):
        with pytest.raises(ValueError, match=r"segment|empty"):
            client.get_object("bkt", key)
    with pytest.raises(ValueError, match="1024 bytes"):
        client.get_object("bkt", "é" * 513)


@pytest.mark.parametrize("seed", range(4))
def test_generated_keys_and_metadata_travel_and_verify(client: ObsClient, fake_obs: FakeObs, seed: int):
    """Random keys (unicode, spaces, reserved characters) and metadata: the server's SDK code accepts every
    signature, and each object comes back under its key with its metadata."""
    rng = random.Random(seed)
    stored: dict[str, tuple[bytes, dict[str, str]]] = {}
    for _ in range(12):
        segments = ["".join(rng.choice(KEY_CHARS) for _ in range(rng.randint(1, 10))) for _ in range(rng.randint(1, 3))]
        key = "/".join(s for s in segments if s not in (".", ".."))
        meta = {
            "m" + str(i): "".join(rng.choice(KEY_CHARS) for _ in range(rng.randint(1, 12)))
            for i in range(rng.randint(0, 2))
        }
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
        client.put_object("bkt", key, data, metadata=meta)
        stored[key] = (data, {k: v.strip() for k, v in meta.items() if v.strip()})
    for key, (data, meta) in stored.items():
        assert client.get_object("bkt", key) == data
        info = client.head_object("bkt", key)
        assert info is not None and info.metadata == meta and info.size == len(data)
    assert {o.key for o in client.iter_objects("bkt")} == set(stored)
    client.delete_objects("bkt", list(stored))
    assert fake_obs.buckets["bkt"] == {}
    signed_ok(fake_obs)
