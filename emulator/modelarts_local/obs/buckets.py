"""Buckets as folders: the mapped ones (``--bucket NAME=DIR``, config ``buckets``) and the hosted ones, one
folder each under ``DATA_DIR/obs``. A bucket exists when it is mapped (its folder is created on the first
write) or its hosted folder exists; nothing else creates one but ``PUT /<bucket>`` (create bucket), so a
request naming an unknown bucket gets ``NoSuchBucket`` naming it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import errors
from .listing import holds_a_file
from .paths import ObsMapper, valid_bucket_name


@dataclass(frozen=True)
class BucketInfo:
    name: str
    created: float  # epoch seconds: the folder's modification time, the best a folder knows of its birth


class Buckets:
    """Which buckets exist, and their folders."""

    def __init__(self, mapper: ObsMapper) -> None:
        self._mapper = mapper

    def exists(self, name: str) -> bool:
        if name in self._mapper.mapped:
            return True
        return valid_bucket_name(name) and (self._mapper.hosted_root / name).is_dir()

    def folder(self, name: str) -> Path:
        """The bucket's folder (NoSuchBucket for a bucket that does not exist)."""
        if not self.exists(name):
            raise errors.NoSuchBucket(resource=f"/{name}", extra={"BucketName": name})
        return self._mapper.bucket_dir(name)

    def all(self) -> list[BucketInfo]:
        names = set(self._mapper.mapped)
        root = self._mapper.hosted_root
        if root.is_dir():
            names.update(entry.name for entry in os.scandir(root) if entry.is_dir() and valid_bucket_name(entry.name))
        return [BucketInfo(name, _modified(self._mapper.bucket_dir(name))) for name in sorted(names)]

    def create(self, name: str) -> None:
        """A new hosted bucket (BucketAlreadyOwnedByYou if it exists, InvalidBucketName for a bad name)."""
        if self.exists(name):
            raise errors.BucketAlreadyOwnedByYou(resource=f"/{name}", extra={"BucketName": name})
        if not valid_bucket_name(name):
            raise errors.InvalidBucketName(resource=f"/{name}", extra={"BucketName": name})
        (self._mapper.hosted_root / name).mkdir(parents=True, exist_ok=True)

    def delete(self, name: str) -> None:
        """Delete an empty hosted bucket. A mapped bucket is the configuration's: it cannot be deleted."""
        folder = self.folder(name)
        if name in self._mapper.mapped:
            raise errors.AccessDenied(
                f"Bucket {name} is mapped to the folder {folder} by the server's configuration: it cannot be deleted",
                resource=f"/{name}",
            )
        if holds_a_file(folder):
            raise errors.BucketNotEmpty(resource=f"/{name}", extra={"BucketName": name})
        shutil.rmtree(folder)


def _modified(folder: Path) -> float:
    with contextlib.suppress(OSError):
        return folder.stat().st_mtime
    return 0.0
