"""ObsFolder without the engine: its check and diff (no network), and what the program side gives other resources
under Pulumi's mocks: a folder known at preview that still depends on the upload, and the code a job runs; its
create against a local OBS whose bucket folder holds the source."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

import modelarts_pulumi as modelarts
from modelarts_pulumi.content import DEFAULT_EXCLUDES, MAX_CODE_DEPTH, ContentError, SourceEntry, content_hash, scan
from modelarts_pulumi.obs.folders import FolderError
from modelarts_pulumi.providers import context
from modelarts_pulumi.providers.obs_folder import ObsFolderProvider
from modelarts_pulumi.providers.readable import OperationFailed
from modelarts_pulumi.resources.obs_folder import source_entries
from tests.support.constants import ENGINE_NAME, ENGINE_VERSION, FLAVOR_ID
from tests.support.mocked_program import Recorder, Settled, run_program
from tests.support.provider_process import configured_provider

HASH = "ab" * 32


@pytest.fixture(autouse=True)
def no_credentials() -> None:
    context.set_stack_config({})


def code_tree(root: Path) -> Path:
    (root / "lib").mkdir(parents=True)
    (root / "train.py").write_text("print('train')\n")
    (root / "lib" / "util.py").write_text("X = 1\n")
    return root


def props(source: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "source": str(source),
        "entries": [{"kind": "folder", "local": str(source)}],
        "bucket": "code-bucket",
        "prefix": "uploads/code",
        "holder": "proj/dev/code",
        "content_hash": HASH,
        **overrides,
    }


def failures(news: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in ObsFolderProvider().check({}, news).failures or []]


def test_a_valid_folder_is_normalized_and_checked_without_any_call(tmp_path: Path) -> None:
    result = ObsFolderProvider().check({}, props(code_tree(tmp_path / "src")))
    assert not result.failures
    assert result.inputs["prefix"] == "uploads/code/"  # a folder, whether or not the program wrote the '/'
    assert result.inputs["exclude"] == [".git", "__pycache__", "*.pyc", ".venv"] and result.inputs["code_limits"]


@pytest.mark.parametrize(
    ("change", "prop", "rule"),
    [
        ({"bucket": "Code_Bucket"}, "bucket", "must be an OBS bucket name"),
        ({"prefix": "/uploads/"}, "prefix", "without a leading '/'"),
        ({"prefix": "uploads/../etc/"}, "prefix", "'.' or '..' segments"),
        ({"exclude": "*.pyc"}, "exclude", "valid list"),
    ],
)
def test_bad_inputs_name_the_property(tmp_path: Path, change: dict[str, Any], prop: str, rule: str) -> None:
    found = failures({**props(code_tree(tmp_path / "src")), **change})
    assert any(p == prop and rule in reason for p, reason in found), found


def test_bad_sources_fail_naming_source(tmp_path: Path) -> None:
    code_tree(tmp_path / "src")
    (tmp_path / "empty" / ".git").mkdir(parents=True)
    (tmp_path / "empty" / ".git" / "HEAD").write_text("ref")
    deep = tmp_path / "deep" / "/".join(f"l{i}" for i in range(MAX_CODE_DEPTH))
    deep.mkdir(parents=True)
    (deep / "train.py").write_text("")
    cases = {
        tmp_path / "missing": "does not exist",
        tmp_path / "src" / "train.py": "is a file; a folder is needed",
        tmp_path / "empty": "holds no file (after excluding .git",
        tmp_path / "deep": f"ModelArts takes at most {MAX_CODE_DEPTH} levels in a code folder",
    }
    for source, rule in cases.items():
        found = failures(props(source, content_hash=None))
        assert [p for p, reason in found if p == "source" and rule in reason], (source, found)
    # Data is not code: the limits do not apply when asked.
    assert failures(props(tmp_path / "deep", code_limits=False)) == []


def test_only_the_content_the_bucket_and_the_prefix_replace_and_the_new_folder_comes_first(tmp_path: Path) -> None:
    provider = ObsFolderProvider()
    olds = provider.check({}, props(code_tree(tmp_path / "src"))).inputs
    moved = provider.check({}, {**props(tmp_path / "src"), "source": "elsewhere", "exclude": ["*.tmp"]}).inputs
    assert not provider.diff("id", olds, moved).changes
    changed = provider.diff("id", olds, {**olds, "content_hash": "cd" * 32})
    assert changed.replaces == ["content_hash"] and changed.delete_before_replace is False
    assert provider.diff("id", olds, {**olds, "bucket": "other-bucket"}).replaces == ["bucket"]


# --- the program side, under Pulumi's mocks ------------------------------------------------------------------


def preview(program: Callable[[], dict[str, pulumi.Output[Any]]]) -> tuple[Recorder, dict[str, Settled]]:
    """Run ``program`` as a preview would; the resources' inputs and each Output, settled."""
    mocks = Recorder()
    return mocks, run_program(program, mocks=mocks, preview=True)


def test_the_folder_is_known_at_preview_and_carries_the_upload_as_a_dependency(tmp_path: Path) -> None:
    source = code_tree(tmp_path / "src")

    def program() -> dict[str, pulumi.Output[Any]]:
        code = modelarts.ObsFolder("code", source=source, bucket="code-bucket", prefix="uploads/code")
        algorithm = modelarts.Algorithm(
            "algo",
            code_dir=code.folder,
            boot_file=code.file("train.py"),
            engine_name=ENGINE_NAME,
            engine_version=ENGINE_VERSION,
        )
        modelarts.TrainingJob("job", algorithm_id=algorithm.algorithm_id, flavor_id=FLAVOR_ID)
        modelarts.TrainingJob(
            "kept", algorithm_id=algorithm.algorithm_id, flavor_id=FLAVOR_ID, rerun_on_code_change=False
        )
        return {"folder": code.folder, "boot": code.file("train.py"), "count": code.file_count}

    mocks, outputs = preview(program)
    digest = mocks.inputs["code"]["content_hash"]
    folder = f"/code-bucket/uploads/code/{digest[:16]}/"
    assert outputs["folder"] == Settled(True, folder, frozenset({"code"}))
    assert outputs["boot"] == Settled(True, folder + "train.py", frozenset({"code"}))
    assert outputs["count"] == Settled(True, 2, frozenset({"code"}))
    assert mocks.inputs["algo"]["code_dir"] == folder
    assert mocks.inputs["job"]["algorithm_code_dir"] == folder  # the job learns the code its algorithm runs
    assert "algorithm_code_dir" not in mocks.inputs["kept"]
    assert mocks.inputs["code"]["holder"].endswith("/code")


def test_a_file_the_folder_lacks_and_a_source_given_as_an_output_stop_the_program(tmp_path: Path) -> None:
    source = code_tree(tmp_path / "src")
    with pytest.raises(pulumi.RunError, match=r"has no such file \(it has lib/util.py, train.py\)"):
        preview(lambda: {"boot": modelarts.ObsFolder("code", source=source, bucket="b-1").file("trian.py")})
    with pytest.raises(TypeError, match="a plain value"):
        source_entries(pulumi.FileAsset(str(source)))  # an asset (one file), or an Output, is not a folder


def test_archives_become_entries_with_absolute_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    archive = pulumi.AssetArchive(
        {
            "train.py": pulumi.FileAsset("src/train.py"),
            "config.json": pulumi.StringAsset("{}"),
            "lib": pulumi.FileArchive("lib.zip"),
        }
    )
    entries, shown = source_entries(archive)
    assert shown == "AssetArchive(config.json, lib, train.py)"
    assert [(e.kind, e.path, e.local, e.text) for e in entries] == [
        ("text", "config.json", None, "{}"),
        ("archive", "lib", str(tmp_path / "lib.zip"), None),
        ("file", "train.py", str(tmp_path / "src" / "train.py"), None),
    ]
    with pytest.raises(TypeError, match="remote assets are not read"):
        source_entries(pulumi.AssetArchive({"x": pulumi.RemoteAsset("https://example.invalid/x")}))


def test_at_up_a_changed_or_unreadable_source_fails_the_create_before_any_upload(tmp_path: Path) -> None:
    source = code_tree(tmp_path / "src")
    digest = content_hash(scan([SourceEntry(kind="folder", local=str(source))], DEFAULT_EXCLUDES))
    checked = ObsFolderProvider().check({}, props(source, content_hash=digest)).inputs
    (source / "train.py").write_text("print('edited after the program ran')\n")
    with pytest.raises(OperationFailed) as changed:  # the engine prints its cause first
        ObsFolderProvider().create(checked)  # no OBS is configured: it fails before any call
    assert isinstance(changed.value.__cause__, FolderError)
    assert re.search(r"changed since the program read it .*run `pulumi up` again", str(changed.value.__cause__))
    os.symlink(tmp_path / "nowhere", source / "late.py")
    with pytest.raises(OperationFailed) as unreadable:
        ObsFolderProvider().create(checked)
    assert isinstance(unreadable.value.__cause__, ContentError)
    assert re.search(r"source: cannot read .*late\.py", str(unreadable.value.__cause__))


def test_a_folder_that_would_land_inside_its_source_is_refused_and_leaves_nothing(
    start_local_modelarts: Callable[..., Any], tmp_path: Path
) -> None:
    # The bucket is served from a local folder, and the source is its uploads/ folder: the prefix uploads/code/
    # puts the folder (and its holder marker, at code/.holders/... in the source) inside the source itself.
    bucket = tmp_path / "bucket"
    source = code_tree(bucket / "uploads")
    server = start_local_modelarts(buckets={"code-bucket": bucket})
    digest = content_hash(scan([SourceEntry(kind="folder", local=str(source))], DEFAULT_EXCLUDES))
    with configured_provider(server.stack_config()):
        provider = ObsFolderProvider()
        checked = provider.check({}, props(source, content_hash=digest, prefix="uploads/code/")).inputs
        with pytest.raises(OperationFailed) as refused:
            provider.create(checked)
    assert isinstance(refused.value.__cause__, FolderError)
    assert "prefix: the folder /code-bucket/uploads/code/" in str(refused.value.__cause__)
    assert "would be inside the source being uploaded" in str(refused.value.__cause__)
    left = sorted(path.relative_to(source).as_posix() for path in source.rglob("*") if path.is_file())
    assert left == ["lib/util.py", "train.py"]  # no marker, no uploaded file in the source
