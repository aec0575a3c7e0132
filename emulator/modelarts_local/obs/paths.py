"""OBS paths, and the buckets behind them as local folders.

An OBS path is ``/bucket/a/b/`` or ``obs://bucket/a/b/``. ``--bucket NAME=DIR`` maps bucket NAME to
folder DIR; every other bucket lives in ``DATA_DIR/obs/NAME/``. Local-mode jobs read their code and data
and write their outputs and logs there, so what OBS serves is exactly what a job runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def valid_bucket_name(name: str) -> bool:
    """OBS's bucket naming rules: 3-63 of ``[a-z0-9.-]``, starting and ending with a letter or digit, no ``..``,
    ``.-`` or ``-.``, not an IP address."""
    return (
        bool(_BUCKET.match(name)) and not any(bad in name for bad in ("..", ".-", "-.")) and not _IP_ADDRESS.match(name)
    )


class ObsPathError(ValueError):
    """The text is not a usable OBS path; the message is the reason."""


@dataclass(frozen=True)
class ObsPath:
    """A bucket and a key (no leading slash; a trailing slash marks a folder)."""

    bucket: str
    key: str

    @property
    def is_folder(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    def __str__(self) -> str:
        return f"/{self.bucket}/{self.key}"

    def contains(self, other: ObsPath) -> bool:
        """Whether ``other`` lies inside this folder."""
        folder = self.key if self.key.endswith("/") or not self.key else self.key + "/"
        return other.bucket == self.bucket and other.key.startswith(folder) and other.key != folder


def parse_obs_path(value: str) -> ObsPath:
    """Parse ``/bucket/key`` or ``obs://bucket/key``; raise ObsPathError with a reason."""
    if not isinstance(value, str) or not value:
        raise ObsPathError("the path is empty")
    if value.startswith("obs://"):
        rest = value[len("obs://") :]
    elif value.startswith("/"):
        rest = value[1:]
    else:
        raise ObsPathError("the path must start with / or obs://")
    bucket, _, key = rest.partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise ObsPathError(f"invalid bucket name {bucket!r}")
    parts = key.split("/")
    if any(part in (".", "..") for part in parts):
        raise ObsPathError("the path must not contain . or .. segments")
    if "//" in key or "\\" in key or "\x00" in key:
        raise ObsPathError("the path contains an empty segment or a forbidden character")
    return ObsPath(bucket, key)


class ObsMapper:
    """Maps buckets to local folders."""

    #: Folders remembered by ``local_folder``.
    FOLDER_CACHE = 4096

    def __init__(self, buckets: Mapping[str, Path], default_root: Path) -> None:
        self._buckets = {name: Path(folder) for name, folder in buckets.items()}
        self._root = Path(default_root)
        self._folders = functools.lru_cache(maxsize=self.FOLDER_CACHE)(self.local_path)

    def bucket_dir(self, bucket: str) -> Path:
        return self._buckets.get(bucket, self._root / bucket)

    @property
    def mapped(self) -> Mapping[str, Path]:
        """The buckets ``--bucket`` / ``buckets`` map to folders of the user's choice."""
        return self._buckets

    @property
    def hosted_root(self) -> Path:
        """Where every other bucket lives (``DATA_DIR/obs``), one folder each."""
        return self._root

    def local_folder(self, folder: ObsPath) -> Path:
        """``local_path`` of a folder, remembered: resolving a path walks every component, and the folders that
        logs go to are asked for again and again. Open the files in it without following a link
        (``O_NOFOLLOW``), so that a link put there cannot lead outside the bucket either."""
        return self._folders(folder)

    def local_path(self, path: ObsPath) -> Path:
        """The local file or folder behind an OBS path (never outside the bucket's folder)."""
        base = self.bucket_dir(path.bucket).resolve()
        target = (base / path.key).resolve() if path.key else base
        if target != base and base not in target.parents:
            raise ObsPathError("the path leaves its bucket")
        return target
