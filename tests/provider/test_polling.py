"""The cadence of the polls (``providers/polling.py``): when a wait polls, and how the pacing counts the time
the polls themselves take. The figures are issue 12's: a phase change noticed within 5 s, at most one poll a
second per job, at most 12 a minute after the first minute."""

from __future__ import annotations

import itertools

import pytest

from modelarts_pulumi.providers import polling
from modelarts_pulumi.providers.polling import Deadline, poll_intervals


def poll_times(count: int) -> list[float]:
    return list(itertools.accumulate(itertools.islice(poll_intervals(), count)))


def test_the_first_poll_comes_half_a_second_in_then_a_quarter_of_the_wait_between_1_and_5_seconds():
    times = poll_times(60)
    assert times[:5] == pytest.approx([0.5, 1.5, 2.5, 3.5, 4.5])
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(1.0 <= gap <= 5.0 for gap in gaps)
    for waited, gap in zip(times, gaps, strict=False):
        assert gap == pytest.approx(min(5.0, max(1.0, waited / 4)))


def test_after_the_first_minute_a_job_is_polled_every_5_seconds():
    times = poll_times(200)
    after = [at for at in times if at >= 60]
    gaps = [b - a for a, b in itertools.pairwise(after)]
    assert gaps and all(gap == pytest.approx(5.0) for gap in gaps)  # 12 a minute, a change seen within 5 s
    assert sum(1 for at in times if at < 60) == 19


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(polling.time, "monotonic", fake.monotonic)
    monkeypatch.setattr(polling.time, "sleep", fake.sleep)
    return fake


def test_pacing_counts_the_time_since_the_previous_poll_began(clock: FakeClock):
    deadline = Deadline(60)
    clock.now += 0.2  # the create's answer took 0.2 s after the wait began
    deadline.pace(0.5)
    assert clock.slept == [pytest.approx(0.3)]
    clock.now += 0.4  # the poll took 0.4 s
    deadline.pace(1.0)
    assert clock.slept[-1] == pytest.approx(0.6)
    clock.now += 1.5  # a slow answer: the next poll goes at once, never sooner than a gap after the last
    deadline.pace(1.0)
    assert clock.slept[-1] == 0.0


def test_pacing_never_sleeps_past_the_deadline(clock: FakeClock):
    deadline = Deadline(3)
    clock.now += 2.5
    deadline.pace(5.0)
    assert clock.slept == [pytest.approx(0.5)]
    assert deadline.expired
