"""The log stream of a wait (``providers/log_stream.py``) and the log follower under it (``log_follow.py``),
with a fake log and a fake clock: the rate bound, what is skipped and said, the order, and catching up."""

from __future__ import annotations

from typing import Any

from modelarts_pulumi.errors import ModelArtsApiError
from modelarts_pulumi.log_follow import PAGE_LINES, TaskLog, printable
from modelarts_pulumi.providers.log_stream import BURST_SECONDS, LogStream
from modelarts_pulumi.wire import LogLines, TrainingJob


class FakeLog:
    """A growing log served as the log-by-line call serves it (line numbers: ordinals)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.calls = 0
        self.ready = True

    def get_log_lines(self, job_id: str, task: str, *, base_line: str | None, lines: int, order: str) -> LogLines:
        self.calls += 1
        if not self.ready:
            raise ModelArtsApiError(204, "ModelArts.2776", "not ready")
        count = len(self.lines)
        if order == "asc":
            first = 1 if base_line is None else int(base_line) + 1
            numbers = list(range(first, min(count, first + lines - 1) + 1))
        else:
            last = count if base_line is None else int(base_line) - 1
            numbers = list(range(last, max(0, last - lines), -1))
        if not numbers:
            return LogLines(start_line=base_line, end_line=base_line, lines=0, content="")
        content = "".join(self.lines[n - 1] + "\n" for n in numbers)
        return LogLines(start_line=str(numbers[0]), end_line=str(numbers[-1]), lines=len(numbers), content=content)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def running_job() -> TrainingJob:
    return TrainingJob.model_validate(
        {"metadata": {"id": "j1", "name": "train"}, "status": {"phase": "Running", "tasks": ["worker-0"]}}
    )


def stream(log: FakeLog, rate: int) -> tuple[LogStream, list[str], Clock]:
    said: list[str] = []
    clock = Clock()
    client: Any = log
    return LogStream(client, running_job(), rate, say=said.append, clock=clock), said, clock


def test_lines_within_the_rate_are_shown_in_order_with_the_job_and_task():
    log = FakeLog()
    follow, said, clock = stream(log, rate=10)
    log.lines += ["epoch 1", "epoch 2"]
    follow.pump()
    clock.now += 1
    log.lines += ["epoch 3"]
    follow.pump()
    follow.close()
    assert said == ["[train worker-0] epoch 1", "[train worker-0] epoch 2", "[train worker-0] epoch 3"]
    assert (follow.shown, follow.skipped) == (3, 0)


def test_beyond_the_rate_the_newest_lines_are_shown_and_the_rest_counted():
    log = FakeLog()
    follow, said, clock = stream(log, rate=5)
    burst = int(5 * BURST_SECONDS)
    for _second in range(4):
        start = len(log.lines)
        log.lines += [f"line {start + n}" for n in range(1, 51)]
        follow.pump()
        clock.now += 1
    follow.close()
    shown = [int(s.rsplit(" ", 1)[1]) for s in said if "line " in s and "skipped" not in s]
    skipped = [int(s.split("... ")[1].split(" ")[0]) for s in said if "skipped" in s]
    assert shown == sorted(shown) and shown[-1] == 200  # in order, and the newest line is never lost
    assert len(shown) == burst + 3 * 5  # the burst, then 5 a second
    assert sum(skipped) + len(shown) == 200 == follow.shown + follow.skipped
    log.lines += [f"line {n}" for n in range(201, 221)]
    follow.close()  # the end of the log gets one more burst: the last lines are never lost
    assert said[-burst - 1 :] == ["[train worker-0] ... 10 lines skipped"] + [
        f"[train worker-0] line {n}" for n in range(211, 221)
    ]


def test_lines_skipped_while_nothing_could_be_shown_are_said_once_with_the_next_lines():
    log = FakeLog()
    follow, said, clock = stream(log, rate=1)
    log.lines += [f"a{n}" for n in range(5)]
    follow.pump()  # shows 2 (the burst), skips 3
    log.lines += ["b"]
    follow.pump()  # no token left: nothing shown, the skipped line waits
    clock.now += 1
    log.lines += ["c"]
    follow.pump()
    assert said == [
        "[train worker-0] ... 3 lines skipped",
        "[train worker-0] a3",
        "[train worker-0] a4",
        "[train worker-0] ... 1 line skipped",
        "[train worker-0] c",
    ]


def test_no_log_yet_is_quiet_and_a_rate_of_zero_reads_nothing():
    log = FakeLog()
    log.ready = False
    follow, said, _ = stream(log, rate=10)
    follow.pump()
    assert said == []
    off, said_off, _ = stream(log, rate=0)
    off.close()
    assert (said_off, log.calls) == ([], 1)


def test_a_follower_far_behind_jumps_to_the_newest_lines():
    log = FakeLog()
    log.lines = [f"line {n}" for n in range(1, 5 * PAGE_LINES + 101)]
    follower = TaskLog(log, "j1", "worker-0", max_pages=4)  # type: ignore[arg-type]
    found = follower.read_new()
    assert found.unknown_skipped and found.skipped == 4 * PAGE_LINES
    assert found.lines == log.lines[-PAGE_LINES:]
    assert follower.read_new().lines == []
    log.lines.append("the next one")
    assert follower.read_new().lines == ["the next one"]


def test_printable_keeps_what_a_terminal_would_show_last():
    assert printable("10%\r50%\r100% done") == "100% done"
    assert printable("\x1b[31mred\x1b[0m text\x07") == "red text"
