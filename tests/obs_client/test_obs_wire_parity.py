# mypy: disable-error-code="import-untyped"
"""Operation by operation, our client sends the request the official SDK sends: same method, same request
target (path, sub-resources, parameters, in the same order), same signed string but for the Date line, same XML
body. Both run against the fake OBS, which checks each signature with the SDK's code; V2 path style on an IP
literal and OBS virtual-host style on a host name.

These captures are also where ``docs/obs-local-spec.md`` got its request shapes from.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from obs import (
    CompleteMultipartUploadRequest,
    CompletePart,
    DeleteObjectsRequest,
    GetObjectHeader,
    ListMultipartUploadsRequest,
    Object,
    PutObjectHeader,
)
from obs import ObsClient as SdkClient

from modelarts_pulumi.obs import ObsClient, PartInfo
from tests.obs_client.conftest import AK, SK
from tests.obs_client.fake_obs import FakeObs, Recorded

PART = b"p" * (100 * 1024)
KEY = "dir/a b+c é.txt"


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def signed_without_date(record: Recorded) -> list[str]:
    lines = record.signed.split("\n")
    return lines[:3] + lines[4:]  # VERB, Content-MD5, Content-Type, [Date], headers..., resource


Step = tuple[str, Callable[[SdkClient, dict[str, Any]], Any], Callable[[ObsClient, dict[str, Any]], Any]]


def _sdk_upload_id(sdk: SdkClient, state: dict[str, Any]) -> None:
    state["upload_id"] = sdk.initiateMultipartUpload("bkt", "big.txt", metadata={"content-sha256": "abc"}).body.uploadId


def _our_upload_id(ours: ObsClient, state: dict[str, Any]) -> None:
    state["upload_id"] = ours.initiate_multipart_upload("bkt", "big.txt", metadata={"content-sha256": "abc"})


def _sdk_part(sdk: SdkClient, state: dict[str, Any]) -> None:
    result = sdk.uploadPart("bkt", "big.txt", 1, state["upload_id"], object=PART, md5=md5_b64(PART))
    state["etag"] = result.body.etag


def _our_part(ours: ObsClient, state: dict[str, Any]) -> None:
    state["etag"] = ours.upload_part("bkt", "big.txt", state["upload_id"], 1, PART).etag


STEPS: list[Step] = [
    ("headBucket", lambda s, st: s.headBucket("bkt"), lambda o, st: o.head_bucket("bkt")),
    (
        "putObject",
        lambda s, st: s.putContent(
            "bkt", KEY, b"hello", metadata={"m1": "v1"}, headers=PutObjectHeader(md5=md5_b64(b"hello"))
        ),
        lambda o, st: o.put_object("bkt", KEY, b"hello", metadata={"m1": "v1"}),
    ),
    (
        "listObjects",
        lambda s, st: s.listObjects("bkt", prefix="dir/", marker="dir/0", max_keys=100, delimiter="/"),
        lambda o, st: o.list_objects("bkt", prefix="dir/", marker="dir/0", max_keys=100, delimiter="/"),
    ),
    (
        "getObject",
        lambda s, st: s.getObject("bkt", KEY, headers=GetObjectHeader(range="0-4"), loadStreamInMemory=True),
        lambda o, st: o.get_object("bkt", KEY, byte_range=(0, 4)),
    ),
    ("headObject", lambda s, st: s.getObjectMetadata("bkt", KEY), lambda o, st: o.head_object("bkt", KEY)),
    (
        "copyObject",
        lambda s, st: s.copyObject("bkt", KEY, "bkt", "dir/copy.txt"),
        lambda o, st: o.copy_object("bkt", KEY, "bkt", "dir/copy.txt"),
    ),
    (
        "deleteObjects",
        lambda s, st: s.deleteObjects(
            "bkt", DeleteObjectsRequest(quiet=False, objects=[Object(key="dir/copy.txt"), Object(key="x&y<z")])
        ),
        lambda o, st: o.delete_objects("bkt", ["dir/copy.txt", "x&y<z"]),
    ),
    ("deleteObject", lambda s, st: s.deleteObject("bkt", KEY), lambda o, st: o.delete_object("bkt", KEY)),
    ("initiateMultipartUpload", _sdk_upload_id, _our_upload_id),
    ("uploadPart", _sdk_part, _our_part),
    (
        "listParts",
        lambda s, st: s.listParts("bkt", "big.txt", st["upload_id"], maxParts=2, partNumberMarker=0),
        lambda o, st: o.list_parts("bkt", "big.txt", st["upload_id"], max_parts=2, part_number_marker=0),
    ),
    (
        "completeMultipartUpload",
        lambda s, st: s.completeMultipartUpload(
            "bkt", "big.txt", st["upload_id"], CompleteMultipartUploadRequest([CompletePart(1, st["etag"])])
        ),
        lambda o, st: o.complete_multipart_upload(
            "bkt", "big.txt", st["upload_id"], [PartInfo(1, st["etag"].strip('"'))]
        ),
    ),
    ("initiate (for abort)", _sdk_upload_id, _our_upload_id),
    (
        "listMultipartUploads",
        lambda s, st: s.listMultipartUploads("bkt", ListMultipartUploadsRequest(prefix="big")),
        lambda o, st: list(o.iter_multipart_uploads("bkt", prefix="big")),
    ),
    (
        "abortMultipartUpload",
        lambda s, st: s.abortMultipartUpload("bkt", "big.txt", st["upload_id"]),
        lambda o, st: o.abort_multipart_upload("bkt", "big.txt", st["upload_id"]),
    ),
]


def capture(fake: FakeObs, run: Callable[[], Any]) -> Recorded:
    before = len(fake.requests)
    run()
    new = [r for r in fake.requests[before:] if "apiversion" not in r.target]
    assert len(new) == 1, [r.target for r in new]
    assert 200 <= new[0].status < 300, (new[0].method, new[0].target, new[0].status)
    return new[0]


@pytest.mark.parametrize("style", ["v2", "obs"])
def test_each_operation_sends_what_the_sdk_sends(style: str, fake_obs: FakeObs, vhost_dns: None, sleeps):
    server = fake_obs.url if style == "v2" else fake_obs.vhost_url
    sdk = SdkClient(AK, SK, server=server)  # OBS style: the SDK negotiates (HEAD /?apiversion) and signs OBS
    from tests.obs_client.conftest import make_settings

    ours = ObsClient(make_settings(), endpoint=server)
    sdk_state: dict[str, Any] = {}
    our_state: dict[str, Any] = {}
    for name, sdk_call, our_call in STEPS:
        theirs = capture(fake_obs, lambda: sdk_call(sdk, sdk_state))  # noqa: B023 - called right away
        mine = capture(fake_obs, lambda: our_call(ours, our_state))  # noqa: B023
        assert theirs.style == mine.style == style, name
        assert mine.method == theirs.method, name
        # The same target, but for the upload id each side got.
        assert mine.target.replace(our_state.get("upload_id", "-"), "ID") == theirs.target.replace(
            sdk_state.get("upload_id", "-"), "ID"
        ), name
        assert signed_without_date(mine) == [
            line.replace(sdk_state.get("upload_id", "-"), our_state.get("upload_id", "-"))
            for line in signed_without_date(theirs)
        ], name
        assert mine.body.replace(our_state.get("upload_id", "-").encode(), b"") == theirs.body.replace(
            sdk_state.get("upload_id", "-").encode(), b""
        ), name
        assert mine.host == theirs.host, name
    ours.close()
    sdk.close()
