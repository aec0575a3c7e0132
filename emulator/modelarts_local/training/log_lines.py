"""A task log by line (``GET /v2/{project_id}/training-jobs/{id}/logs/{task}``, ShowTrainingJobLogsFromAom).

The service numbers the lines of a task's log and pages through them from a ``base_line``: ``order=asc``
gives the lines after it, oldest first; ``order=desc`` the lines before it, newest first. Without a
``base_line``, ``asc`` starts at the first line and ``desc`` at the newest. Line numbers are opaque strings
to a client (the real service's come from AOM); here they are the lines' ordinals, 1 for the first. The next
page, either way, starts at the answer's ``end_line``.

A line counts once it ends with a newline; a last line still being written counts only once the job has
ended. Logs only grow, so each file's line ends are indexed once, incrementally (a follower asks every
second): an answer costs the new bytes and the page, never a re-read of the whole log.
"""

from __future__ import annotations

import os
import threading
from array import array
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import errors, validation

DEFAULT_LINES = 50
MAX_LINES = 500
ORDERS = ("asc", "desc")
_CHUNK = 1 << 20
_CACHED_FILES = 64


@dataclass(frozen=True)
class LinePage:
    """A checked query: where to start, how many lines, which way."""

    base_line: int | None
    lines: int
    order: str

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> LinePage:
        raw = query.get("base_line")
        base = None
        if raw not in (None, ""):
            assert raw is not None
            if not raw.isdigit():
                raise errors.QueryParamsError("base_line")
            base = int(raw)
        lines = validation.query_int(query, "lines", DEFAULT_LINES, minimum=1, maximum=MAX_LINES)
        order = query.get("order") or "desc"
        if order not in ORDERS:
            raise errors.QueryParamsError("order")
        return cls(base, lines, order)

    def numbers(self, count: int) -> range:
        """The line numbers (1-based) of the page, in answer order, among ``count`` lines."""
        if self.order == "asc":
            first = 1 if self.base_line is None else self.base_line + 1
            return range(first, min(count, first + self.lines - 1) + 1)
        last = count if self.base_line is None else min(count, self.base_line - 1)
        return range(last, max(0, last - self.lines), -1)


@dataclass
class _Indexed:
    """What is known of one file: its identity, how far it was read, and where each complete line ends."""

    inode: int
    scanned: int = 0
    ends: array = field(default_factory=lambda: array("Q"))  # offset just past each complete line's newline


class LineIndex:
    """Line ends of recently read log files, extended as they grow (a bounded cache, most recent kept)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: OrderedDict[Path, _Indexed] = OrderedDict()

    def page(self, path: Path, page: LinePage, *, include_partial: bool) -> dict[str, Any]:
        """The answer for ``page`` of the log at ``path``; a trailing line without its newline is included only
        when ``include_partial`` (the job has ended: nothing more will be written)."""
        with self._lock, path.open("rb") as handle:
            indexed = self._refresh(path, handle)
            ends = indexed.ends
            size = indexed.scanned  # as far as the index has read: a line growing meanwhile is not half-counted
            complete = len(ends)
            partial = include_partial and size > (ends[-1] if ends else 0)
            count = complete + (1 if partial else 0)
            numbers = page.numbers(count)
            texts = []
            for number in numbers:
                start = ends[number - 2] if number > 1 else 0
                end = ends[number - 1] if number <= complete else size
                handle.seek(start)
                texts.append(handle.read(end - start).decode("utf-8", errors="replace").rstrip("\r\n"))
        if not numbers:
            stay = "" if page.base_line is None else str(page.base_line)
            return {"start_line": stay, "end_line": stay, "lines": 0, "content": ""}
        return {
            "start_line": str(numbers[0]),
            "end_line": str(numbers[-1]),
            "lines": len(texts),
            "content": "".join(text + "\n" for text in texts),
        }

    def _refresh(self, path: Path, handle: Any) -> _Indexed:
        stat = os.fstat(handle.fileno())
        indexed = self._files.get(path)
        if indexed is None or indexed.inode != stat.st_ino or stat.st_size < indexed.scanned:
            indexed = _Indexed(stat.st_ino)  # new, replaced or truncated: index it again
        self._files[path] = indexed
        self._files.move_to_end(path)
        while len(self._files) > _CACHED_FILES:
            self._files.popitem(last=False)
        handle.seek(indexed.scanned)
        while indexed.scanned < stat.st_size:
            chunk = handle.read(min(_CHUNK, stat.st_size - indexed.scanned))
            if not chunk:
                break
            found = chunk.find(b"\n")
            while found != -1:
                indexed.ends.append(indexed.scanned + found + 1)
                found = chunk.find(b"\n", found + 1)
            indexed.scanned += len(chunk)
        return indexed
