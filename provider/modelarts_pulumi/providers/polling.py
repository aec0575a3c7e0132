"""The cadence of every poll, and waiting with a deadline (dynamic providers get no engine-enforced timeouts, so
every wait brings its own).

The cadence, per job: the first poll half a second after the wait starts (the create, or the action it waits
on), then a poll every quarter of the time waited so far, but at most one a second and at least one every 5 s.
So a phase change is noticed late by a quarter of the wait at most, and never by more than 5 s; and a long
wait costs 12 polls a minute.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

FIRST_POLL_SECONDS = 0.5
"""The first poll after a create or an action: quick phases end in about that much."""
POLL_SHARE = 0.25
"""The gap before the next poll, as a share of the time waited so far."""
MIN_POLL_GAP_SECONDS = 1.0
"""At most one poll per second per job."""
MAX_POLL_GAP_SECONDS = 5.0
"""A phase change is noticed within this long; 12 polls a minute once the gaps reach it."""


class Deadline:
    """A wait's deadline, ``seconds`` from now, and the pacing of its polls."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()
        self._last_poll = self.started

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def expired(self) -> bool:
        return self.elapsed >= self.seconds

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, never past the deadline."""
        time.sleep(max(0.0, min(seconds, self.seconds - self.elapsed)))

    def until_next_poll(self, interval: float) -> float:
        """Seconds from now until the next poll is due: ``interval`` after the previous one (or the start of
        the wait), never past the deadline; and that poll is counted as due then. The time the previous poll and
        whatever followed it took counts, so the polls keep their cadence however slow the answers are, and
        never come closer than ``interval`` (a poll later than due moves the next one on)."""
        now = time.monotonic()
        due = min(max(self._last_poll + interval, now), self.started + self.seconds)
        self._last_poll = due
        return due - now

    def pace(self, interval: float) -> None:
        """Sleep until the next poll is due (:meth:`until_next_poll`)."""
        time.sleep(self.until_next_poll(interval))


def poll_intervals(
    first: float = FIRST_POLL_SECONDS,
    share: float = POLL_SHARE,
    least: float = MIN_POLL_GAP_SECONDS,
    most: float = MAX_POLL_GAP_SECONDS,
) -> Iterator[float]:
    """The gaps between the polls of one wait: ``first``, then ``share`` of the time waited so far, within
    [``least``, ``most``]: polls at 0.5, 1.5, 2.5, 3.5, 4.5, 5.6, 7.0, 8.8, 11, ... 21.5, 26.5, 31.5 s, ..."""
    waited = first
    yield first
    while True:
        gap = min(most, max(least, waited * share))
        yield gap
        waited += gap
