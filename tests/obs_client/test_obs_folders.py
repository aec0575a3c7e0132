"""Content-addressed folders in OBS against the fake OBS: put, shared by holders, let go by the last one, and
nothing left behind by a failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelarts_pulumi.obs import ObsClient, TransferError
from modelarts_pulumi.obs import folders as folders_module
from modelarts_pulumi.obs.folders import FolderError, FolderPlace, missing, publish, release
from tests.obs_client.fake_obs import FakeObs, Fault

PLACE = FolderPlace("bkt", "uploads/code/", "0123456789abcdef")
FILES = {"train.py": b"print('train')\n", "lib/util.py": b"X = 1\n"}


def local_files(root: Path) -> list[tuple[str, Path]]:
    out = []
    for relative, data in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        out.append((relative, path))
    return out


def refuse_put_of(name: str, status: int, code: str) -> Fault:
    return Fault(lambda method, target: method == "PUT" and name in target, status=status, code=code)


def keys(fake: FakeObs) -> set[str]:
    return set(fake.buckets["bkt"])


def test_holders_share_one_folder_and_the_last_one_removes_it(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    fake_obs.put("bkt", "keep/me.txt", b"not ours")
    files = local_files(tmp_path)
    first = publish(client, PLACE, files, holder="proj/dev/code", instance="i-1")
    assert sorted(first.transferred) == [PLACE.key("lib/util.py"), PLACE.key("train.py")]
    marker = PLACE.marker_key("proj/dev/code")
    assert marker.startswith("uploads/code/.holders/0123456789abcdef/")
    assert json.loads(fake_obs.buckets["bkt"][marker].data)["instance"] == "i-1"

    second = publish(client, PLACE, files, holder="proj/prod/code", instance="i-2")  # another stack, same content
    assert second.transferred == [] and len(second.skipped) == 2
    assert missing(client, PLACE, list(FILES), holder="proj/prod/code", instance="i-2") == []

    assert release(client, PLACE, list(FILES), holder="proj/dev/code", instance="i-1") is False
    assert {k for k in keys(fake_obs) if k.startswith("uploads/code/0123456789abcdef/")} == {
        "uploads/code/0123456789abcdef/lib/util.py",
        "uploads/code/0123456789abcdef/train.py",
    }
    assert release(client, PLACE, list(FILES), holder="proj/prod/code", instance="i-2") is True
    assert keys(fake_obs) == {"keep/me.txt"}


def test_a_folder_taken_over_by_a_newer_instance_is_kept(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    files = local_files(tmp_path)
    publish(client, PLACE, files, holder="proj/dev/code", instance="old")
    publish(client, PLACE, files, holder="proj/dev/code", instance="new")  # `up --replace`: created first
    assert release(client, PLACE, list(FILES), holder="proj/dev/code", instance="old") is False
    assert missing(client, PLACE, list(FILES), holder="proj/dev/code", instance="new") == []
    stale = missing(client, PLACE, list(FILES), holder="proj/dev/code", instance="old")
    assert stale == [PLACE.marker_key("proj/dev/code")]


def test_missing_names_what_is_gone(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    publish(client, PLACE, local_files(tmp_path), holder="h", instance="i")
    client.delete_object("bkt", PLACE.key("train.py"))
    assert missing(client, PLACE, list(FILES), holder="h", instance="i") == ["train.py"]
    client.delete_object("bkt", PLACE.marker_key("h"))
    assert missing(client, PLACE, list(FILES), holder="h", instance="i") == [PLACE.marker_key("h"), "train.py"]


def test_a_failed_upload_leaves_nothing_behind(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    files = local_files(tmp_path)
    fake_obs.inject(refuse_put_of("train.py", 400, "BadDigest"))
    with pytest.raises(TransferError, match=r"train\.py"):
        publish(client, PLACE, files, holder="h", instance="i")
    assert keys(fake_obs) == set()


def test_a_failure_next_to_another_holder_keeps_its_folder(client: ObsClient, fake_obs: FakeObs, tmp_path: Path):
    files = local_files(tmp_path)
    publish(client, PLACE, files, holder="other", instance="o")
    before = keys(fake_obs)
    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "train.py").write_bytes(b"other bytes")  # skip-unchanged does not match: it is sent, and refused
    fake_obs.inject(refuse_put_of("train.py", 403, "AccessDenied"))
    with pytest.raises(TransferError):
        publish(client, PLACE, [("train.py", changed / "train.py")], holder="mine", instance="m")
    assert keys(fake_obs) == before


def test_a_missing_bucket_is_named(client: ObsClient, tmp_path: Path):
    place = FolderPlace("no-such-bucket", "", "0123456789abcdef")
    with pytest.raises(FolderError, match="bucket: the OBS bucket 'no-such-bucket' does not exist at http"):
        publish(client, place, local_files(tmp_path), holder="h", instance="i")


def test_a_destination_inside_the_source_is_refused_before_any_upload(
    client: ObsClient, fake_obs: FakeObs, tmp_path: Path
):
    with pytest.raises(FolderError, match="would be inside the source"):
        publish(client, PLACE, local_files(tmp_path), holder="h", instance="i", inside_source=lambda: True)
    assert keys(fake_obs) == set()
    assert not [r for r in fake_obs.requests if r.method == "PUT" and PLACE.prefix + PLACE.name + "/" in r.target]


def test_files_deleted_during_the_upload_are_uploaded_again(
    client: ObsClient, fake_obs: FakeObs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    real = folders_module.upload_files
    calls: list[int] = []

    def racing(*args, **kwargs):  # a holder letting go at the same moment deletes one file behind us
        report = real(*args, **kwargs)
        if not calls:
            client.delete_object("bkt", PLACE.key("train.py"))
        calls.append(1)
        return report

    monkeypatch.setattr(folders_module, "upload_files", racing)
    publish(client, PLACE, local_files(tmp_path), holder="h", instance="i")
    assert len(calls) == 2
    assert fake_obs.buckets["bkt"][PLACE.key("train.py")].data == FILES["train.py"]


def test_the_last_holder_aborts_the_uploads_a_killed_run_left_open(
    client: ObsClient, fake_obs: FakeObs, tmp_path: Path
):
    publish(client, PLACE, local_files(tmp_path), holder="h", instance="i")
    left = client.initiate_multipart_upload("bkt", PLACE.key("weights.bin"))  # a run killed mid-upload
    elsewhere = client.initiate_multipart_upload("bkt", "other/weights.bin")
    assert [u.upload_id for u in client.iter_multipart_uploads("bkt", prefix=PLACE.key(""))] == [left]
    assert release(client, PLACE, list(FILES), holder="h", instance="i") is True
    assert [u.upload_id for u in client.iter_multipart_uploads("bkt")] == [elsewhere]  # only the folder's
