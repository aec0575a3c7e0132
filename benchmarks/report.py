"""The benchmark's table: one row per measurement, with its reference, the ratio, the issue's target (issue 12)
and whether it is met; plus the machine it ran on. Rendered as a Markdown table, to paste into the README."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.local_server import is_job_api, is_modelarts, label
from benchmarks.measurements import Measurements, TokenCount
from benchmarks.polling import ARRIVAL_JITTER
from benchmarks.waits import WAIT_SECONDS
from tests.support.pulumi_cli import PULUMI, REPO_ROOT

# The targets of issue 12, in one place.
UP_MAX_RATIO = 1.3
PREVIEW_MAX_RATIO = 1.2
PREVIEW_MAX_CALLS = 0
CREATE_MAX_JOB_CALLS = 3
DESTROY_MAX_RATIO = 1.3
TOKENS_PER_PROCESS = 1
NOTICE_MAX_SECONDS = 5.0
POLLS_PER_SECOND = 1
POLLS_PER_MINUTE_AFTER = 12
PULUMI_WORKERS = 4  # item 4: waits must not queue four at a time (the dynamic-provider process's own pool)


@dataclass(frozen=True)
class Row:
    what: str
    ours: str
    reference: str = "—"
    ratio: str = "—"
    target: str = "—"
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return "—" if self.met is None else ("yes" if self.met else "**no**")


def seconds_cell(m: Measurements, key: str) -> str:
    values = m.seconds(key)
    if len(values) == 1:
        return f"{values[0]:.2f} s"
    return f"{m.median(key):.2f} s ({min(values):.2f}-{max(values):.2f})"


KeyFilter = Callable[[str], bool]


def breakdown(per_job: Counter[str], keep: KeyFilter | None = None) -> str:
    """``5.00: search jobs 1, create job 1, ...`` (ModelArts endpoints only, largest first)."""
    items = [(label(k), v) for k, v in per_job.items() if is_modelarts(k) and (keep is None or keep(k))]
    items.sort(key=lambda item: (-item[1], item[0]))
    total = sum(v for _, v in items)
    if not items:
        return "0"
    return f"{total:.2f}: " + ", ".join(f"{name} {_num(v)}" for name, v in items)


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.005 else f"{value:.2f}"


def _modelarts_total(per: Counter[str], keep: KeyFilter | None = None) -> float:
    return sum(v for k, v in per.items() if is_modelarts(k) and (keep is None or keep(k)))


def build_rows(m: Measurements, selected: set[str]) -> list[Row]:
    """The rows of the scenarios in ``selected`` (others may have been measured on the way)."""
    rows: list[Row] = []
    for scenario, make in (
        ("up", up_rows),
        ("preview", preview_rows),
        ("refresh", refresh_rows),
        ("destroy", destroy_rows),
        ("calls", call_rows),
        ("state", state_rows),
        ("polling", polling_rows),
        ("tokens", token_rows),
        ("waits", wait_rows),
    ):
        if scenario in selected:
            rows += make(m)
    return rows


def versus(m: Measurements, what: str, ours: str, reference: str, described: str, limit: float, of: str) -> Row:
    """Ours against a reference measured in the same repetitions; met when the paired ratio is within ``limit``."""
    ratio = m.paired_ratio(ours, reference)
    return Row(
        what,
        seconds_cell(m, ours),
        f"{described}: {seconds_cell(m, reference)}",
        f"{ratio:.2f}x",
        f"≤ {limit}x {of}",
        ratio <= limit,
    )


def up_rows(m: Measurements) -> list[Row]:
    rows: list[Row] = []
    for wait_for, until in (("submitted", "out of Creating"), ("running", "Running")):
        ours, sdk = f"up.{wait_for}.ours", f"up.{wait_for}.sdk"
        if m.has(ours) and m.has(sdk):
            what = f"`pulumi up`, {m.jobs} jobs, `wait_for={wait_for}`"
            described = f"SDK, 4 threads, create + wait until {until}"
            rows.append(versus(m, what, ours, sdk, described, UP_MAX_RATIO, "SDK"))
    if m.has("up.trivial") and m.has("up.submitted.ours"):
        rows.append(
            Row(
                f"`pulumi up`, {m.jobs} trivial dynamic resources (the floor)",
                seconds_cell(m, "up.trivial"),
                "ours with `wait_for=submitted` / this:",
                f"{m.paired_ratio('up.submitted.ours', 'up.trivial'):.2f}x",
            )
        )
    return rows


def preview_rows(m: Measurements) -> list[Row]:
    if not (m.has("preview.ours") and m.has("preview.trivial")):
        return []
    what = f"no-op `pulumi preview`, {m.jobs} jobs"
    described = f"{m.jobs} trivial dynamic resources"
    calls = m.total_per_sample("preview.ours")
    trivial_calls = _modelarts_total(m.total_per_sample("preview.trivial"))
    return [
        versus(m, what, "preview.ours", "preview.trivial", described, PREVIEW_MAX_RATIO, "trivial"),
        Row(
            "ModelArts calls made by that preview",
            breakdown(calls),
            f"trivial stack: {_num(trivial_calls)}",
            target=f"{PREVIEW_MAX_CALLS}",
            met=_modelarts_total(calls) <= PREVIEW_MAX_CALLS,
        ),
    ]


def refresh_rows(m: Measurements) -> list[Row]:
    if not m.has("refresh.ours"):
        return []
    return [Row(f"`pulumi refresh --skip-preview`, {m.jobs} jobs", seconds_cell(m, "refresh.ours"))]


def destroy_rows(m: Measurements) -> list[Row]:
    if not (m.has("destroy.ours") and m.has("destroy.sdk")):
        return []
    what = f"`pulumi destroy`, {m.jobs} Running jobs"
    described = "SDK, 4 threads, terminate + delete + wait until gone"
    return [versus(m, what, "destroy.ours", "destroy.sdk", described, DESTROY_MAX_RATIO, "SDK")]


def call_rows(m: Measurements) -> list[Row]:
    rows: list[Row] = []
    for wait_for in ("submitted", "running"):
        ours, sdk = f"up.{wait_for}.ours", f"up.{wait_for}.sdk"
        if not m.has(ours):
            continue
        per, sdk_per = m.per_job(ours), m.per_job(sdk)
        job_calls = _modelarts_total(per, is_job_api)
        submitted = wait_for == "submitted"
        rows.append(
            Row(
                f"job API calls per create, `wait_for={wait_for}`",
                breakdown(per, is_job_api),
                f"SDK: {breakdown(sdk_per, is_job_api)}" if m.has(sdk) else "—",
                target=f"≤ {CREATE_MAX_JOB_CALLS}" if submitted else "—",
                met=job_calls <= CREATE_MAX_JOB_CALLS if submitted else None,
            )
        )
        if submitted:
            rows.append(
                Row(
                    "other ModelArts calls per job during `up` (algorithm, catalog)",
                    breakdown(per, lambda k: not is_job_api(k)),
                    f"SDK: {breakdown(sdk_per, lambda k: not is_job_api(k))}" if m.has(sdk) else "—",
                )
            )
    if m.has("refresh.ours"):
        rows.append(Row("ModelArts calls per job, refresh", breakdown(m.per_job("refresh.ours"))))
    if m.has("destroy.ours"):
        sdk_text = f"SDK: {breakdown(m.per_job('destroy.sdk'))}" if m.has("destroy.sdk") else "—"
        rows.append(Row("ModelArts calls per job, destroy", breakdown(m.per_job("destroy.ours")), sdk_text))
    return rows


def state_rows(m: Measurements) -> list[Row]:
    t = m.trivial_state
    reference = f"trivial resource: {t.whole:,.0f} B (outputs {t.outputs:,.0f} B)" if t else "—"
    return [
        Row(
            f"state bytes per job {when} (`stack export`, compact JSON)",
            f"{s.whole:,.0f} B: inputs {s.inputs:,.0f} B, outputs {s.outputs:,.0f} B, `__provider` {s.provider:,.0f} B",
            reference,
        )
        for when, s in m.job_states.items()
    ]


def polling_rows(m: Measurements) -> list[Row]:
    p = m.polling
    if p is None:
        return []
    noticed = [v for v in p.notice.values() if v is not None]
    changes = ", ".join(
        f"{phase} at {p.changes[phase]:.1f} s: {'never' if v is None else f'{v:.2f} s'}"
        for phase, v in p.notice.items()
    )
    rows = [
        Row(
            "phase change noticed after (1 job, `wait_for=completed`)",
            changes,
            target=f"≤ {NOTICE_MAX_SECONDS:g} s",
            met=bool(noticed) and len(noticed) == len(p.notice) and max(noticed) <= NOTICE_MAX_SECONDS,
        ),
        Row(
            "peak polls per job in any 1 s",
            f"{p.peak_polls_per_second} (polls in the first minute: {p.first_minute_polls})",
            target=f"≤ {POLLS_PER_SECOND}",
            met=p.peak_polls_per_second <= POLLS_PER_SECOND,
        ),
    ]
    if p.polls_per_minute_after is not None and p.worst_gap_after is not None:
        rows += [
            Row(
                "polls per minute per job after the first minute",
                f"{p.polls_per_minute_after:.2f} (mean gap {60 / p.polls_per_minute_after:.3f} s)",
                target=f"≤ {POLLS_PER_MINUTE_AFTER}",
                met=60 / p.polls_per_minute_after >= 60 / POLLS_PER_MINUTE_AFTER - ARRIVAL_JITTER,
            ),
            Row(
                "worst-case notice after the first minute (longest gap between polls)",
                f"{p.worst_gap_after:.3f} s",
                target=f"≤ {NOTICE_MAX_SECONDS:g} s",
                met=p.worst_gap_after <= NOTICE_MAX_SECONDS + ARRIVAL_JITTER,
            ),
        ]
    else:
        rows.append(Row("polls per minute per job after the first minute", f"not measured: hold {p.hold_seconds:g} s"))
    return rows


def token_rows(m: Measurements) -> list[Row]:
    rows: list[Row] = []
    counts = list(m.tokens)
    if m.polling is not None:
        p = m.polling
        counts.append(TokenCount(f"`up` of 1 job waiting {p.seconds:.0f} s", p.token_requests, p.provider_processes))
    for count in counts:
        per = count.token_requests / count.provider_processes if count.provider_processes else float("nan")
        rows.append(
            Row(
                f"IAM token requests per provider process: {count.command}",
                f"{count.token_requests} token(s) / {count.provider_processes} process(es)",
                target=f"≤ {TOKENS_PER_PROCESS}",
                met=count.provider_processes > 0 and per <= TOKENS_PER_PROCESS,
            )
        )
    return rows


def wait_rows(m: Measurements) -> list[Row]:
    """Per count of jobs: each variant against the SDK with a thread per job (every wait at once)."""
    rows: list[Row] = []
    for jobs in sorted({sample.jobs for sample in m.waits}):
        samples = [sample for sample in m.waits if sample.jobs == jobs]
        sdk = next((sample for sample in samples if sample.variant == "sdk"), None)
        for sample in samples:
            if sample is sdk:
                continue
            rows.append(
                Row(
                    f"`pulumi up`, {jobs} jobs each waiting {WAIT_SECONDS:g} s for Running: {sample.described}",
                    f"{sample.seconds:.2f} s, {sample.at_once} waiting at once",
                    f"{sdk.described}: {sdk.seconds:.2f} s, {sdk.at_once} at once" if sdk else "—",
                    f"{sample.seconds / sdk.seconds:.2f}x" if sdk else "—",
                    target=f"> {PULUMI_WORKERS} at once" if sample.variant != "pulumi-pool" else "—",
                    met=sample.at_once > PULUMI_WORKERS if sample.variant != "pulumi-pool" else None,
                )
            )
    return rows


def render(rows: list[Row]) -> str:
    header = ("measurement", "ours", "reference", "ratio", "target (issue 12)", "met")
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    for row in rows:
        cells = (row.what, row.ours, row.reference, row.ratio, row.target, row.verdict)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


# --- the machine ----------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    return {
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pulumi CLI": _pulumi_version(),
        "pulumi (Python SDK)": _dist_version("pulumi"),
        "huaweicloudsdkmodelarts": _dist_version("huaweicloudsdkmodelarts"),
        "commit": _git_commit(),
        "load average (1, 5, 15 min)": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _pulumi_version() -> str:
    try:
        return subprocess.run([str(PULUMI), "version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _dist_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")
