"""What an ObsFolder holds: the files a source selects, its content hash, the ModelArts code limits and the
errors that name the source."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from modelarts_pulumi.content import (
    DEFAULT_EXCLUDES,
    MAX_CODE_BYTES,
    MAX_CODE_DEPTH,
    MAX_CODE_ENTRIES,
    ContentError,
    SourceEntry,
    code_limit_problem,
    content_hash,
    folder_name,
    on_disk,
    scan,
)

FILES = {"train.py": b"print('train')\n", "lib/util.py": b"X = 1\n", "lib/data/vocab.txt": b"a\nb\n"}


def tree(root: Path, files: dict[str, bytes] = FILES) -> Path:
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return root


def folder(path: Path) -> list[SourceEntry]:
    return [SourceEntry(kind="folder", local=str(path))]


def hash_of(entries: list[SourceEntry], exclude: tuple[str, ...] = DEFAULT_EXCLUDES) -> str:
    return content_hash(scan(entries, exclude))


def error_of(entries: list[SourceEntry], exclude: tuple[str, ...] = DEFAULT_EXCLUDES) -> str:
    with pytest.raises(ContentError) as caught:
        content_hash(scan(entries, exclude))
    assert caught.value.field == "source"
    return str(caught.value)


def test_a_folder_is_its_files_by_path_without_what_is_excluded(tmp_path: Path):
    root = tree(tmp_path / "src")
    tree(root, {".git/HEAD": b"ref", "lib/__pycache__/util.cpython-311.pyc": b"\0", "old.pyc": b"\0"})
    tree(root, {".venv/lib/site.py": b"", "data/raw/big.bin": b"x" * 10, "data/keep.csv": b"1"})
    listing = scan(folder(root), [*DEFAULT_EXCLUDES, "data/raw/*"])
    assert [f.key for f in listing.files] == ["data/keep.csv", "lib/data/vocab.txt", "lib/util.py", "train.py"]
    assert listing.total_bytes == 1 + len(b"a\nb\n") + len(b"X = 1\n") + len(b"print('train')\n")
    assert listing.folders == {"data", "lib", "lib/data"} and listing.depth == 3


def test_an_excluded_folder_is_never_read(tmp_path: Path):
    root = tree(tmp_path / "src")
    (root / ".venv").mkdir()
    os.symlink(tmp_path / "nowhere", root / ".venv" / "python")  # would be an unreadable file
    listed = [f.key for f in scan(folder(root), DEFAULT_EXCLUDES).files]
    assert listed == ["lib/data/vocab.txt", "lib/util.py", "train.py"]


def test_the_hash_follows_paths_and_bytes_only(tmp_path: Path):
    first = hash_of(folder(tree(tmp_path / "a")))
    assert first == hash_of(folder(tree(tmp_path / "b")))  # another place, other times
    os.utime(tmp_path / "b" / "train.py", (0, 0))
    (tmp_path / "b" / "lib" / "util.py").chmod(0o600)
    assert hash_of(folder(tmp_path / "b")) == first
    (tmp_path / "b" / "train.py").write_bytes(b"print('train')\r")  # one byte
    assert hash_of(folder(tmp_path / "b")) != first
    tree(tmp_path / "c", {**FILES, "lib/util2.py": FILES["lib/util.py"]})
    (tmp_path / "c" / "lib" / "util.py").unlink()  # the same bytes under another name
    assert hash_of(folder(tmp_path / "c")) != first
    assert len(first) == 64 and folder_name(first) == first[:16]


def test_archives_and_asset_entries_hash_like_the_folder_they_hold(tmp_path: Path):
    expected = hash_of(folder(tree(tmp_path / "src")))
    with zipfile.ZipFile(tmp_path / "code.zip", "w") as archive:
        for name, data in FILES.items():
            archive.writestr(name, data)
        archive.writestr("lib/", b"")  # a folder entry
    with tarfile.open(tmp_path / "code.tar.gz", "w:gz") as archive:
        for name, data in FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    assert hash_of([SourceEntry(kind="archive", local=str(tmp_path / "code.zip"))]) == expected
    assert hash_of([SourceEntry(kind="archive", local=str(tmp_path / "code.tar.gz"))]) == expected
    assets = [
        SourceEntry(kind="text", path="train.py", text="print('train')\n"),
        SourceEntry(kind="file", path="lib/util.py", local=str(tmp_path / "src" / "lib" / "util.py")),
        SourceEntry(kind="archive", path="lib/data", local=str(tmp_path / "src" / "lib" / "data")),
    ]
    assert hash_of(assets) == expected
    with on_disk(scan(assets, ())) as files:
        written = {key: path.read_bytes() for key, path in files}
        scratch = next(path for key, path in files if key == "train.py")
    assert written == FILES
    assert not scratch.exists()  # the text was written to a temporary folder, removed afterwards


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda root: folder(root / "missing"), "missing does not exist"),
        (lambda root: folder(root / "src" / "train.py"), "train.py is a file; a folder is needed"),
        (lambda root: [SourceEntry(kind="archive", local=str(root / "src" / "train.py"))], "nor a .zip"),
    ],
    ids=["missing", "file-not-folder", "not-an-archive"],
)
def test_a_source_that_is_not_a_folder_names_the_rule(tmp_path: Path, make, expected: str):
    tree(tmp_path / "src")
    assert expected in error_of(make(tmp_path))


def test_an_empty_folder_after_excludes_is_refused(tmp_path: Path):
    root = tree(tmp_path / "src", {".git/HEAD": b"ref", "__pycache__/a.pyc": b"\0"})
    message = error_of(folder(root))
    assert "holds no file (after excluding .git, __pycache__, *.pyc, .venv)" in message
    (tmp_path / "empty").mkdir()
    assert "holds no file" in error_of(folder(tmp_path / "empty"), ())


def test_unreadable_files_and_link_loops_are_named(tmp_path: Path):
    root = tree(tmp_path / "src")
    os.symlink(tmp_path / "nowhere", root / "dangling.py")
    assert f"cannot read {root / 'dangling.py'}" in error_of(folder(root))
    (root / "dangling.py").unlink()
    os.symlink(root, root / "lib" / "loop")
    assert "symbolic link loop" in error_of(folder(root))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file whatever its mode")
def test_a_file_without_read_permission_is_named(tmp_path: Path):
    root = tree(tmp_path / "src")
    (root / "lib" / "util.py").chmod(0)
    assert f"cannot read {root / 'lib' / 'util.py'}: permission denied" in error_of(folder(root))


def test_archive_members_outside_the_folder_and_clashing_entries_are_refused(tmp_path: Path):
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        archive.writestr("../../etc/passwd", b"x")
    assert "outside the archive's folder" in error_of([SourceEntry(kind="archive", local=str(tmp_path / "evil.zip"))])
    twice = [SourceEntry(kind="text", path="a.txt", text="1"), SourceEntry(kind="text", path="a.txt", text="2")]
    assert "two entries put a file at 'a.txt'" in error_of(twice)


def test_the_code_limits_count_files_and_folders_levels_and_bytes(tmp_path: Path):
    many = {f"d{i // 100}/f{i}.py": b"" for i in range(MAX_CODE_ENTRIES - 10)}  # 990 files in 10 folders
    assert code_limit_problem(scan(folder(tree(tmp_path / "ok", many)), ())) is None
    over = scan(folder(tree(tmp_path / "over", {**many, "d9/one-more.py": b""})), ())
    assert "holds 991 files and 10 folders; ModelArts takes at most 1,000 files and folders" in str(
        code_limit_problem(over)
    )
    deep = "/".join(f"l{i}" for i in range(MAX_CODE_DEPTH - 1)) + "/train.py"
    assert code_limit_problem(scan(folder(tree(tmp_path / "deep", {deep: b""})), ())) is None
    deeper = "l/" + deep
    problem = code_limit_problem(scan(folder(tree(tmp_path / "deeper", {deeper: b""})), ()))
    assert f"is {MAX_CODE_DEPTH + 1} levels deep ({deeper}); ModelArts takes at most {MAX_CODE_DEPTH} levels" in str(
        problem
    )
    big = tmp_path / "big"
    big.mkdir()
    with (big / "weights.bin").open("wb") as handle:
        handle.truncate(MAX_CODE_BYTES + 1)  # sparse: listed by size, never read
    problem = code_limit_problem(scan(folder(big), ()))
    assert f"holds {MAX_CODE_BYTES + 1:,} bytes; ModelArts takes at most 5 GB" in str(problem)
