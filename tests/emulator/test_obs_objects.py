# mypy: disable-error-code="import-untyped"
"""The local OBS's object API, driven by the official OBS SDK (esdk-obs-python, unchanged) on the OBS port: PUT,
GET (ranges, conditions), HEAD, DELETE, copy, multi-object delete, listings, buckets, digests and size limits,
and objects as the files of the bucket folder (what a job reads and writes)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import socket
import threading
import time
from pathlib import Path

import pytest
from obs import (
    CopyObjectHeader,
    DeleteObjectsRequest,
    GetObjectHeader,
    GetObjectRequest,
    Object,
    PutObjectHeader,
)
from obs.auth import Authentication
from obs.convertor import Adapter

from tests.emulator.obs_helpers import BUCKET, MAX_PUT_BYTES, ObsLocal, md5_b64, md5_hex, signed, xml_fields
from tests.support.constants import ACCESS_KEY, DOMAIN_ID, SECRET_KEY


def put(obs: ObsLocal, key: str, data: bytes, **kwargs: object) -> str:
    result = obs.sdk().putContent(BUCKET, key, data, **kwargs)
    assert result.status == 200, (result.errorCode, result.errorMessage)
    return str(result.body.etag)


def get(obs: ObsLocal, key: str, **kwargs: object) -> bytes:
    result = obs.sdk().getObject(BUCKET, key, loadStreamInMemory=True, **kwargs)
    assert result.status in (200, 206), (result.status, result.errorCode)
    return bytes(result.body.buffer)


# --- objects ------------------------------------------------------------------------------------------------


def test_an_uploaded_object_is_the_file_a_job_reads(obs_local: ObsLocal):
    data = b"print('training')\n"
    etag = put(
        obs_local,
        "code/train.py",
        data,
        metadata={"owner": "équipe a"},
        headers=PutObjectHeader(contentType="text/x-python"),
    )
    assert etag == f'"{md5_hex(data)}"'
    assert (obs_local.bucket_dir / "code" / "train.py").read_bytes() == data  # exactly there, nothing else
    assert sorted(p.name for p in obs_local.bucket_dir.iterdir()) == ["code"]

    assert get(obs_local, "code/train.py") == data
    meta = obs_local.sdk().getObjectMetadata(BUCKET, "code/train.py")
    assert (meta.status, meta.body.etag, meta.body.contentLength) == (200, etag, len(data))
    assert meta.body.contentType == "text/x-python"
    assert ("owner", "équipe a") in meta.header  # the SDK %-quotes it on the way in, and decodes it on the way out
    raw = signed(obs_local, "HEAD", BUCKET, "code/train.py")
    assert raw.headers["x-amz-meta-owner"] == "%C3%A9quipe a"  # stored as it was sent

    unknown_type = obs_local.sdk().putContent(BUCKET, "data/blob.bin", b"\x00\x01")
    assert unknown_type.status == 200
    assert obs_local.sdk().getObjectMetadata(BUCKET, "data/blob.bin").body.contentType == "binary/octet-stream"

    assert obs_local.sdk().deleteObject(BUCKET, "data/blob.bin").status == 204
    assert obs_local.sdk().deleteObject(BUCKET, "data/blob.bin").status == 204  # missing: deleted all the same
    assert not (obs_local.bucket_dir / "data").exists()  # the folder it left empty went too (OBS has none)


def test_keys_with_spaces_plus_and_unicode(obs_local: ObsLocal):
    key = "dir/a b+c é 训练~.txt"
    put(obs_local, key, b"odd key")
    assert (obs_local.bucket_dir / key).read_bytes() == b"odd key"
    assert get(obs_local, key) == b"odd key"
    listed = obs_local.sdk().listObjects(BUCKET, prefix="dir/")
    assert [c.key for c in listed.body.contents] == [key]
    assert obs_local.sdk().deleteObject(BUCKET, key).status == 204


def test_metadata_comes_back_in_the_request_style(obs_local: ObsLocal):
    body = b"styled"
    v2 = signed(obs_local, "PUT", BUCKET, "meta/v2.txt", headers={"x-amz-meta-color": "blue"}, body=body)
    assert v2.status_code == 200 and v2.headers["ETag"] == f'"{md5_hex(body)}"'
    obs_style = signed(
        obs_local, "PUT", BUCKET, "meta/obs.txt", style="obs", headers={"x-obs-meta-shape": "round"}, body=body
    )
    assert obs_style.status_code == 200

    as_v2 = signed(obs_local, "HEAD", BUCKET, "meta/obs.txt")
    assert as_v2.headers["x-amz-meta-shape"] == "round" and "x-obs-meta-shape" not in as_v2.headers
    as_obs = signed(obs_local, "GET", BUCKET, "meta/v2.txt", style="obs")
    assert as_obs.headers["x-obs-meta-color"] == "blue" and "x-amz-meta-color" not in as_obs.headers
    assert as_obs.content == body
    for answer in (v2, obs_style, as_v2, as_obs):
        assert answer.headers["Server"] == "OBS" and answer.headers["x-obs-id-2"]
        assert len(answer.headers["x-obs-request-id"]) == 32


def test_ranges(obs_local: ObsLocal):
    data = bytes(range(200))
    etag = put(obs_local, "ranges/r.bin", data)

    def ranged(spec: str) -> tuple[int, bytes, str | None]:
        result = obs_local.sdk().getObject(
            BUCKET, "ranges/r.bin", loadStreamInMemory=True, headers=GetObjectHeader(range=spec)
        )
        header = dict(result.header)
        return result.status, bytes(result.body.buffer) if result.status < 300 else b"", header.get("content-range")

    assert ranged("0-4") == (206, data[:5], "bytes 0-4/200")
    assert ranged("190-") == (206, data[190:], "bytes 190-199/200")
    assert ranged("-3") == (206, data[-3:], "bytes 197-199/200")
    assert ranged("150-1000") == (206, data[150:], "bytes 150-199/200")  # the end is clipped
    assert ranged("garbage") == (200, data, None)  # an unparsable range is ignored
    assert ranged("5-2") == (200, data, None)  # so is a backwards one

    refused = obs_local.sdk().getObject(BUCKET, "ranges/r.bin", headers=GetObjectHeader(range="200-"))
    assert (refused.status, refused.errorCode) == (416, "InvalidRange")
    ranged_etag = signed(obs_local, "GET", BUCKET, "ranges/r.bin", headers={"Range": "bytes=1-2"})
    assert ranged_etag.headers["ETag"] == etag  # the whole object's


def test_conditions_and_response_overrides(obs_local: ObsLocal):
    etag = put(obs_local, "cond/c.txt", b"conditional")
    sdk = obs_local.sdk()
    assert sdk.getObject(BUCKET, "cond/c.txt", headers=GetObjectHeader(if_match=etag)).status == 200
    failed = sdk.getObject(BUCKET, "cond/c.txt", headers=GetObjectHeader(if_match='"0000"'))
    assert (failed.status, failed.errorCode) == (412, "PreconditionFailed")
    assert sdk.getObject(BUCKET, "cond/c.txt", headers=GetObjectHeader(if_none_match=etag)).status == 304
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    assert sdk.getObject(BUCKET, "cond/c.txt", headers=GetObjectHeader(if_modified_since=later)).status == 304

    overridden = sdk.getObject(
        BUCKET,
        "cond/c.txt",
        loadStreamInMemory=True,
        getObjectRequest=GetObjectRequest(content_type="text/x-test", content_disposition="attachment; name=c"),
    )
    headers = dict(overridden.header)
    assert (headers["content-type"], headers["content-disposition"]) == ("text/x-test", "attachment; name=c")


def test_copy_keeps_the_etag_and_copies_or_replaces_metadata(obs_local: ObsLocal):
    etag = put(obs_local, "copy/src.txt", b"copy me", metadata={"m": "1"})
    sdk = obs_local.sdk()
    copied = sdk.copyObject(BUCKET, "copy/src.txt", BUCKET, "copy/dst.txt")
    assert (copied.status, copied.body.etag) == (200, etag)
    assert ("m", "1") in sdk.getObjectMetadata(BUCKET, "copy/dst.txt").header
    assert (obs_local.bucket_dir / "copy" / "dst.txt").read_bytes() == b"copy me"

    replaced = sdk.copyObject(
        BUCKET,
        "copy/src.txt",
        BUCKET,
        "copy/new.txt",
        metadata={"n": "2"},
        headers=CopyObjectHeader(directive="REPLACE"),
    )
    assert replaced.status == 200
    header = sdk.getObjectMetadata(BUCKET, "copy/new.txt").header
    assert ("n", "2") in header and ("m", "1") not in header

    missing = sdk.copyObject(BUCKET, "copy/none.txt", BUCKET, "copy/x.txt")
    assert (missing.status, missing.errorCode) == (404, "NoSuchKey")
    no_bucket = sdk.copyObject("no-such-bucket", "a", BUCKET, "copy/x.txt")
    assert (no_bucket.status, no_bucket.errorCode) == (404, "NoSuchBucket")
    assert not (obs_local.bucket_dir / "copy" / "x.txt").exists()


def test_multi_object_delete(obs_local: ObsLocal):
    for key in ("multi/a.txt", "multi/x&y<z.txt", "multi/keep.txt"):
        put(obs_local, key, key.encode())
    sdk = obs_local.sdk()
    request = DeleteObjectsRequest(quiet=False, objects=[Object(key="multi/a.txt"), Object(key="multi/x&y<z.txt")])
    request.objects.append(Object(key="multi/never-there.txt"))
    result = sdk.deleteObjects(BUCKET, request)
    assert result.status == 200
    assert sorted(d.key for d in result.body.deleted) == ["multi/a.txt", "multi/never-there.txt", "multi/x&y<z.txt"]
    assert sorted(p.name for p in (obs_local.bucket_dir / "multi").iterdir()) == ["keep.txt"]

    quiet = sdk.deleteObjects(BUCKET, DeleteObjectsRequest(quiet=True, objects=[Object(key="multi/keep.txt")]))
    assert quiet.status == 200 and not quiet.body.deleted and not quiet.body.error
    assert not (obs_local.bucket_dir / "multi").exists()

    body = b"<Delete><Object><Key>multi/a.txt</Key></Object></Delete>"
    no_md5 = signed(obs_local, "POST", BUCKET, query={"delete": None}, body=body)
    assert (no_md5.status_code, xml_fields(no_md5.content)["Code"]) == (400, "InvalidRequest")
    wrong_md5 = signed(
        obs_local, "POST", BUCKET, query={"delete": None}, body=body, headers={"Content-MD5": md5_b64(b"x")}
    )
    assert (wrong_md5.status_code, xml_fields(wrong_md5.content)["Code"]) == (400, "BadDigest")
    for bad in (b"<Delete><Object>", b"<Other/>", b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1001 + b"</Delete>"):
        malformed = signed(
            obs_local, "POST", BUCKET, query={"delete": None}, body=bad, headers={"Content-MD5": md5_b64(bad)}
        )
        assert (malformed.status_code, xml_fields(malformed.content)["Code"]) == (400, "MalformedXML")


# --- listings -----------------------------------------------------------------------------------------------

LISTED_KEYS = ["a.txt", "a/b.txt", "a/c/d.txt", "a/c/e.txt", "a0", "b/e.txt", "dir with space/f.txt", "z-last"]


def expected_listing(
    keys: list[str], *, prefix: str, marker: str, delimiter: str, max_keys: int
) -> tuple[list[str], list[str], bool, str | None]:
    """A plain reference: (keys, common prefixes, truncated, next marker) of one page."""
    entries: list[tuple[str, bool]] = []
    for key in sorted(keys):
        if not key.startswith(prefix):
            continue
        found = key.find(delimiter, len(prefix)) if delimiter else -1
        entry = (key[: found + len(delimiter)], True) if found >= 0 else (key, False)
        if entry[0] <= marker or (entries and entries[-1] == entry):
            continue
        entries.append(entry)
    page = entries[:max_keys]
    truncated = len(entries) > max_keys
    return (
        [name for name, is_prefix in page if not is_prefix],
        [name for name, is_prefix in page if is_prefix],
        truncated,
        page[-1][0] if truncated and page else None,
    )


@pytest.fixture(scope="module")
def listed_bucket(obs_local: ObsLocal) -> ObsLocal:
    created = obs_local.sdk().createBucket("listing-bucket")
    assert created.status == 200, created.errorCode
    for key in LISTED_KEYS:
        assert obs_local.sdk().putContent("listing-bucket", key, key.encode()).status == 200
    (obs_local.server.data_dir / "obs" / "listing-bucket" / "empty" / "folder").mkdir(parents=True)  # lists nothing
    return obs_local


@pytest.mark.parametrize("prefix", ["", "a", "a/", "a/c/", "d", "zz"])
@pytest.mark.parametrize("delimiter", ["", "/", ".", "e"])
@pytest.mark.parametrize("marker", ["", "a/b.txt", "a/", "a0"])
def test_listing_pages_match_the_reference(listed_bucket: ObsLocal, prefix: str, delimiter: str, marker: str):
    for max_keys in (1, 2, 1000):
        result = listed_bucket.sdk().listObjects(
            "listing-bucket",
            prefix=prefix or None,
            marker=marker or None,
            delimiter=delimiter or None,
            max_keys=max_keys,
        )
        assert result.status == 200
        body = result.body
        got = (
            [c.key for c in body.contents],
            [p.prefix for p in body.commonPrefixs],
            body.is_truncated,
            body.next_marker,
        )
        want = expected_listing(LISTED_KEYS, prefix=prefix, marker=marker, delimiter=delimiter, max_keys=max_keys)
        assert got == want, max_keys  # in key order, as OBS lists


def test_paging_with_markers_lists_everything_once(listed_bucket: ObsLocal):
    for delimiter in (None, "/"):
        seen: list[str] = []
        marker = None
        while True:
            page = (
                listed_bucket.sdk().listObjects("listing-bucket", marker=marker, max_keys=2, delimiter=delimiter).body
            )
            names = [c.key for c in page.contents] + [p.prefix for p in page.commonPrefixs]
            assert len(names) <= 2
            seen += names
            if not page.is_truncated:
                break
            marker = page.next_marker
        want = expected_listing(LISTED_KEYS, prefix="", marker="", delimiter=delimiter or "", max_keys=1000)
        assert sorted(seen) == sorted(want[0] + want[1])


def test_listing_details(listed_bucket: ObsLocal):
    contents = listed_bucket.sdk().listObjects("listing-bucket", prefix="a/c/").body.contents
    assert [(c.key, c.size, c.etag, c.storageClass) for c in contents] == [
        (key, len(key), f'"{md5_hex(key.encode())}"', "STANDARD") for key in ("a/c/d.txt", "a/c/e.txt")
    ]
    assert contents[0].owner.owner_id == DOMAIN_ID
    encoded = signed(listed_bucket, "GET", "listing-bucket", query={"prefix": "dir ", "encoding-type": "url"})
    assert b"<Key>dir%20with%20space/f.txt</Key>" in encoded.content
    assert b"<EncodingType>url</EncodingType>" in encoded.content
    bad = signed(listed_bucket, "GET", "listing-bucket", query={"max-keys": "many"})
    assert (bad.status_code, xml_fields(bad.content)["Code"]) == (400, "InvalidArgument")


# --- buckets ------------------------------------------------------------------------------------------------


def test_buckets_exist_only_when_mapped_or_created(obs_local: ObsLocal):
    sdk = obs_local.sdk()
    missing = sdk.putContent("never-created", "k.txt", b"x")
    assert (missing.status, missing.errorCode) == (404, "NoSuchBucket")
    assert xml_fields(missing.body.encode())["BucketName"] == "never-created"
    assert not (obs_local.server.data_dir / "obs" / "never-created").exists()  # not created by a PUT
    assert sdk.headBucket("never-created").status == 404
    assert sdk.listObjects("never-created").errorCode == "NoSuchBucket"

    assert sdk.headBucket(BUCKET).status == 200
    assert sdk.createBucket("made-here").status == 200
    assert (obs_local.server.data_dir / "obs" / "made-here").is_dir()
    again = sdk.createBucket("made-here")
    assert (again.status, again.errorCode) == (409, "BucketAlreadyOwnedByYou")
    bad_name = sdk.createBucket("Bad_Name")
    assert (bad_name.status, bad_name.errorCode) == (400, "InvalidBucketName")
    names = [b.name for b in sdk.listBuckets().body.buckets]
    assert {BUCKET, "made-here"} <= set(names)

    assert sdk.putContent("made-here", "k.txt", b"x").status == 200
    not_empty = sdk.deleteBucket("made-here")
    assert (not_empty.status, not_empty.errorCode) == (409, "BucketNotEmpty")
    assert sdk.deleteObject("made-here", "k.txt").status == 204
    assert sdk.deleteBucket("made-here").status == 204
    assert sdk.headBucket("made-here").status == 404
    mapped = sdk.deleteBucket(BUCKET)
    assert (mapped.status, mapped.errorCode) == (403, "AccessDenied")


# --- digests, sizes, keys -------------------------------------------------------------------------------------


def test_content_md5_is_checked(obs_local: ObsLocal):
    sdk = obs_local.sdk()
    good = sdk.putContent(BUCKET, "md5/ok.txt", b"abc", headers=PutObjectHeader(md5=md5_b64(b"abc")))
    assert good.status == 200
    mismatch = sdk.putContent(BUCKET, "md5/bad.txt", b"abc", headers=PutObjectHeader(md5=md5_b64(b"abd")))
    assert (mismatch.status, mismatch.errorCode) == (400, "BadDigest")
    malformed = sdk.putContent(BUCKET, "md5/bad.txt", b"abc", headers=PutObjectHeader(md5="not-base64!"))
    assert (malformed.status, malformed.errorCode) == (400, "InvalidDigest")
    short = sdk.putContent(BUCKET, "md5/bad.txt", b"abc", headers=PutObjectHeader(md5="AAAA"))
    assert (short.status, short.errorCode) == (400, "InvalidDigest")
    assert not (obs_local.bucket_dir / "md5" / "bad.txt").exists()
    assert sorted(p.name for p in (obs_local.bucket_dir / "md5").iterdir()) == ["ok.txt"]


def test_single_puts_above_the_limit_are_refused(obs_local: ObsLocal):
    sdk = obs_local.sdk()
    assert sdk.putContent(BUCKET, "size/max.bin", b"m" * MAX_PUT_BYTES).status == 200
    over = sdk.putContent(BUCKET, "size/over.bin", b"o" * (MAX_PUT_BYTES + 1))
    assert (over.status, over.errorCode) == (400, "EntityTooLarge")
    fields = xml_fields(over.body.encode())
    assert (fields["ProposedSize"], fields["MaxSizeAllowed"]) == (str(MAX_PUT_BYTES + 1), str(MAX_PUT_BYTES))
    # A body of unknown length (chunked) is counted as it arrives.
    chunked = sdk.putContent(BUCKET, "size/chunked.bin", io.BytesIO(b"c" * (MAX_PUT_BYTES + 10)))
    assert (chunked.status, chunked.errorCode) == (400, "EntityTooLarge")
    small_chunked = sdk.putContent(BUCKET, "size/small-chunked.bin", io.BytesIO(b"s" * 70_000))
    assert small_chunked.status == 200
    assert (obs_local.bucket_dir / "size" / "small-chunked.bin").read_bytes() == b"s" * 70_000
    assert sorted(p.name for p in (obs_local.bucket_dir / "size").iterdir()) == ["max.bin", "small-chunked.bin"]


def test_keys_that_cannot_be_files(obs_local: ObsLocal):
    sdk = obs_local.sdk()
    put(obs_local, "shape/file", b"a file")
    for key in ("shape/folder/", "shape//double", "shape/file/below", "shape"):
        refused = sdk.putContent(BUCKET, key, b"x")
        assert (refused.status, refused.errorCode) == (400, "InvalidArgument"), key
    too_long = sdk.putContent(BUCKET, "k" * 1025, b"x")
    assert (too_long.status, too_long.errorCode) == (400, "KeyTooLongError")
    for key in ("shape/folder/", "shape", "shape/file/below"):
        missing = sdk.getObject(BUCKET, key)
        assert (missing.status, missing.errorCode) == (404, "NoSuchKey"), key
    assert sdk.getObjectMetadata(BUCKET, "shape/none").status == 404  # HEAD: no body, no code


# --- the bucket folder: files changed by other means, atomic writes ---------------------------------------------


def test_files_written_on_disk_list_and_download_with_their_md5(obs_local: ObsLocal):
    outputs = obs_local.bucket_dir / "outputs" / "job-1"
    outputs.mkdir(parents=True)
    (outputs / "model.bin").write_bytes(b"weights v1")
    listed = obs_local.sdk().listObjects(BUCKET, prefix="outputs/").body.contents
    assert [(c.key, c.etag, c.size) for c in listed] == [("outputs/job-1/model.bin", f'"{md5_hex(b"weights v1")}"', 10)]
    assert get(obs_local, "outputs/job-1/model.bin") == b"weights v1"

    (outputs / "model.bin").write_bytes(b"weights v2")  # same size, rewritten in place by the job
    head = obs_local.sdk().getObjectMetadata(BUCKET, "outputs/job-1/model.bin")
    assert head.body.etag == f'"{md5_hex(b"weights v2")}"'

    etag = put(obs_local, "outputs/job-1/log.txt", b"uploaded", metadata={"kind": "log"})
    assert ("kind", "log") in obs_local.sdk().getObjectMetadata(BUCKET, "outputs/job-1/log.txt").header
    (outputs / "log.txt").write_bytes(b"replaced!")  # by the job: another object now
    meta = obs_local.sdk().getObjectMetadata(BUCKET, "outputs/job-1/log.txt")
    assert meta.body.etag == f'"{md5_hex(b"replaced!")}"' != etag
    assert meta.body.contentType == "binary/octet-stream" and ("kind", "log") not in meta.header

    (outputs / "model.bin").unlink()
    assert obs_local.sdk().getObject(BUCKET, "outputs/job-1/model.bin").errorCode == "NoSuchKey"
    (obs_local.bucket_dir / "outputs" / "link").symlink_to(outputs / "log.txt")
    keys = [c.key for c in obs_local.sdk().listObjects(BUCKET, prefix="outputs/").body.contents]
    assert keys == ["outputs/job-1/log.txt"]  # links are no objects
    assert obs_local.sdk().getObject(BUCKET, "outputs/link").errorCode == "NoSuchKey"


def test_concurrent_puts_of_one_key_leave_a_consistent_object(obs_local: ObsLocal):
    bodies = [bytes([i]) * (1000 + i) for i in range(8)]
    threads = [threading.Thread(target=put, args=(obs_local, "race/k.bin", body)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    on_disk = (obs_local.bucket_dir / "race" / "k.bin").read_bytes()
    assert on_disk in bodies
    assert obs_local.sdk().getObjectMetadata(BUCKET, "race/k.bin").body.etag == f'"{md5_hex(on_disk)}"'


def test_an_interrupted_upload_leaves_nothing_visible(obs_local: ObsLocal):
    headers = {"Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()), "Content-Length": "100000"}
    auth = Authentication(ACCESS_KEY, SECRET_KEY, True, Adapter("v2"), "", False)
    signature = auth.getSignature("PUT", BUCKET, "cut/half.bin", {}, headers)["Signature"]
    request = (
        f"PUT /{BUCKET}/cut/half.bin HTTP/1.1\r\nHost: 127.0.0.1:{obs_local.port}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        + f"Authorization: AWS {ACCESS_KEY}:{signature}\r\n\r\n"
    ).encode() + b"h" * 40_000
    with socket.create_connection(("127.0.0.1", obs_local.port), timeout=10) as sock:
        sock.sendall(request)
        time.sleep(0.3)  # part of the body is in; then the client goes away
    deadline = time.monotonic() + 5
    staging = obs_local.server.data_dir / "obs-work" / "staging"
    while any(staging.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(staging.iterdir())  # the partial body was thrown away
    assert not (obs_local.bucket_dir / "cut").exists()
    assert obs_local.sdk().getObject(BUCKET, "cut/half.bin").errorCode == "NoSuchKey"


def test_a_big_object_round_trips_through_a_stream(obs_local: ObsLocal, tmp_path: Path):
    data = random.Random(7).randbytes(MAX_PUT_BYTES)
    put(obs_local, "big/one.bin", data)
    target = tmp_path / "one.bin"
    result = obs_local.sdk().getObject(BUCKET, "big/one.bin", downloadPath=str(target))
    assert result.status == 200
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert os.path.getsize(obs_local.bucket_dir / "big" / "one.bin") == len(data)
