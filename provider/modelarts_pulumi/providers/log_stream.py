"""The task logs of a job that ``up`` waits on, shown in the ``up`` output as they are written, at a bounded
rate (``TrainingJob(log_lines_per_second=...)``).

The hook into a wait is :meth:`LogStream.sleep`: the wait sleeps through it between two polls of the job,
and it reads the logs meanwhile, every ``LOG_POLL_SECONDS``, once the job has a log. A chatty script cannot
flood the engine: a token bucket lets ``rate`` lines a second through (``BURST_SECONDS`` of them at once,
and once more at the end, so that the last lines are never lost); beyond that the newest lines of a read are
shown, after a line saying how many were skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING

from ..errors import ModelArtsApiError
from ..log_follow import NewLines, TaskLog, printable
from ..wire import LOGGING_PHASES, TrainingJob
from .polling import Deadline
from .progress import log_line, progress

if TYPE_CHECKING:
    from ..client import ModelArtsClient

LOG_POLL_SECONDS = 1.0
BURST_SECONDS = 2.0


@dataclass(eq=False)
class LogStream:
    """Follows every task of one job; :meth:`pump` shows what is new."""

    client: ModelArtsClient
    job: TrainingJob
    rate: int
    _: KW_ONLY
    say: Callable[[str], None] = log_line
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    filled_at: float = field(init=False)
    tasks: dict[str, TaskLog] = field(init=False, default_factory=dict)
    unsaid: dict[str, tuple[int, bool]] = field(init=False, default_factory=dict)
    """Per task: the lines skipped and not said yet, and whether more were."""
    shown: int = field(init=False, default=0)
    skipped: int = field(init=False, default=0)
    stopped_by: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.tokens = self.rate * BURST_SECONDS
        self.filled_at = self.clock()

    @property
    def active(self) -> bool:
        return self.rate > 0 and self.stopped_by is None

    def seen(self, job: TrainingJob) -> None:
        """The job as the wait last polled it (its phase says whether it has a log yet)."""
        self.job = job

    def sleep(self, deadline: Deadline, seconds: float) -> None:
        """Sleep ``seconds`` (within the deadline), reading the logs every ``LOG_POLL_SECONDS`` meanwhile."""
        until = self.clock() + seconds
        while True:
            if self.active and self.job.phase in LOGGING_PHASES:
                self.pump()
            left = until - self.clock()
            if left <= 0 or deadline.expired:
                return
            deadline.sleep(min(left, LOG_POLL_SECONDS))

    def close(self) -> None:
        """The wait is over: show what was written since the last read (with one more burst, so that the end
        of the log, where a failure shows, is never lost), and say what was skipped."""
        if self.active and self.job.phase in LOGGING_PHASES:
            self._refill()
            self.tokens = max(self.tokens, self.rate * BURST_SECONDS)
            self.pump()
        for task in list(self.unsaid):
            self._say_skipped(task)

    def pump(self) -> None:
        """Show the lines written since the last pump, within the rate."""
        self._refill()
        for task in self.job.tasks:
            follower = self.tasks.setdefault(task, TaskLog(self.client, self.job.metadata.id, task))
            try:
                found = follower.read_new()
            except ModelArtsApiError as exc:
                if not exc.is_transient:  # e.g. a region without the call: say so once, and stop reading
                    self.stopped_by = str(exc)
                    progress(f"training job {self.job.metadata.name}: its log cannot be followed ({exc})")
                    return
                continue  # read again at the next pump
            self._show(task, found)

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.rate * BURST_SECONDS, self.tokens + (now - self.filled_at) * self.rate)
        self.filled_at = now

    def _show(self, task: str, found: NewLines) -> None:
        allowed = min(len(found.lines), int(self.tokens))
        skipped, more = self.unsaid.pop(task, (0, False))
        self.unsaid[task] = (skipped + found.skipped + len(found.lines) - allowed, more or found.unknown_skipped)
        if allowed:  # what was skipped is said just before the next lines shown (or at the end)
            self._say_skipped(task)
        for line in found.lines[len(found.lines) - allowed :]:
            self.say(f"{self._prefix(task)} {printable(line)}")
        self.tokens -= allowed
        self.shown += allowed

    def _say_skipped(self, task: str) -> None:
        skipped, more = self.unsaid.pop(task, (0, False))
        if skipped or more:
            self.skipped += skipped
            lines = f"{'more than ' if more else ''}{skipped} line{'s' if skipped != 1 else ''}"
            self.say(f"{self._prefix(task)} ... {lines} skipped")

    def _prefix(self, task: str) -> str:
        return f"[{self.job.metadata.name} {task}]"
