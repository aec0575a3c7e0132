"""Listing a bucket folder as OBS lists a bucket: keys in lexicographic (UTF-8 byte) order, those after
``marker`` that start with ``prefix``, with keys that hold ``delimiter`` after the prefix rolled up into common
prefixes.

The folder is walked lazily, one directory at a time, each sorted so that the walk yields keys in order (a
folder ``d`` sorts as ``d/``: its keys are ``d/...``). Folders that cannot hold a wanted key are not entered:
those outside the prefix, those whose keys all come before the marker, and, with the delimiter ``/``, those that
roll up into one common prefix (it is listed if the folder holds a file at all). So a page costs about what it
lists, however big the bucket.

A file is a key; a folder is no key (OBS has no folders: an empty folder lists nothing). Symbolic links, names
that are not UTF-8, and the staging folder at the top are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Listed:
    """A key (``stat`` of its file) or a common prefix (``stat`` None)."""

    key: str
    stat: os.stat_result | None = None

    @property
    def is_prefix(self) -> bool:
        return self.stat is None


def list_keys(root: Path, *, prefix: str, marker: str, delimiter: str, hidden: frozenset[str]) -> Iterator[Listed]:
    """Every key and common prefix of the listing, in order (see the module docstring)."""
    walked = _walk(root, "", prefix=prefix, marker=marker, fold_folders=delimiter == "/", hidden=hidden)
    if delimiter and delimiter != "/":
        return _roll_up(walked, prefix=prefix, delimiter=delimiter, marker=marker)
    return walked


def holds_a_file(folder: Path) -> bool:
    """Whether a folder holds a regular file, at any depth."""
    pending = [folder]
    while pending:
        for entry in _scan(pending.pop()):
            if entry.is_file(follow_symlinks=False):
                return True
            if entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
    return False


def _walk(
    folder: Path, folder_key: str, *, prefix: str, marker: str, fold_folders: bool, hidden: frozenset[str]
) -> Iterator[Listed]:
    for key, entry in _sorted_entries(folder, folder_key, hidden if not folder_key else frozenset()):
        if not key.endswith("/"):  # a file
            if key.startswith(prefix) and key > marker:
                yield Listed(key, entry.stat(follow_symlinks=False))
            continue
        if not (key.startswith(prefix) or prefix.startswith(key)):
            continue  # outside the prefix
        if fold_folders and key.startswith(prefix) and len(key) > len(prefix):
            if key > marker and holds_a_file(Path(entry.path)):
                yield Listed(key)  # every key inside rolls up into this common prefix
            continue
        if key < marker and not marker.startswith(key):
            continue  # every key inside comes before the marker
        yield from _walk(Path(entry.path), key, prefix=prefix, marker=marker, fold_folders=fold_folders, hidden=hidden)


def _roll_up(listed: Iterator[Listed], *, prefix: str, delimiter: str, marker: str) -> Iterator[Listed]:
    """Keys holding ``delimiter`` after the prefix, as one common prefix each (ends with the delimiter)."""
    last = None
    for item in listed:
        found = item.key.find(delimiter, len(prefix))
        if found < 0:
            yield item
            continue
        common = item.key[: found + len(delimiter)]
        if common != last and common > marker:
            yield Listed(common)
        last = common


def _sorted_entries(folder: Path, folder_key: str, hidden: frozenset[str]) -> list[tuple[str, os.DirEntry[str]]]:
    """The folder's files and folders as keys (a folder as ``key/``), in key order."""
    found = []
    for entry in _scan(folder):
        if entry.name in hidden or not _utf8(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            found.append((folder_key + entry.name + "/", entry))
        elif entry.is_file(follow_symlinks=False):
            found.append((folder_key + entry.name, entry))
    found.sort(key=lambda item: item[0])
    return found


def _scan(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by the file system encoding as surrogates
        return False
    return True
