"""The performance benchmark of issue 12: the provider through the real Pulumi CLI, side by side with the
official SDK and with a stack of trivial dynamic resources, in one run, on a local ModelArts in simulated mode.

    .venv/bin/python -m benchmarks.run [--jobs 50] [--repeat 3] [--only up,preview,...] [--json FILE]

Prints the machine, then one Markdown table: each measurement, its reference, the ratio, the issue's target
and whether it is met. Times are medians over ``--repeat`` repetitions; ratios are medians of the ratios
taken within each repetition (ours and its reference run one after the other). Not a test: it asserts
nothing about time; it exits 1 only when a step failed. See benchmarks/README.md for each method.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import local_server, report
from benchmarks.measurements import Measurements, TokenCount
from benchmarks.polling import BackgroundPolling
from benchmarks.sdk_reference import SdkReference
from benchmarks.stacks import (
    JOB_STACK,
    TRIVIAL_STACK,
    Measured,
    aksk_credentials,
    kill_leftovers,
    location_config,
    make_stack,
    measure,
    password_credentials,
    set_config,
)
from benchmarks.state_size import state_size
from benchmarks.waits import WAIT_SECONDS, run_waits
from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, missing_tools
from tests.support.server import LocalModelArts

SCENARIOS = ("up", "preview", "refresh", "destroy", "calls", "state", "polling", "tokens", "waits")
JOB_TYPE = "pulumi-python:dynamic/modelarts:TrainingJob"
TRIVIAL_TYPE = "pulumi-python:dynamic:Resource"
UP = ("up", "--yes", "--skip-preview")
DESTROY = ("destroy", "--yes", "--skip-preview")
REFRESH = ("refresh", "--yes", "--skip-preview")
PREVIEW = ("preview", "--expect-no-changes")
AFTER_UP = "after `up` (jobs Pending)"
AFTER_REFRESH = "after `refresh` (jobs Running)"
PREVIEWS = 2  # per repetition and stack: previews are cheap, and the noisiest of the timings
WAITS_LEAD_JOBS = 16  # the lead: 16 resources that each wait 3 s


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    """One local ModelArts, the job stack, the trivial stack and the SDK reference, for one run."""

    def __init__(self, workdir: Path, jobs: int, selected: set[str]) -> None:
        self.selected = selected
        self.workdir = workdir
        self.m = Measurements(jobs)
        self.server: LocalModelArts = local_server.start(workdir / "server")
        where = location_config(self.server)
        self.jobs_stack = make_stack(
            workdir / "jobs-stack",
            "bench-jobs",
            JOB_STACK,
            {**where, **aksk_credentials(self.server), "bench-jobs:jobs": str(jobs), "bench-jobs:waitFor": "submitted"},
        )
        self.trivial = make_stack(
            workdir / "trivial-stack", "bench-trivial", TRIVIAL_STACK, {"bench-trivial:jobs": str(jobs)}
        )
        self.sdk = SdkReference(self.server)
        self.jobs = jobs

    def wants(self, *scenarios: str) -> bool:
        return bool(self.selected.intersection(scenarios))

    # --- one repetition -------------------------------------------------------------------------------

    def repetition(self, rep: int) -> None:
        trivial = self.wants("up", "preview", "state")
        if trivial:  # deployed for the whole repetition: its previews alternate with ours
            self.record(rep, "up.trivial", self.pulumi(self.trivial, *UP))
            if self.wants("state") and self.m.trivial_state is None:
                self.m.trivial_state = state_size(self.trivial, TRIVIAL_TYPE)
        # Ours and the SDK take turns going first, so that neither always runs on a warmer or busier machine.
        sdk_first = rep % 2 == 1
        if self.wants("up", "destroy", "calls"):
            self.pair(rep, "submitted", sdk_first=sdk_first)
        elif self.wants("preview", "refresh", "state"):
            self.jobs_cycle(rep, "submitted")
        if self.wants("up", "calls"):
            self.pair(rep, "running", sdk_first=not sdk_first)
        if trivial:
            self.record(rep, "destroy.trivial", self.pulumi(self.trivial, *DESTROY))
        if self.wants("tokens") and not self.m.tokens:
            self.token_cycle()

    def pair(self, rep: int, wait_for: str, *, sdk_first: bool) -> None:
        cycles = [lambda: self.sdk_cycle(rep, wait_for), lambda: self.jobs_cycle(rep, wait_for)]
        for cycle in cycles if sdk_first else reversed(cycles):
            cycle()

    def sdk_cycle(self, rep: int, wait_for: str) -> None:
        deployed, seconds, requests = self.timed(lambda: self.sdk.create(self.jobs, wait_for))
        self.m.add(f"up.{wait_for}.sdk", seconds, requests, rep)
        say(f"  SDK create, wait_for={wait_for}: {seconds:.2f} s")
        local_server.wait_until_settled(self.server)
        _, seconds, requests = self.timed(lambda: self.sdk.destroy(deployed))
        self.m.add("destroy.sdk", seconds, requests, rep)
        say(f"  SDK destroy: {seconds:.2f} s")
        local_server.assert_empty(self.server, "the SDK's destroy")

    def jobs_cycle(self, rep: int, wait_for: str) -> None:
        stack = self.jobs_stack
        set_config(stack, {"bench-jobs:waitFor": wait_for})
        self.record(rep, f"up.{wait_for}.ours", self.pulumi(stack, *UP))
        if wait_for == "submitted":
            self.measure_state(AFTER_UP)
            for _ in range(PREVIEWS if self.wants("preview") else 0):
                self.record(rep, "preview.ours", self.pulumi(stack, *PREVIEW))
                self.record(rep, "preview.trivial", self.pulumi(self.trivial, *PREVIEW))
            if self.wants("refresh", "calls", "state"):
                self.record(rep, "refresh.ours", self.pulumi(stack, *REFRESH))
                self.measure_state(AFTER_REFRESH)
        local_server.wait_until_settled(self.server)
        self.record(rep, "destroy.ours", self.pulumi(stack, *DESTROY))
        local_server.assert_empty(self.server, "`pulumi destroy`")

    def measure_state(self, when: str) -> None:
        if self.wants("state") and when not in self.m.job_states:
            self.m.job_states[when] = state_size(self.jobs_stack, JOB_TYPE)

    def token_cycle(self) -> None:
        """`up`, `refresh` and `destroy` of the N jobs with IAM password credentials (once per run): the
        token requests each command made, and the dynamic-provider processes it ran."""
        config = {**location_config(self.server), **password_credentials(self.server)}
        config.update({"bench-tokens:jobs": str(self.jobs), "bench-tokens:waitFor": "submitted"})
        stack = make_stack(self.workdir / "tokens-stack", "bench-tokens", JOB_STACK, config)
        for command, args in (("up", UP), ("refresh", REFRESH), ("destroy", DESTROY)):
            if command == "destroy":
                local_server.wait_until_settled(self.server)
            measured = measure(stack, self.server, *args, count_processes=True)
            tokens = measured.requests.get(local_server.IAM_TOKEN, 0)
            processes = measured.provider_processes
            say(f"  {command} with a password: {tokens} token request(s), {processes} provider process(es)")
            self.m.tokens.append(TokenCount(f"`{command}` of {self.jobs} jobs", tokens, processes))
        local_server.assert_empty(self.server, "`pulumi destroy` (password)")

    # --- helpers --------------------------------------------------------------------------------------

    def pulumi(self, project: PulumiProject, *args: str) -> Measured:
        return measure(project, self.server, *args)

    def record(self, rep: int, key: str, measured: Measured) -> None:
        self.m.add(key, measured.seconds, measured.requests, rep)
        calls = sum(n for k, n in measured.requests.items() if local_server.is_modelarts(k))
        say(f"  {key}: {measured.seconds:.2f} s, {calls} ModelArts calls")

    def timed(self, action: Callable[[], Any]) -> tuple[Any, float, Any]:
        before = local_server.requests_seen(self.server)
        started = time.monotonic()
        value = action()
        seconds = time.monotonic() - started
        return value, seconds, local_server.requests_seen(self.server) - before

    def close(self) -> None:
        self.server.stop()


def parse_only(values: list[str]) -> set[str]:
    chosen = {name.strip() for value in values for name in value.split(",") if name.strip()}
    unknown = chosen - set(SCENARIOS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown scenario(s) {sorted(unknown)}; choose among {', '.join(SCENARIOS)}")
    return chosen or set(SCENARIOS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=50, help="jobs in the stack (default 50)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each timed step (default 3)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SCENARIO",
        help=f"any of {', '.join(SCENARIOS)} (comma-separated)",
    )
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=90.0,
        help="how long the polling job runs before it completes (default 90)",
    )
    parser.add_argument("--json", type=Path, help="also write every sample to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (stacks, server logs)")
    args = parser.parse_args(argv)
    try:
        selected = parse_only(args.only)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if missing := missing_tools():
        print(f"missing in .tools/bin: {', '.join(missing)}; run `make setup` first", file=sys.stderr)
        return 2

    compile_bytecode()
    machine = report.machine()
    say(f"benchmark: {args.jobs} jobs, {args.repeat} repetition(s), scenarios {', '.join(sorted(selected))}")
    workdir = Path(tempfile.mkdtemp(prefix="modelarts-bench-"))
    started = time.monotonic()
    measurements = Measurements(args.jobs)
    try:
        measurements = run_all(workdir, args.jobs, args.repeat, selected, args.poll_seconds)
    finally:
        if killed := kill_leftovers(workdir):
            say(f"(stopped {len(killed)} process(es) left running under {workdir})")
        if args.keep:
            say(f"(kept {workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    machine["load average at the end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print_report(machine, measurements, args, selected, time.monotonic() - started)
    if args.json:
        payload = {"machine": machine, "args": vars(args) | {"json": str(args.json), "only": sorted(selected)}}
        payload["measurements"] = measurements.to_json()
        args.json.write_text(json.dumps(payload, indent=1, default=str) + "\n", encoding="utf-8")
    return 1 if measurements.errors else 0


def compile_bytecode() -> None:
    """Compile the provider's and the local ModelArts' bytecode, as ``pip install`` does for a package: with
    ``PYTHONDONTWRITEBYTECODE`` set (as on the benchmark machine), every process of an editable install would
    otherwise compile their sources again on each start."""
    for package in ("provider/modelarts_pulumi", "emulator/modelarts_local"):
        compileall.compile_dir(str(REPO_ROOT / package), quiet=1)


def run_all(workdir: Path, jobs: int, repeat: int, selected: set[str], poll_seconds: float) -> Measurements:
    polling: BackgroundPolling | None = None
    if "polling" in selected:
        say(f"polling: one job, completed after {poll_seconds:g} s, in the background")
        polling = BackgroundPolling(workdir, poll_seconds)
        polling.start()
    measurements = Measurements(jobs)
    try:
        if selected - {"polling", "waits"}:
            measurements = run_repetitions(workdir, jobs, repeat, selected)
        if "waits" in selected:
            counts = tuple(sorted({WAITS_LEAD_JOBS, jobs}))
            say(f"waits: {' and '.join(map(str, counts))} jobs that each wait {WAIT_SECONDS:g} s, once")
            try:
                measurements.waits = run_waits(workdir, counts, say)
            except Exception as exc:
                measurements.errors.append(f"waits: {type(exc).__name__}: {exc}")
                say(f"  FAILED: {exc}")
        if polling is not None:
            say("polling: waiting for the job to complete")
            try:
                measurements.polling = polling.result()
            except Exception as exc:
                measurements.errors.append(f"polling: {type(exc).__name__}: {exc}")
                say(f"  FAILED: {exc}")
    except BaseException:  # Ctrl-C: leave no `pulumi up` or server behind
        if polling is not None:
            polling.cancel()
        raise
    return measurements


def run_repetitions(workdir: Path, jobs: int, repeat: int, selected: set[str]) -> Measurements:
    bench = Bench(workdir, jobs, selected)
    measurements = bench.m
    try:
        for rep in range(1, repeat + 1):
            say(f"repetition {rep}/{repeat}")
            try:
                bench.repetition(rep)
            except Exception as exc:  # report what was measured, and what failed
                measurements.errors.append(f"repetition {rep}: {type(exc).__name__}: {exc}")
                say(f"  FAILED: {exc}")
                break
    finally:
        bench.close()
    return measurements


def print_report(
    machine: dict[str, str], m: Measurements, args: argparse.Namespace, selected: set[str], seconds: float
) -> None:
    print()
    print(f"## Benchmark: {args.jobs} jobs, {args.repeat} repetition(s), {seconds:.0f} s in all")
    print()
    for key, value in machine.items():
        print(f"- {key}: {value}")
    print()
    print(report.render(report.build_rows(m, selected)))
    if m.errors:
        print()
        print("ERRORS (the rows above miss what these steps would have measured):")
        for error in m.errors:
            print(f"- {error[:2000]}")


if __name__ == "__main__":
    sys.exit(main())
