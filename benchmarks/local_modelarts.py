"""Benchmark: the local ModelArts alone, with N stored training jobs (default 1,000), under load.

Starts a server (simulated mode) over a fresh data dir, stores N jobs through the API, then drives three
calls in turn, each for a fixed time, from C concurrent clients (default 16) authenticated with an IAM
token, over loopback:

- ``get``: ``GET /v2/{project}/training-jobs/{id}`` of a random stored job;
- ``search``: ``POST /v2/{project}/training-job-searches`` with a name filter on a random stored name
  (what the provider sends before every create);
- ``create``: ``POST /v2/{project}/training-jobs`` with a new name each time.

It prints a table (requests/s, p50, p99, errors, and the machine's load average as each call began) and
whether each target of issue 12 is met: get at 500 requests/s or more, search and create at 200 or more,
all with p99 under 50 ms. Each call is measured at saturation (the clients send as fast as answers come),
so p99 is the tail at the highest rate, and it is the first figure that other work on the machine skews:
compare runs at a similar load.

The load generator is ``wrk`` (C, one thread, closed loop: each of the C connections sends its next request
when the answer arrived) driven by a generated Lua script. Install it with ``apt-get install -y wrk``
(Debian/Ubuntu) or ``brew install wrk``. Without it the benchmark falls back to an asyncio client in
this process and says so: that client needs CPU of its own, so on a small machine it measures less than
the server can do.

Run by hand (it is a benchmark, not a test):

    .venv/bin/python benchmarks/local_modelarts.py [--jobs 1000 --clients 16 --seconds 10]
        [--only get|search|create ...] [--config SERVER.json] [--python-client] [--keep]

Why one script of about 400 lines: a benchmark that runs on its own (``python benchmarks/local_modelarts.py``):
server start, seeding, the ``wrk`` driver, its fallback client and the report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.bodies import inline_job_body  # noqa: E402
from tests.support.server import LocalModelArts, start_local_modelarts  # noqa: E402

#: The targets of issue 12: (minimum requests/s, maximum p99 in ms) per call.
TARGETS: dict[str, tuple[float, float]] = {"get": (500.0, 50.0), "search": (200.0, 50.0), "create": (200.0, 50.0)}


@dataclass(frozen=True)
class Result:
    """One scenario's measurement."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    #: The machine's 1-minute load average when the call's load began (other work on it skews p99 first).
    load: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def meets(self) -> bool:
        minimum_rate, maximum_p99 = TARGETS[self.name]
        return self.rate >= minimum_rate and self.p99_ms < maximum_p99 and self.errors == 0


# --- the jobs -------------------------------------------------------------------------------------------


def job_body(name: str) -> dict[str, Any]:
    """A create body like the provider's: inline code, hyperparameters, one input and one output channel."""
    body = inline_job_body(
        "/bench-bucket/code/",
        "/bench-bucket/code/train.py",
        name,
        parameters=[{"name": "epochs", "value": "3"}, {"name": "lr", "value": "0.01"}],
        inputs=[{"name": "data_url", "remote": {"obs": {"obs_url": "/bench-bucket/data/"}}}],
        outputs=[{"name": "train_url", "remote": {"obs": {"obs_url": "/bench-bucket/output/"}}}],
    )
    body["metadata"]["description"] = "load benchmark"
    body["spec"]["log_export_path"] = {"obs_url": "/bench-bucket/logs/"}
    return body


def store_jobs(server: LocalModelArts, count: int, clients: int) -> tuple[list[tuple[str, str]], float]:
    """Create ``count`` jobs with ``clients`` threads; their (id, name) and the seconds it took."""
    run = uuid.uuid4().hex[:8]
    local = threading.local()

    def create(index: int) -> tuple[str, str]:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers["X-Auth-Token"] = server.token
        name = f"stored-{run}-{index:05d}"
        response = session.post(f"{server.v2}/training-jobs", json=job_body(name), timeout=120)
        if response.status_code != 201:
            raise RuntimeError(f"storing job {name}: {response.status_code} {response.text[:300]}")
        return str(response.json()["metadata"]["id"]), name

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        jobs = list(pool.map(create, range(count)))
    return jobs, time.perf_counter() - started


def search_body(name: str) -> dict[str, Any]:
    return {"filters": [{"key": "name", "operator": "like", "value": [name]}]}


def check_search(server: LocalModelArts, name: str) -> None:
    """The search the load uses really finds the job (a fast wrong answer would be no result)."""
    response = requests.post(
        f"{server.v2}/training-job-searches",
        json=search_body(name),
        headers={"X-Auth-Token": server.token},
        timeout=30,
    )
    response.raise_for_status()
    found = [item["metadata"]["name"] for item in response.json()["items"]]
    if found != [name]:
        raise RuntimeError(f"search by name {name} answered {found}")


# --- wrk --------------------------------------------------------------------------------------------------

_WRK_COMMON = r"""
local token = "%(token)s"
local base = "%(base)s"
local lines = {}
tid_next = 0

function setup(thread)
  thread:set("tid", tid_next)
  tid_next = tid_next + 1
end

function init(args)
  for line in io.lines("%(lines)s") do lines[#lines + 1] = line end
  math.randomseed(os.time() + tid * 7919)
  wrk.headers["X-Auth-Token"] = token
  wrk.headers["Content-Type"] = "application/json"
  counter = 0
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "errors": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""

_WRK_REQUEST = {
    "get": r"""
function request()
  return wrk.format("GET", base .. "/training-jobs/" .. lines[math.random(#lines)])
end
""",
    "search": r"""
function request()
  local body = '{"filters": [{"key": "name", "operator": "like", "value": ["' .. lines[math.random(#lines)] .. '"]}]}'
  return wrk.format("POST", base .. "/training-job-searches", nil, body)
end
""",
    "create": r"""
function request()
  counter = counter + 1
  local name = string.format("load-%%s-%%d-%%d", run, tid, counter)
  return wrk.format("POST", base .. "/training-jobs", nil, (string.gsub(lines[1], "@NAME@", name)))
end
""",
}


def run_wrk(
    wrk: str, server: LocalModelArts, scenario: str, lines: list[str], clients: int, seconds: float, workdir: Path
) -> Result:
    lines_path = workdir / f"{scenario}.lines"
    lines_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script = (_WRK_COMMON + _WRK_REQUEST[scenario]) % {
        "token": server.token,
        "base": urlsplit(server.v2).path,
        "lines": str(lines_path),
    }
    script = f'run = "{uuid.uuid4().hex[:8]}"\n' + script
    script_path = workdir / f"{scenario}.lua"
    script_path.write_text(script, encoding="utf-8")
    argv = [wrk, "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script_path)]
    completed = subprocess.run([*argv, server.url], capture_output=True, text=True, timeout=seconds + 120)
    match = re.search(r"WRK_RESULT (\{.*\})", completed.stdout)
    if completed.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(match.group(1))
    return Result(
        scenario,
        int(data["requests"]),
        data["duration_us"] / 1e6,
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
        int(data["errors"]),
    )


# --- the asyncio fallback -----------------------------------------------------------------------------------


async def _one_client(
    host: str, port: int, make_request: Any, deadline: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            payload = make_request()
            started = time.perf_counter()
            writer.write(payload)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status >= 400:
                errors.append(status)
    finally:
        writer.close()


def run_asyncio(server: LocalModelArts, scenario: str, lines: list[str], clients: int, seconds: float) -> Result:
    """The same load from asyncio coroutines over raw keep-alive connections, in this process."""
    parts = urlsplit(server.v2)
    host, port, base = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
    run = uuid.uuid4().hex[:8]
    counter = iter(range(10**9))

    def http(method: str, path: str, body: bytes = b"") -> bytes:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nX-Auth-Token: {server.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    def make_request() -> bytes:
        pick = lines[hash((time.perf_counter_ns(), id(lines))) % len(lines)]
        if scenario == "get":
            return http("GET", f"{base}/training-jobs/{pick}")
        if scenario == "search":
            return http("POST", f"{base}/training-job-searches", json.dumps(search_body(pick)).encode())
        name = f"load-{run}-{next(counter)}"
        return http("POST", f"{base}/training-jobs", json.dumps(job_body(name)).encode())

    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> float:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(_one_client(host, port, make_request, deadline, latencies, errors) for _ in range(clients))
        )
        return time.perf_counter() - started

    elapsed = asyncio.run(main())
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000 if latencies else 0.0

    return Result(scenario, len(latencies), elapsed, percentile(50), percentile(99), len(errors))


# --- report -------------------------------------------------------------------------------------------------


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{os.cpu_count()} cores ({model or 'unknown CPU'}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, load average before the run {load}"
    )


def table(results: list[Result]) -> str:
    header = f"{'call':<8} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'load':>5}  target"
    rows = [header, "-" * len(header)]
    for r in results:
        minimum_rate, maximum_p99 = TARGETS[r.name]
        verdict = "met" if r.meets() else "NOT met"
        rows.append(
            f"{r.name:<8} {r.rate:>11.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.errors:>7} {r.load:>5.2f}  "
            f">= {minimum_rate:.0f}/s, p99 < {maximum_p99:.0f} ms: {verdict}"
        )
    return "\n".join(rows)


@contextlib.contextmanager
def work_dir(*, keep: bool) -> Iterator[Path]:
    """A fresh folder for the server's data dir, its log and wrk's scripts; removed after unless kept."""
    path = Path(tempfile.mkdtemp(prefix="modelarts-local-bench-"))
    try:
        yield path
    finally:
        if keep:
            print(f"work dir kept: {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def measure(server: LocalModelArts, args: argparse.Namespace, wrk: str | None, workdir: Path) -> list[Result]:
    """Store the jobs, then load each call in turn."""
    jobs, store_seconds = store_jobs(server, args.jobs, args.clients)
    print(f"stored {len(jobs)} jobs in {store_seconds:.1f} s ({len(jobs) / store_seconds:.0f} creates/s)")
    check_search(server, jobs[len(jobs) // 2][1])
    template = json.dumps(job_body("@NAME@"))
    inputs = {"get": [i for i, _ in jobs], "search": [n for _, n in jobs], "create": [template]}
    results = []
    for scenario in args.only or list(TARGETS):
        load = os.getloadavg()[0]
        if wrk:
            result = run_wrk(wrk, server, scenario, inputs[scenario], args.clients, args.seconds, workdir)
        else:
            result = run_asyncio(server, scenario, inputs[scenario], args.clients, args.seconds)
        result = dataclasses.replace(result, load=load)
        print(f"  {scenario}: {result.rate:.0f} requests/s, p99 {result.p99_ms:.1f} ms", flush=True)
        results.append(result)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs stored before the load (default 1000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per call (default 10)")
    parser.add_argument("--only", choices=sorted(TARGETS), action="append", help="run only these calls")
    parser.add_argument("--config", type=Path, help="the server's JSON config file (default: the server's defaults)")
    parser.add_argument("--python-client", action="store_true", help="use the asyncio client even if wrk exists")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (server log, data dir)")
    args = parser.parse_args(argv)

    wrk = None if args.python_client else shutil.which("wrk")
    if wrk:
        generator = f"wrk ({wrk}), 1 thread, {args.clients} connections, closed loop"
    else:
        generator = f"asyncio client in this process, {args.clients} connections, closed loop"
        if not args.python_client:
            print(
                "note: wrk is not installed (apt-get install -y wrk); falling back to an asyncio client that "
                "shares the CPU with the server: on a small machine the figures understate the server",
                file=sys.stderr,
            )

    config = json.loads(args.config.read_text(encoding="utf-8")) if args.config else None
    print(f"machine: {machine()}")
    print(f"load generator: {generator}")
    with work_dir(keep=args.keep) as workdir:
        server = start_local_modelarts(workdir / "data", mode="simulated", config=config)
        try:
            results = measure(server, args, wrk, workdir)
        finally:
            server.stop()
    print()
    print(f"local ModelArts, {args.jobs} stored jobs, {args.clients} clients, IAM token, loopback")
    print(f"each call for {args.seconds:g} s")
    print(table(results))
    print(f"load generator: {generator}")
    return 0 if all(r.meets() for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
