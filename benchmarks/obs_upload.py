"""Benchmark: an ObsFolder upload against the official OBS SDK doing the same, on the local OBS.

The content: 1,000 small files (1-8 KiB, in 20 folders) and one 200 MB file. Two scenarios, each run
``--repeat`` times, ours and the SDK's taking turns going first, each into a fresh prefix (nothing to skip):

- ``small``: the 1,000 files. Ours: the ObsFolder provider's ``create`` (it lists and hashes the source, holds
  the folder with its marker, uploads, lists again to check). The SDK: ``putFile`` per file from a pool of the
  same size as ours (8 workers).
- ``large``: the 200 MB file. Ours: the same ``create``, multipart (9 MiB parts, 8 workers). The SDK:
  ``uploadFile`` with ``partSize`` 9 MiB and ``taskNum`` 8, its multipart upload; once as it comes (no checksum
  at all), once with ``checkSum=True`` (it then reads the file for its SHA-256 first, as ours does for the
  ``content-sha256`` metadata). Ours also sends every part's ``Content-MD5``, which OBS checks; the SDK's
  ``uploadFile`` never does. On a 2-core machine where the local OBS shares the CPUs with both clients, those
  hashes are what separates the two.

Each row prints the median seconds (min-max) of both and the median of the ratios taken within a repetition
(ours / SDK; target: at most 1.2). Then **nothing changed**: a Pulumi stack with an ObsFolder on the 1,000
files is deployed with the real CLI, and deployed again unchanged; the second ``up`` must send no OBS request
at all (the server's request counts), and a forced re-run of ``create`` on the same content uploads no byte
(every file skipped).

Run by hand (it is a benchmark, not a test; it needs ``make setup``):

    .venv/bin/python -m benchmarks.obs_upload [--repeat 3] [--small 1000] [--large-mb 200] [--keep]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs import ObsClient as SdkClient  # type: ignore[import-untyped]

from benchmarks.local_server import COUNT_ONLY_FAULTS, requests_seen
from modelarts_pulumi.content import DEFAULT_EXCLUDES, SourceEntry, content_hash, scan
from modelarts_pulumi.obs import ObsClient
from modelarts_pulumi.obs.transfer import DEFAULT_PART_SIZE, DEFAULT_WORKERS
from modelarts_pulumi.providers import context
from modelarts_pulumi.providers.obs_folder import ObsFolderProvider
from modelarts_pulumi.settings import Settings
from tests.support.programs import Program
from tests.support.pulumi_cli import PulumiProject
from tests.support.server import LocalModelArts, start_local_modelarts

BUCKET = "bench-bucket"
TARGET_RATIO = 1.2


@dataclass
class Row:
    name: str
    ours: list[float]
    sdk: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(o / s for o, s in zip(self.ours, self.sdk, strict=True))


def make_content(root: Path, small: int, large_mb: int) -> tuple[Path, Path]:
    """``root/small`` (``small`` files of 1-8 KiB in 20 folders) and ``root/large`` (one file of ``large_mb`` MB)."""
    rng = random.Random(12)
    for i in range(small):
        path = root / "small" / f"pkg{i % 20}" / f"module_{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(rng.randint(1024, 8192)))
    (root / "large").mkdir()
    with (root / "large" / "weights.bin").open("wb") as handle:
        for _ in range(large_mb):
            handle.write(rng.randbytes(1024 * 1024))
    return root / "small", root / "large"


def folder_props(source: Path, prefix: str) -> dict[str, Any]:
    """What the ObsFolder class registers for ``source`` (the program's side: the listing and the hash)."""
    entries = [SourceEntry(kind="folder", local=str(source))]
    return {
        "source": str(source),
        "entries": [entry.model_dump(exclude_none=True) for entry in entries],
        "bucket": BUCKET,
        "prefix": prefix,
        "exclude": list(DEFAULT_EXCLUDES),
        "code_limits": False,
        "holder": f"benchmark/{prefix}",
        "content_hash": content_hash(scan(entries, DEFAULT_EXCLUDES)),
    }


def ours(source: Path, prefix: str) -> Callable[[], Any]:
    props = folder_props(source, prefix)  # the program's hashing is not the upload: done before the clock
    checked = ObsFolderProvider().check({}, props).inputs
    return lambda: ObsFolderProvider().create(checked)


def sdk_small(sdk: SdkClient, source: Path, prefix: str) -> Callable[[], None]:
    files = sorted(p for p in source.rglob("*") if p.is_file())

    def put(path: Path) -> None:
        answer = sdk.putFile(BUCKET, prefix + path.relative_to(source).as_posix(), str(path))
        if answer.status >= 300:
            raise RuntimeError(f"SDK putFile {path}: {answer.status} {answer.errorCode}")

    def run() -> None:
        with ThreadPoolExecutor(DEFAULT_WORKERS) as pool:
            list(pool.map(put, files))

    return run


def sdk_large(sdk: SdkClient, source: Path, prefix: str, *, check_sum: bool = False) -> Callable[[], None]:
    path = source / "weights.bin"

    def run() -> None:
        answer = sdk.uploadFile(
            BUCKET,
            prefix + "weights.bin",
            str(path),
            partSize=DEFAULT_PART_SIZE,
            taskNum=DEFAULT_WORKERS,
            checkSum=check_sum,
        )
        if answer.status >= 300:
            raise RuntimeError(f"SDK uploadFile: {answer.status} {answer.errorCode}")

    return run


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def measure(
    name: str, repeat: int, mine: Callable[[int], Callable[[], Any]], theirs: Callable[[int], Callable[[], None]]
) -> Row:
    row = Row(name, [], [])
    for i in range(repeat):
        first, second = (mine, theirs) if i % 2 == 0 else (theirs, mine)
        times = [timed(first(i)), timed(second(i))]
        ours_time, sdk_time = (times[0], times[1]) if first is mine else (times[1], times[0])
        row.ours.append(ours_time)
        row.sdk.append(sdk_time)
    return row


def obs_requests(server: LocalModelArts) -> Counter[str]:
    return Counter({key: n for key, n in requests_seen(server).items() if f" /{BUCKET}" in key})


def nothing_changed(server: LocalModelArts, work: Path, small: Path) -> tuple[int, Counter[str]]:
    """(OBS requests of an unchanged ``pulumi up``, the requests a forced ``create`` of the same content sends
    by kind)."""
    program = (
        Program(bucket=BUCKET)
        .line(f'modelarts.ObsFolder("small", source={str(small)!r}, bucket=bucket, prefix="cli/", code_limits=False)')
        .text()
    )
    project = PulumiProject.create(work / "stack", name="obs-upload-bench", files={"__main__.py": program})
    project.init_stack("bench")
    for key, value in server.stack_config().items():
        project.set_config(key, value, secret=key.endswith(("accessKey", "secretKey")))
    project.up()
    before = obs_requests(server)
    second = project.up()
    summary = second.stdout.split("Resources:")[-1]
    assert "unchanged" in summary and not any(w in summary for w in ("created", "updated", "replaced")), summary
    unchanged_up = sum((obs_requests(server) - before).values())

    props = ObsFolderProvider().check({}, folder_props(small, "cli/")).inputs
    sent_before = obs_requests(server)
    ObsFolderProvider().create(props)  # the same content where it already is: every file skipped
    kinds: Counter[str] = Counter()
    for key, n in (obs_requests(server) - sent_before).items():
        method, path = key.split(" ", 1)
        what = "marker" if "/.holders/" in path else "bucket" if path == f"/{BUCKET}" else "object"
        kinds[f"{method} {what}"] += n
    project.destroy()
    return unchanged_up, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--small", type=int, default=1000, help="small files (default 1000)")
    parser.add_argument("--large-mb", type=int, default=200, help="size of the large file, MB (default 200)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="obs-upload-bench-"))
    bucket_dir = work / "bucket"
    server = start_local_modelarts(
        work / "data", mode="simulated", config={"faults": COUNT_ONLY_FAULTS}, buckets={BUCKET: bucket_dir}
    )
    try:
        small, large = make_content(work / "content", args.small, args.large_mb)
        config = server.stack_config()
        context.set_stack_config(config)
        settings = Settings.from_config(config, env={})
        sdk = SdkClient(access_key_id=settings.access_key, secret_access_key=settings.secret_key, server=server.obs_url)
        with ObsClient(settings) as check:
            check.head_bucket(BUCKET)

        rows = [
            measure(
                f"{args.small} small files",
                args.repeat,
                lambda i: ours(small, f"ours/small-{i}/"),
                lambda i: sdk_small(sdk, small, f"sdk/small-{i}/"),
            ),
            measure(
                f"one {args.large_mb} MB file",
                args.repeat,
                lambda i: ours(large, f"ours/large-{i}/"),
                lambda i: sdk_large(sdk, large, f"sdk/large-{i}/"),
            ),
            measure(
                f"one {args.large_mb} MB file, SDK with checkSum=True",
                args.repeat,
                lambda i: ours(large, f"ours/large-c{i}/"),
                lambda i: sdk_large(sdk, large, f"sdk/large-c{i}/", check_sum=True),
            ),
        ]
        unchanged_up, again = nothing_changed(server, work, small)

        print(
            f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load {os.getloadavg()[0]:.2f}; {args.repeat} repetitions; {DEFAULT_WORKERS} workers both"
        )
        print()
        print("| upload | ObsFolder (s) | official SDK (s) | ratio | target |")
        print("| --- | --- | --- | --- | --- |")
        for row in rows:
            met = "met" if row.ratio <= TARGET_RATIO else "MISSED"
            print(
                f"| {row.name} | {statistics.median(row.ours):.2f} ({min(row.ours):.2f}-{max(row.ours):.2f}) "
                f"| {statistics.median(row.sdk):.2f} ({min(row.sdk):.2f}-{max(row.sdk):.2f}) "
                f"| {row.ratio:.2f} | <= {TARGET_RATIO} {met} |"
            )
        print()
        print(f"nothing changed: the second `pulumi up` sent {unchanged_up} OBS requests (target 0)")
        uploads = again["PUT object"] + again["POST object"]
        sent = ", ".join(f"{key} x{n}" for key, n in sorted(again.items()))
        print(f"the same content again (a forced create): {uploads} objects uploaded (target 0); requests: {sent}")
    finally:
        server.stop()
        context.set_stack_config({})
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
