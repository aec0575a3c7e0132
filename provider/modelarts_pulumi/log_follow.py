"""Following a task's log as it is written, through the log-by-line call (``GET .../logs/{task}``). It knows
nothing of Pulumi: the dynamic provider streams logs into ``pulumi up`` with it, the command-line tool into
a terminal.

Each :meth:`TaskLog.read_new` returns the lines written since the previous one, in order. A log that is
written faster than it is read is not read forever: after ``max_pages`` pages the follower jumps to the
newest lines and says that it skipped some (how many is unknown: line numbers are opaque to a client).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .errors import ModelArtsApiError
from .wire import LogLines

if TYPE_CHECKING:
    from .client import ModelArtsClient

Order = Literal["asc", "desc"]
PAGE_LINES = 500
"""The most lines one call returns."""

_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f]")


def printable(line: str) -> str:
    """A log line fit for another terminal or log: what a carriage return overwrote is dropped (progress
    bars), and so are terminal escapes and control characters."""
    return _CONTROL.sub("", line.rsplit("\r", 1)[-1])


@dataclass
class NewLines:
    """What a read found: the lines, and how many before them were skipped (``unknown_skipped``: an unknown
    number more, after a jump to the newest lines)."""

    lines: list[str] = field(default_factory=list)
    skipped: int = 0
    unknown_skipped: bool = False


@dataclass
class TaskLog:
    """One task's log, read from ``position`` on (the number of the last line read; ``None``: the start)."""

    client: ModelArtsClient
    job_id: str
    task: str
    position: str | None = None
    max_pages: int = 4

    def read_new(self) -> NewLines:
        """The lines written since the last read. A log that does not exist yet reads as no lines; any other
        failure is raised (the caller decides whether to go on)."""
        found = NewLines()
        for _ in range(self.max_pages):
            page = self._page(base_line=self.position, order="asc")
            if page is None:
                return found
            found.lines += page.texts
            if page.lines:
                self.position = page.end_line
            if page.lines < PAGE_LINES:
                return found
        return self._jump(found)

    def tail(self, count: int) -> list[str]:
        """The last ``count`` lines (at most 500), oldest first; the next :meth:`read_new` starts after them."""
        page = self._page(base_line=None, order="desc", lines=max(1, min(count, PAGE_LINES)))
        if page is None or not page.lines:
            return []
        self.position = page.start_line
        return page.texts[::-1]

    def _jump(self, behind: NewLines) -> NewLines:
        """Still behind after ``max_pages`` pages: skip to the newest page."""
        page = self._page(base_line=None, order="desc")
        newest = page.texts[::-1] if page else []
        if page and page.lines and _after(page.end_line, self.position):
            self.position = page.start_line
            return NewLines(newest, skipped=len(behind.lines), unknown_skipped=True)
        return behind  # the writer slowed down meanwhile: nothing was skipped after all

    def _page(self, *, base_line: str | None, order: Order, lines: int = PAGE_LINES) -> LogLines | None:
        try:
            return self.client.get_log_lines(self.job_id, self.task, base_line=base_line, lines=lines, order=order)
        except ModelArtsApiError as exc:
            if exc.is_not_ready:
                return None  # no log yet
            raise


def _after(line: str | None, position: str | None) -> bool:
    """Whether ``line`` comes after ``position`` (unknown for numbers that are not numeric: assume it does)."""
    if line is None or position is None or not (line.isdigit() and position.isdigit()):
        return True
    return int(line) > int(position)
