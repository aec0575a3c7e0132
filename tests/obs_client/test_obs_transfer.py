"""Parallel transfers against the fake OBS: folder upload (single PUTs and multipart), skipping unchanged content,
faults during the upload, cleanup after a failure, and download of a prefix (with a resumed body)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from modelarts_pulumi.obs import (
    CONTENT_SHA256,
    ObsClient,
    ObsError,
    TransferConfig,
    TransferError,
    UploadItem,
    download_prefix,
    upload_files,
)
from tests.obs_client.fake_obs import FakeObs, Fault

KIB = 1024
SMALL_PARTS = TransferConfig(workers=4, part_size=100 * KIB, multipart_threshold=150 * KIB)


def make_tree(root: Path, seed: int = 7) -> dict[str, bytes]:
    """40 small files in nested folders and two files big enough for multipart (3 and 5 parts)."""
    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    for i in range(40):
        files[f"pkg{i % 4}/sub{i % 3}/file {i}.py"] = f"print({i})\n".encode() * rng.randint(1, 50)
    files["data/train.bin"] = rng.randbytes(250 * KIB)
    files["data/weights é.bin"] = rng.randbytes(450 * KIB + 17)
    files["empty.txt"] = b""
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def items_of(root: Path, prefix: str) -> list[UploadItem]:
    return [UploadItem(p, prefix + p.relative_to(root).as_posix()) for p in sorted(root.rglob("*")) if p.is_file()]


def writes(fake: FakeObs) -> list[str]:
    return [f"{r.method} {r.target}" for r in fake.requests if r.method in ("PUT", "POST")]


def test_upload_then_nothing_to_do_then_only_the_change(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    files = make_tree(tmp_path)
    fake_obs.latency = 0.02  # long enough for requests to overlap
    report = upload_files(client, "bkt", items_of(tmp_path, "code/v1/"), config=SMALL_PARTS)

    stored = fake_obs.buckets["bkt"]
    assert {key.removeprefix("code/v1/"): obj.data for key, obj in stored.items()} == files
    assert sorted(report.transferred) == sorted("code/v1/" + k for k in files) and report.skipped == []
    assert report.bytes_transferred == sum(len(d) for d in files.values())
    assert stored["code/v1/data/train.bin"].etag.endswith("-3")
    assert stored["code/v1/data/weights é.bin"].etag.endswith("-5")
    for key, obj in stored.items():
        assert obj.metadata[CONTENT_SHA256] == hashlib.sha256(obj.data).hexdigest(), key
    assert 1 < fake_obs.max_in_flight <= SMALL_PARTS.workers
    puts = [r for r in fake_obs.requests if r.method == "PUT"]
    assert all("Content-MD5" in r.headers for r in puts)

    fake_obs.requests.clear()
    again = upload_files(client, "bkt", items_of(tmp_path, "code/v1/"), config=SMALL_PARTS)
    assert again.transferred == [] and len(again.skipped) == len(files)
    assert writes(fake_obs) == []  # nothing uploaded when nothing changed
    assert sum(r.method == "HEAD" for r in fake_obs.requests) == 2  # the two multipart objects' hashes

    (tmp_path / "pkg1/sub1/file 1.py").write_text("print('changed')\n")
    (tmp_path / "data/train.bin").write_bytes(files["data/train.bin"][:-1] + b"!")  # same size, one byte
    fake_obs.requests.clear()
    changed = upload_files(client, "bkt", items_of(tmp_path, "code/v1/"), config=SMALL_PARTS)
    assert sorted(changed.transferred) == ["code/v1/data/train.bin", "code/v1/pkg1/sub1/file 1.py"]
    assert stored["code/v1/data/train.bin"].data.endswith(b"!")
    assert not any("weights" in w for w in writes(fake_obs))


def test_faults_during_the_upload_are_retried(
    client_factory: Callable[..., ObsClient], fake_obs: FakeObs, tmp_path: Path, sleeps
):
    client = client_factory("v2")
    files = make_tree(tmp_path)
    fake_obs.inject(Fault(lambda m, t: m == "PUT" and "partNumber=2" in t, status=503, times=2))
    fake_obs.inject(Fault(lambda m, t: m == "PUT" and "file%2010" in t, status=0))  # connection dropped
    fake_obs.inject(Fault(lambda m, t: m == "PUT" and "file%2011" in t, after=True))  # stored, answer lost
    fake_obs.inject(Fault(lambda m, t: m == "POST" and "uploadId" in t, status=500, code="InternalError"))
    upload_files(client, "bkt", items_of(tmp_path, "p/"), config=SMALL_PARTS)
    assert {k.removeprefix("p/"): o.data for k, o in fake_obs.buckets["bkt"].items()} == files
    assert fake_obs.uploads == {}
    assert len(sleeps) >= 5


def test_a_failure_aborts_open_uploads_and_names_the_file(
    client_factory: Callable[..., ObsClient], fake_obs: FakeObs, tmp_path: Path, sleeps
):
    client = client_factory("v2")
    make_tree(tmp_path)
    refuse = Fault(lambda m, t: m == "PUT" and "partNumber=3" in t, status=400, code="InvalidArgument", times=99)
    fake_obs.inject(refuse)
    with pytest.raises(TransferError) as info:
        upload_files(client, "bkt", items_of(tmp_path, "p/"), config=SMALL_PARTS)
    assert info.value.path is not None and info.value.path.name in ("train.bin", "weights é.bin")
    assert str(info.value.path) in str(info.value) and "InvalidArgument" in str(info.value)
    assert isinstance(info.value.__cause__, ObsError)
    assert fake_obs.uploads == {}  # every multipart upload that had begun was aborted
    stored = fake_obs.buckets["bkt"]
    assert "p/data/train.bin" not in stored and "p/data/weights é.bin" not in stored  # nothing half-made

    refuse.times = 0
    fake_obs.requests.clear()
    report = upload_files(client, "bkt", items_of(tmp_path, "p/"), config=SMALL_PARTS)
    assert set(report.skipped) == set(stored) - {
        "p/data/train.bin",
        "p/data/weights é.bin",
    }  # the next run completes it
    assert sorted(report.transferred) == ["p/data/train.bin", "p/data/weights é.bin"]


def test_an_unreadable_file_fails_the_upload_naming_it(
    client_factory: Callable[..., ObsClient], fake_obs: FakeObs, tmp_path: Path
):
    client = client_factory("v2")
    (tmp_path / "ok.txt").write_text("fine")
    (tmp_path / "not-a-file").mkdir()
    items = [UploadItem(tmp_path / "ok.txt", "a/ok.txt"), UploadItem(tmp_path / "not-a-file", "a/broken")]
    with pytest.raises(TransferError) as info:
        upload_files(client, "bkt", items)
    assert str(info.value).startswith(f"cannot read {tmp_path / 'not-a-file'}")
    (tmp_path / "big.bin").write_bytes(b"b" * 300 * KIB)
    gone = [UploadItem(tmp_path / "big.bin", "a/big.bin"), UploadItem(tmp_path / "gone.txt", "a/gone.txt")]
    fake_obs.requests.clear()
    with pytest.raises(TransferError, match=r"cannot read .*gone\.txt"):
        upload_files(client, "bkt", gone, config=SMALL_PARTS)
    assert writes(fake_obs) == []  # a missing file is found before anything is sent


def test_a_missing_bucket_and_duplicate_keys_are_clear_errors(client: ObsClient, tmp_path: Path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ObsError) as info:
        upload_files(client, "no-such-bucket", [UploadItem(tmp_path / "f", "k")])
    assert info.value.code == "NoSuchBucket"
    with pytest.raises(ValueError, match="same object key: k"):
        upload_files(client, "bkt", [UploadItem(tmp_path / "f", "k"), UploadItem(tmp_path / "f", "k")])


def test_download_a_prefix(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    files = make_tree(tmp_path / "src")
    upload_files(client, "bkt", items_of(tmp_path / "src", "out/job-1/"), config=SMALL_PARTS)
    fake_obs.put("bkt", "out/job-1/folder/", b"")  # a folder marker is not a file
    fake_obs.put("bkt", "out/job-10/other.txt", b"not under the prefix")

    report = download_prefix(client, "bkt", "out/job-1/", tmp_path / "dest", config=SMALL_PARTS)
    got = {
        p.relative_to(tmp_path / "dest").as_posix(): p.read_bytes()
        for p in (tmp_path / "dest").rglob("*")
        if p.is_file()
    }
    assert got == files
    assert report.bytes_transferred == sum(len(d) for d in files.values())


def test_a_download_cut_short_is_resumed_with_a_range(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    data = random.Random(3).randbytes(300 * KIB)
    fake_obs.put("bkt", "res/model.bin", data)
    fake_obs.inject(Fault(lambda m, t: m == "GET" and "model.bin" in t, truncate=100 * KIB))
    download_prefix(client, "bkt", "res/", tmp_path)
    assert (tmp_path / "model.bin").read_bytes() == data
    gets = [r for r in fake_obs.requests if r.method == "GET" and "model.bin" in r.target]
    assert len(gets) == 2 and gets[1].headers["Range"].startswith("bytes=") and gets[1].headers["If-Match"]
    assert list(tmp_path.glob(".*part")) == []


def test_a_key_leaving_the_destination_is_refused(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    fake_obs.put("bkt", "evil/..x/../../../escape.txt", b"nope")  # stored by someone else; never written
    with pytest.raises(TransferError, match="outside"):
        download_prefix(client, "bkt", "evil/", tmp_path / "dest")
    assert not (tmp_path / "escape.txt").exists()
