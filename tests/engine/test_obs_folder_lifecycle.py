"""ObsFolder through the real Pulumi CLI: the code and data of a stack, uploaded by content, and the chain a code
change sets off (folder replaced, algorithm updated in place, jobs replaced, ``code changed: <old> -> <new>`` in
the preview), then destroy leaving the bucket as it was.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from modelarts_pulumi.obs import ObsClient
from tests.engine.obs_stack import ObsBackend, backend, bucket_keys, open_uploads
from tests.engine.stack import job_gone, make_project, server_client, steps
from tests.support.programs import Program, code

pytestmark = pytest.mark.pulumi_cli

BUCKET = "folder-bucket"
PROGRAM = (
    Program(bucket=BUCKET)
    .line(
        'source = modelarts.ObsFolder("code", source="src", bucket=bucket, prefix="uploads/code/")',
        'data = modelarts.ObsFolder("data", source="data", bucket=bucket, prefix="uploads/data/", code_limits=False)',
    )
    .algorithm(code_dir=code("source.folder"), boot_file=code('source.file("train.py")'))
    .training_job(inputs={"data_url": code("data.folder")})
    .inline_job("inline", var="inline", code_dir=code("source.folder"), boot_file=code('source.file("train.py")'))
    .export(
        code_folder="source.folder",
        code_hash="source.content_hash",
        code_files="source.file_count",
        data_folder="data.folder",
        algorithm_id="algorithm.algorithm_id",
        job_id="job.job_id",
        inline_id="inline.job_id",
    )
    .text()
)


def write_sources(root: Path) -> None:
    (root / "src" / "lib").mkdir(parents=True)
    (root / "src" / "train.py").write_text("print('training')\n")
    (root / "src" / "lib" / "util.py").write_text("X = 1\n")
    (root / "src" / ".git").mkdir()
    (root / "src" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "src" / "__pycache__").mkdir()
    (root / "src" / "__pycache__" / "util.cpython-311.pyc").write_bytes(b"\0compiled")
    (root / "data").mkdir()
    (root / "data" / "train.csv").write_text("x,label\n1,0\n2,1\n")


def not_logs(client: ObsClient) -> set[str]:
    """What the bucket holds but for the jobs' logs (simulated jobs write logs, no outputs)."""
    return {key for key in bucket_keys(client, BUCKET) if not key.startswith("logs/")}


def code_dir_of(server: Any, algorithm_id: str) -> str | None:
    config = server_client(server).get_algorithm(algorithm_id).job_config
    return config.code_dir if config else None


def diagnostics(preview: dict[str, Any]) -> str:
    return "\n".join(str(d.get("message", "")) for d in preview.get("diagnostics") or [])


def test_a_code_change_replaces_the_folder_updates_the_algorithm_and_reruns_the_jobs(
    tmp_path: Path, local_modelarts: Any, obs_backend: ObsBackend
) -> None:
    client: ObsClient = obs_backend.client
    obs_backend.create_bucket(BUCKET)
    client.put_object(BUCKET, "keep/me.txt", b"there before")
    before = not_logs(client)

    project = make_project(tmp_path / "p", local_modelarts, PROGRAM)
    write_sources(project.directory)
    assert steps(project.preview_json()) == {
        "code": "create",
        "data": "create",
        "algo": "create",
        "job": "create",
        "inline": "create",
    }
    assert not_logs(client) == before  # nothing is uploaded at preview

    project.up()
    first = project.outputs()
    old_folder = first["code_folder"]
    assert old_folder == f"/{BUCKET}/uploads/code/{first['code_hash'][:16]}/"
    assert first["code_files"] == 2
    keys = not_logs(client)
    code_prefix = old_folder.removeprefix(f"/{BUCKET}/")
    assert {k for k in keys if k.startswith(code_prefix)} == {code_prefix + "train.py", code_prefix + "lib/util.py"}
    assert client.get_object(BUCKET, code_prefix + "train.py") == b"print('training')\n"
    markers = [k for k in keys if "/.holders/" in k]
    assert len(markers) == 2, keys  # one per folder
    assert code_dir_of(local_modelarts, first["algorithm_id"]) == old_folder

    # Unchanged content: no diff at all (and a file that only an exclude pattern matches does not count).
    (project.directory / "src" / "__pycache__" / "new.cpython-311.pyc").write_bytes(b"\0other")
    assert steps(project.preview_json()) == {}

    # One byte: the folder is replaced, the algorithm updated in place, both jobs run again.
    (project.directory / "src" / "train.py").write_text("print('training!')\n")
    preview = project.preview_json()
    assert steps(preview) == {"code": "replace", "algo": "update", "job": "replace", "inline": "replace"}
    text = diagnostics(preview)
    assert f"code changed: {old_folder} -> /{BUCKET}/uploads/code/" in text, text
    assert not_logs(client) == keys  # still nothing uploaded

    result = project.up()
    second = project.outputs()
    new_folder = second["code_folder"]
    assert new_folder != old_folder and second["algorithm_id"] == first["algorithm_id"]
    assert second["job_id"] != first["job_id"] and second["inline_id"] != first["inline_id"]
    assert second["data_folder"] == first["data_folder"]
    assert f"code changed: {old_folder} -> {new_folder}" in result.output
    keys = not_logs(client)
    assert not [k for k in keys if k.startswith(code_prefix)], "the old code folder is gone"
    new_prefix = new_folder.removeprefix(f"/{BUCKET}/")
    assert client.get_object(BUCKET, new_prefix + "train.py") == b"print('training!')\n"
    assert len([k for k in keys if "/.holders/" in k]) == 2
    assert code_dir_of(local_modelarts, first["algorithm_id"]) == new_folder
    assert job_gone(local_modelarts, first["job_id"]) and job_gone(local_modelarts, first["inline_id"])
    assert steps(project.preview_json()) == {}

    project.destroy()
    assert not_logs(client) == before
    state = json.dumps(project.resources())
    assert "ObsFolder" not in state


FAULTY = (
    Program(bucket=BUCKET)
    .line('source = modelarts.ObsFolder("code", source="src", bucket=bucket, prefix="uploads/code/")')
    .export(code_folder="source.folder")
    .text()
)
MIB = 1024 * 1024


def test_faults_during_an_upload_leave_no_orphans(tmp_path: Path, start_local_modelarts: Any) -> None:
    server = start_local_modelarts()
    obs = backend(server)
    obs.create_bucket(BUCKET)
    obs.client.put_object(BUCKET, "keep/me.txt", b"there before")
    before = bucket_keys(obs.client, BUCKET)
    fast_failing = {"maxRetries": "1", "retryBudgetSeconds": "3"}
    project = make_project(
        tmp_path / "p", server, FAULTY, config={f"modelarts:{k}": v for k, v in fast_failing.items()}
    )
    write_sources(project.directory)
    (project.directory / "src" / "weights.bin").write_bytes(random.Random(3).randbytes(12 * MIB))  # multipart

    # A file the server keeps refusing fails the upload, naming it; nothing of the attempt stays behind, not
    # even the multipart upload of the big file, nor the marker.
    obs.fault(methods=["PUT"], paths=[f"/{BUCKET}/*/train.py"], error_rate=1.0, error_statuses=[503])
    failed = project.run("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0
    assert "train.py" in failed.output and "503" in failed.output, failed.output
    assert bucket_keys(obs.client, BUCKET) == before
    assert open_uploads(obs.client, BUCKET) == []
    assert not [r for r in project.resources() if r["type"].endswith("ObsFolder")]

    # Errors, resets and answers lost after the work was done, on a fifth of the uploads: retried, and the
    # folder is whole, once.
    project.set_config("modelarts:maxRetries", "5")
    project.set_config("modelarts:retryBudgetSeconds", "60")
    obs.fault(methods=["PUT"], error_rate=0.1, reset_rate=0.05, drop_rate=0.05)
    project.up()
    assert obs.faults_injected() > 0
    obs.clear_faults()
    folder = project.outputs()["code_folder"].removeprefix(f"/{BUCKET}/")
    holders = folder.replace("/" + folder.rstrip("/").rsplit("/", 1)[1] + "/", "/.holders/")
    stored = bucket_keys(obs.client, BUCKET) - before
    assert {k for k in stored if not k.startswith(holders)} == {
        folder + name for name in ("train.py", "lib/util.py", "weights.bin")
    }
    assert (
        obs.client.get_object(BUCKET, folder + "weights.bin")
        == (project.directory / "src" / "weights.bin").read_bytes()
    )
    assert open_uploads(obs.client, BUCKET) == []

    project.destroy()
    assert bucket_keys(obs.client, BUCKET) == before


def test_an_iam_password_user_uploads_with_temporary_keys_from_iam(tmp_path: Path, start_local_modelarts: Any) -> None:
    # Counting on (a rule that matches nothing), so the server's request counts show the IAM exchange.
    server = start_local_modelarts(config={"faults": {"rules": [{"paths": ["/counting-only"]}]}})
    obs = backend(server)
    obs.create_bucket(BUCKET)
    project = make_project(tmp_path / "p", server, FAULTY, credentials=False)
    for key, value in {"userName": server.user_name, "domainName": server.domain_name}.items():
        project.set_config(f"modelarts:{key}", value)
    project.set_config("modelarts:password", server.password, secret=True)
    write_sources(project.directory)

    project.up()
    folder = project.outputs()["code_folder"].removeprefix(f"/{BUCKET}/")
    assert {folder + "train.py", folder + "lib/util.py"} <= bucket_keys(obs.client, BUCKET)
    seen = server.admin("GET", "/faults").json()["requests"]
    assert seen.get("POST /v3.0/OS-CREDENTIAL/securitytokens", 0) >= 1, seen
    project.destroy()
    assert not [key for key in bucket_keys(obs.client, BUCKET) if key.startswith("uploads/")]
