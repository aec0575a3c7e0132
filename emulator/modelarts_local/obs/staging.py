"""Bodies on their way into a bucket: written to a temporary file out of sight, hashed as they arrive, and renamed
into place only once whole and checked, so that no reader (an OBS client, a local-mode job) ever sees half an
object, and a crash leaves nothing in the bucket.

The temporary file must be on the bucket folder's file system, for the rename to be atomic. It goes to
``DATA_DIR/obs-work/staging`` when that is the case, else to a hidden folder at the top of the bucket
(:data:`IN_BUCKET_STAGING`, which listings skip and keys cannot name). Leftovers of a crash are removed when the
server starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

#: The staging folder inside a bucket whose folder is on another file system than the data dir.
IN_BUCKET_STAGING = ".modelarts-local-staging"


class StagedFile:
    """A temporary file being written, with the MD5 and size of what was written so far."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix=".obs-", suffix=".part")
        os.fchmod(fd, 0o644)  # what a file written by the user would be, not mkstemp's 0600
        self._fd: int | None = fd
        self.path = Path(name)
        self._md5 = hashlib.md5()
        self.size = 0

    def write(self, data: bytes) -> None:
        assert self._fd is not None, "written after close"
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._md5.update(data)
        self.size += len(data)

    def write_from(self, fd: int, offset: int, length: int, chunk: int = 1024 * 1024) -> None:
        """Append ``length`` bytes of another file, from ``offset``."""
        while length > 0:
            data = os.pread(fd, min(chunk, length), offset)
            if not data:
                raise OSError(f"the source ended {length} bytes early")
            self.write(data)
            offset += len(data)
            length -= len(data)

    @property
    def md5_digest(self) -> bytes:
        return self._md5.digest()

    @property
    def md5_hex(self) -> str:
        return self._md5.hexdigest()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        """Close and remove (after a failure, or when the body is refused)."""
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class StagingArea:
    """Where bodies for each bucket folder are staged (see the module docstring)."""

    def __init__(self, work_dir: Path) -> None:
        self._work_dir = work_dir / "staging"
        self._work_dir.mkdir(parents=True, exist_ok=True)
        self._device = self._work_dir.stat().st_dev
        self._by_folder: dict[Path, Path] = {}
        self._lock = threading.Lock()

    def new_file(self, bucket_dir: Path) -> StagedFile:
        """A staged file that can be renamed into ``bucket_dir`` (created if needed)."""
        return StagedFile(self.directory_for(bucket_dir))

    def directory_for(self, bucket_dir: Path) -> Path:
        with self._lock:
            known = self._by_folder.get(bucket_dir)
        if known is not None:
            return known
        bucket_dir.mkdir(parents=True, exist_ok=True)
        chosen = self._work_dir if bucket_dir.stat().st_dev == self._device else bucket_dir / IN_BUCKET_STAGING
        with self._lock:
            self._by_folder[bucket_dir] = chosen
        return chosen

    def clean(self, bucket_dirs: list[Path]) -> None:
        """Remove what a crash left: the staged files of the data dir and of the given bucket folders."""
        for directory in [self._work_dir, *(folder / IN_BUCKET_STAGING for folder in bucket_dirs)]:
            if directory.is_dir():
                for leftover in directory.iterdir():
                    with contextlib.suppress(OSError):
                        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
