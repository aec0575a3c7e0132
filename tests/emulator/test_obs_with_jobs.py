"""The local OBS as the provider uses it: our client (``modelarts_pulumi.obs``) round-trips a folder through it,
skipping what is unchanged, and a local-mode training job runs the code and reads the data uploaded through it,
its outputs listed and downloaded through it with their true MD5s."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelarts_pulumi.obs import ObsClient, TransferConfig, UploadItem, download_prefix, upload_files
from modelarts_pulumi.settings import Settings
from tests.emulator.obs_helpers import BUCKET, OBS_CONFIG, ObsLocal, md5_hex
from tests.support.bodies import PYTORCH, unique
from tests.support.constants import ACCESS_KEY, SECRET_KEY
from tests.support.server import FAST_LOCAL

SMALL_PARTS = TransferConfig(workers=4, part_size=100 * 1024, multipart_threshold=150 * 1024)

TRAIN_PY = """\
import argparse, pathlib
parser = argparse.ArgumentParser()
parser.add_argument("--data_url")
parser.add_argument("--train_url")
parser.add_argument("--greeting")
args, _ = parser.parse_known_args()
text = (pathlib.Path(args.data_url) / "input.txt").read_text()
out = pathlib.Path(args.train_url)
(out / "result.txt").write_text(f"{args.greeting}: {text.upper()}")
(out / "nested").mkdir(exist_ok=True)
(out / "nested" / "n.bin").write_bytes(bytes(range(256)) * 3)
"""


def client_for(url: str) -> ObsClient:
    settings = Settings.from_config(
        {"region": "cn-north-4", "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY, "maxRetries": "2"}, env={}
    )
    return ObsClient(settings, endpoint=url)


def tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def client(obs_local: ObsLocal) -> Iterator[ObsClient]:
    with client_for(obs_local.url) as made:
        yield made


def test_our_client_round_trips_a_folder(obs_local: ObsLocal, client: ObsClient, tmp_path: Path):
    source = tmp_path / "source"
    rng = random.Random(1)
    files = {
        "train.py": b"print('hi')\n",
        "pkg/__init__.py": b"",
        "pkg/util module.py": "é = 1\n".encode(),
        "data/big.bin": rng.randbytes(350 * 1024),  # multipart with these settings
        "data/deep/er/x.csv": b"a,b\n1,2\n",
    }
    for name, data in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    items = [UploadItem(source / name, f"round/v1/{name}") for name in files]

    first = upload_files(client, BUCKET, items, config=SMALL_PARTS)
    assert sorted(first.transferred) == sorted(item.key for item in items) and not first.skipped
    assert tree(obs_local.bucket_dir / "round" / "v1") == tree(source)  # the bucket folder is the folder

    again = upload_files(client, BUCKET, items, config=SMALL_PARTS)
    assert not again.transferred and sorted(again.skipped) == sorted(item.key for item in items)

    (source / "train.py").write_bytes(b"print('changed')\n")
    changed = upload_files(client, BUCKET, items, config=SMALL_PARTS)
    assert changed.transferred == ["round/v1/train.py"]

    report = download_prefix(client, BUCKET, "round/v1/", tmp_path / "back", config=SMALL_PARTS)
    assert sorted(report.transferred) == sorted(item.key for item in items)
    assert tree(tmp_path / "back") == tree(source)

    deleted = client.delete_objects(BUCKET, [item.key for item in items])
    assert not deleted.failures and sorted(deleted.deleted) == sorted(item.key for item in items)
    assert not (obs_local.bucket_dir / "round").exists()  # nothing left behind, not even folders


def test_a_local_job_runs_what_was_uploaded_and_its_outputs_come_back(start_local_modelarts, tmp_path: Path):
    bucket_dir = tmp_path / "bucket"
    bucket_dir.mkdir()
    server = start_local_modelarts(
        mode="local", config={"local": FAST_LOCAL, **OBS_CONFIG}, buckets={BUCKET: bucket_dir}
    )
    source = tmp_path / "project"
    (source / "code").mkdir(parents=True)
    (source / "data").mkdir()
    (source / "code" / "train.py").write_text(TRAIN_PY)
    (source / "data" / "input.txt").write_text("uploaded through obs")
    with client_for(server.obs_url) as client:
        items = [UploadItem(source / "code" / "train.py", "proj/code/train.py")]
        items.append(UploadItem(source / "data" / "input.txt", "proj/data/input.txt"))
        upload_files(client, BUCKET, items)

        name = unique("obs-job")
        body = {
            "kind": "job",
            "metadata": {"name": name},
            "algorithm": {
                "code_dir": f"/{BUCKET}/proj/code/",
                "boot_file": f"/{BUCKET}/proj/code/train.py",
                "engine": {"engine_name": "PyTorch", "engine_version": PYTORCH},
                "parameters": [{"name": "greeting", "value": "hello"}],
                "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": f"obs://{BUCKET}/proj/data/"}}}],
                "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": f"obs://{BUCKET}/proj/out/"}}}],
            },
            "spec": {"resource": {"flavor_id": "modelarts.vm.cpu.8u", "node_count": 1}},
        }
        created = server.call("POST", "/training-jobs", json=body)
        assert created.status_code == 201, created.text
        job = server.wait_for_phase(created.json()["metadata"]["id"], {"Completed", "Failed"}, timeout=60)
        assert job["status"]["phase"] == "Completed", job["status"]

        listed = {obj.key: obj for obj in client.iter_objects(BUCKET, prefix="proj/out/")}
        expected = {
            "proj/out/result.txt": b"hello: UPLOADED THROUGH OBS",
            "proj/out/nested/n.bin": bytes(range(256)) * 3,
        }
        assert sorted(listed) == sorted(expected)
        for key, data in expected.items():
            assert listed[key].etag == md5_hex(data) and listed[key].size == len(data)  # written by the job
        download_prefix(client, BUCKET, "proj/out/", tmp_path / "outputs")
    assert (tmp_path / "outputs" / "result.txt").read_bytes() == expected["proj/out/result.txt"]
    assert (tmp_path / "outputs" / "nested" / "n.bin").read_bytes() == expected["proj/out/nested/n.bin"]
