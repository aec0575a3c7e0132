"""What a folder in OBS holds, read from the local machine: the files a source selects, the ModelArts limits on
a code folder, and the content hash that names the folder.

Knows nothing of Pulumi. :class:`~modelarts_pulumi.ObsFolder` turns a path or a Pulumi archive into
:class:`SourceEntry` values and hashes them when the program runs; its provider reads them again, to check them
at preview and to upload them at ``up``.

- **Selection.** A folder is walked (symbolic links followed, loops refused); an archive (``.zip``, ``.tar``,
  ``.tar.gz``, ``.tgz``) gives its regular members; a file or inline text is one file at its ``path``. An exclude
  pattern without ``/`` matches any file or folder name at any depth (``.git``, ``*.pyc``); one with ``/``
  matches the whole relative path (``data/raw/*``), as :mod:`fnmatch` does. An excluded folder is not walked.
- **Hash.** SHA-256 over the sorted ``(path, size, SHA-256 of the bytes)`` of every file: names and bytes count,
  times and permissions do not. The folder in OBS is named after its first :data:`HASH_LENGTH` hex digits.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from pydantic import Field

from .errors import ModelArtsError
from .rules import Strict

DEFAULT_EXCLUDES: tuple[str, ...] = (".git", "__pycache__", "*.pyc", ".venv")

# ModelArts' documented limits on a code directory (help page "Code Directory"): "The number of files (including
# files and folders) cannot exceed 1,000" and "The total file size cannot exceed 5 GB". The depth limit has an
# error code (ModelArts.2760, "too many levels of code directories, supporting up to %s directories") but no
# published number; 16 is what the local ModelArts enforces (max_code_depth).
MAX_CODE_ENTRIES = 1000
MAX_CODE_BYTES = 5 * 1024**3
MAX_CODE_DEPTH = 16

HASH_LENGTH = 16
"""Hex digits of the content hash in the folder's name: 64 bits, enough that two contents never share one."""

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
_CHUNK = 1024 * 1024


class SourceEntry(Strict):
    """One part of an ``ObsFolder``'s content: a local folder, file or archive, or inline text, at ``path``."""

    kind: Literal["folder", "file", "archive", "text"] = Field(description="What ``local`` (or ``text``) is.")
    path: str = Field(default="", description="Where it goes inside the folder ('' is the folder itself).")
    local: str | None = Field(default=None, description="The absolute local path of a folder, file or archive.")
    text: str | None = Field(default=None, description="The content of a ``text`` entry.")

    def shown(self) -> str:
        where = f" at {self.path!r}" if self.path else ""
        return f"text{where}" if self.kind == "text" else f"{self.local}{where}"


class ContentError(ModelArtsError):
    """The source cannot become a folder in OBS. ``field`` names the input to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ContentFile:
    """A file of the content: its path inside the folder, its size and where its bytes are."""

    key: str  # '/'-separated, relative to the folder
    size: int
    entry: SourceEntry
    local: Path | None = None  # the file on disk; None for an archive member or text
    member: str | None = None  # the archive member

    def shown(self) -> str:
        if self.local is not None:
            return str(self.local)
        if self.member is not None:
            return f"{self.entry.local}:{self.member}"
        return f"text {self.key!r}"


@dataclass(frozen=True)
class Listing:
    """The files a source selects, sorted by path."""

    files: tuple[ContentFile, ...]
    shown: str = ""  # the source, for messages

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def folders(self) -> set[str]:
        """Every folder below the top that holds a file, as a '/'-separated path."""
        out: set[str] = set()
        for item in self.files:
            parts = item.key.split("/")
            out.update("/".join(parts[:n]) for n in range(1, len(parts)))
        return out

    @property
    def depth(self) -> int:
        """Levels of the deepest file: 1 for a file at the top of the folder."""
        return max((f.key.count("/") + 1 for f in self.files), default=0)


@dataclass
class _Walk:
    exclude: Sequence[str]
    files: dict[str, ContentFile] = field(default_factory=dict)

    def excluded(self, key: str) -> bool:
        for pattern in self.exclude:
            if "/" in pattern.strip("/"):
                if fnmatch.fnmatchcase(key, pattern.strip("/")):
                    return True
            elif any(fnmatch.fnmatchcase(part, pattern.strip("/")) for part in key.split("/")):
                return True
        return False

    def add(self, item: ContentFile) -> None:
        if self.excluded(item.key):
            return
        if item.key in self.files:
            raise ContentError("source", f"two entries put a file at {item.key!r}")
        self.files[item.key] = item


def _join(path: str, name: str) -> str:
    return f"{path.strip('/')}/{name}" if path.strip("/") else name


def _regular_size(path: Path) -> int:
    """The size of a readable regular file (following links), or a ContentError naming the file."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ContentError("source", f"cannot read {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ContentError("source", f"{path} is not a regular file")
    if not os.access(path, os.R_OK):
        raise ContentError("source", f"cannot read {path}: permission denied")
    return info.st_size


def _walk_folder(walk: _Walk, entry: SourceEntry, root: Path) -> None:
    seen: set[tuple[int, int]] = set()
    for folder, dirnames, filenames in os.walk(root, followlinks=True, onerror=_raise_walk_error):
        here = Path(folder)
        info = here.stat()
        if (info.st_dev, info.st_ino) in seen:
            raise ContentError("source", f"{here} is a symbolic link loop")
        seen.add((info.st_dev, info.st_ino))
        relative = here.relative_to(root).as_posix()
        prefix = _join(entry.path, "" if relative == "." else relative)
        dirnames[:] = sorted(d for d in dirnames if not walk.excluded(_join(prefix, d)))
        for name in filenames:
            key = _join(prefix, name)
            if not walk.excluded(key):
                walk.add(ContentFile(key, _regular_size(here / name), entry, local=here / name))


def _raise_walk_error(error: OSError) -> None:
    raise ContentError("source", f"cannot read {error.filename}: {error.strerror or error}")


def _safe_member(entry: SourceEntry, name: str) -> str:
    clean = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
    if clean in ("", ".") or clean.startswith("../") or clean == "..":
        raise ContentError("source", f"archive {entry.local} has a member {name!r} outside the archive's folder")
    return clean


def _walk_archive(walk: _Walk, entry: SourceEntry, path: Path) -> None:
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        key = _join(entry.path, _safe_member(entry, info.filename))
                        walk.add(ContentFile(key, info.file_size, entry, member=info.filename))
            return
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                if member.isfile():
                    key = _join(entry.path, _safe_member(entry, member.name))
                    walk.add(ContentFile(key, member.size, entry, member=member.name))
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        raise ContentError("source", f"cannot read the archive {path}: {exc}") from None


def _walk_entry(walk: _Walk, entry: SourceEntry) -> None:
    if entry.kind == "text":
        if not entry.path:
            raise ContentError("source", "inline text needs a file name")
        walk.add(ContentFile(entry.path.strip("/"), len((entry.text or "").encode()), entry))
        return
    if not entry.local:
        raise ContentError("source", f"a {entry.kind} entry needs a local path")
    path = Path(entry.local)
    if not path.exists():
        raise ContentError("source", f"{path} does not exist")
    if entry.kind == "folder":
        if not path.is_dir():
            raise ContentError(
                "source",
                f"{path} is a file; a folder is needed (for single files use "
                "pulumi.AssetArchive({'name': pulumi.FileAsset(path)}))",
            )
        _walk_folder(walk, entry, path)
    elif entry.kind == "archive":
        if path.is_dir():
            _walk_folder(walk, entry, path)
        elif path.name.endswith(ARCHIVE_SUFFIXES):
            _walk_archive(walk, entry, path)
        else:
            raise ContentError("source", f"{path} is not a folder nor a {', '.join(ARCHIVE_SUFFIXES)} archive")
    else:
        if not entry.path:
            raise ContentError("source", f"the file {path} needs a name in the folder")
        walk.add(ContentFile(entry.path.strip("/"), _regular_size(path), entry, local=path))


def scan(entries: Sequence[SourceEntry], exclude: Sequence[str]) -> Listing:
    """The files ``entries`` select, without reading them; a :class:`ContentError` when there are none or one
    cannot be read."""
    walk = _Walk(exclude)
    for entry in entries:
        _walk_entry(walk, entry)
    shown = ", ".join(entry.shown() for entry in entries) or "(nothing)"
    if not walk.files:
        also = f" (after excluding {', '.join(exclude)})" if exclude else ""
        raise ContentError("source", f"{shown} holds no file{also}; an empty folder cannot be uploaded")
    return Listing(tuple(walk.files[key] for key in sorted(walk.files)), shown)


def code_limit_problem(listing: Listing) -> str | None:
    """Which ModelArts limit on a code folder the listing breaks, or None."""
    entries = len(listing.files) + len(listing.folders)
    if entries > MAX_CODE_ENTRIES:
        return (
            f"{listing.shown} holds {len(listing.files)} files and {len(listing.folders)} folders; ModelArts takes "
            f"at most {MAX_CODE_ENTRIES:,} files and folders in a code folder"
        )
    if listing.depth > MAX_CODE_DEPTH:
        deepest = max(listing.files, key=lambda f: f.key.count("/")).key
        return (
            f"{listing.shown} is {listing.depth} levels deep ({deepest}); ModelArts takes at most "
            f"{MAX_CODE_DEPTH} levels in a code folder"
        )
    if listing.total_bytes > MAX_CODE_BYTES:
        return (
            f"{listing.shown} holds {listing.total_bytes:,} bytes; ModelArts takes at most 5 GB "
            f"({MAX_CODE_BYTES:,} bytes) in a code folder"
        )
    return None


@contextmanager
def opened(item: ContentFile) -> Iterator[IO[bytes]]:
    """The file's bytes as a stream (a :class:`ContentError` naming it when it cannot be read)."""
    try:
        if item.local is not None:
            with item.local.open("rb") as handle:
                yield handle
        elif item.member is not None:
            yield from _opened_member(item)
        else:
            yield io.BytesIO((item.entry.text or "").encode())
    except OSError as exc:
        raise ContentError("source", f"cannot read {item.shown()}: {exc.strerror or exc}") from None


def _opened_member(item: ContentFile) -> Iterator[IO[bytes]]:
    path = Path(item.entry.local or "")
    assert item.member is not None
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive, archive.open(item.member) as handle:
            yield handle
        return
    with tarfile.open(path) as tar:
        member = tar.extractfile(item.member)
        if member is None:
            raise ContentError("source", f"cannot read {item.shown()}: not a regular member")
        with member:
            yield member


def file_sha256(item: ContentFile) -> str:
    digest = hashlib.sha256()
    with opened(item) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_digests(listing: Listing) -> dict[str, str]:
    """``{path: SHA-256 (hex)}`` of every file: reads each once."""
    return {item.key: file_sha256(item) for item in listing.files}


def hash_of(listing: Listing, digests: dict[str, str]) -> str:
    """The content hash from the files' digests: SHA-256 over the sorted ``path, size, SHA-256`` lines."""
    digest = hashlib.sha256()
    for item in listing.files:
        digest.update(f"{item.key}\0{item.size}\0{digests[item.key]}\n".encode())
    return digest.hexdigest()


def content_hash(listing: Listing) -> str:
    """The SHA-256 (hex) of the listing's paths, sizes and bytes: reads every file once."""
    return hash_of(listing, file_digests(listing))


def folder_name(hash_hex: str) -> str:
    """The name of the content's folder in OBS: the first :data:`HASH_LENGTH` hex digits of its hash."""
    return hash_hex[:HASH_LENGTH]


@contextmanager
def on_disk(listing: Listing) -> Iterator[list[tuple[str, Path]]]:
    """``(key, local file)`` for every file: files on disk as they are, archive members and text written to a
    temporary folder that is removed afterwards."""
    scratch: Path | None = None
    try:
        out: list[tuple[str, Path]] = []
        for item in listing.files:
            if item.local is not None:
                out.append((item.key, item.local))
                continue
            scratch = scratch or Path(tempfile.mkdtemp(prefix="obs-folder-"))
            target = scratch / item.key
            target.parent.mkdir(parents=True, exist_ok=True)
            with opened(item) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, _CHUNK)
            out.append((item.key, target))
        yield out
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


__all__ = [
    "DEFAULT_EXCLUDES",
    "HASH_LENGTH",
    "MAX_CODE_BYTES",
    "MAX_CODE_DEPTH",
    "MAX_CODE_ENTRIES",
    "ContentError",
    "ContentFile",
    "Listing",
    "SourceEntry",
    "code_limit_problem",
    "content_hash",
    "file_digests",
    "folder_name",
    "hash_of",
    "on_disk",
    "opened",
    "scan",
]
