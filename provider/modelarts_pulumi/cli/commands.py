"""The commands of ``modelarts-pulumi`` (click), and what they print (rich: colour only on a terminal).

Listings go to stdout, as a table or, with ``--json``, as JSON for scripts; messages go to stderr. Exit
status: 0 when the command did its job (and, for ``logs --follow`` and ``metrics --watch``, the job
Completed); 1 when the job ended otherwise, or the command failed (the message says which); 2 for a usage
error.

Why one module of about 400 lines: one click command each (jobs, logs, metrics, events, stop, open, download),
thin over :mod:`.session` (finding the stack and its jobs) and :mod:`..log_follow`; their shared options and
exit-status rule are defined once here.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..downloads import download_job_output
from ..errors import ModelArtsApiError, ModelArtsError
from ..job_summary import exit_code, human_duration, summary_line
from ..log_follow import NewLines, TaskLog, printable
from ..regions import console_url
from ..wire import TERMINAL_PHASES, JobSearchFilter, TrainingJob
from .charts import Series, terminal_chart, with_data, write_png
from .extras import MissingExtra
from .session import CliError, FoundJob, Session
from .stack import Stack, StackError, StackJob

GONE = "(gone)"
"""The phase ``jobs`` shows for a job of the stack deleted outside Pulumi (until ``pulumi refresh`` forgets it)."""
EXIT_NOT_COMPLETED = 1
EXIT_ERROR = 1
FOLLOW_SECONDS = 1.0
STATUS_EVERY_SECONDS = 3.0
PHASE_STYLES = {
    "Completed": "green",
    "Running": "cyan",
    "Failed": "red",
    "Abnormal": "red",
    "Terminated": "yellow",
    "Terminating": "yellow",
}

# No markup: names, log lines and messages are printed as they are (styles come as rich Text). Piped, a table
# is never cut to 80 columns: IDs must stay whole.
out = Console(highlight=False, markup=False, soft_wrap=True, width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)

Command = TypeVar("Command", bound=Callable[..., Any])


def failures_reported(command: Command) -> Command:
    """Our errors become one line on stderr and exit status 1, not a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ModelArtsError, CliError, StackError, MissingExtra) as exc:
            err.print(Text.assemble(("error:", "red"), f" {exc}"))
            sys.exit(EXIT_ERROR)

    return run  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def phase_text(phase: str) -> Text:
    return Text(phase, style=PHASE_STYLES.get(phase, ""))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--stack", "-s", "stack_name", help="The stack to read (default: the selected one).")
@click.option(
    "--cwd",
    "-C",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The Pulumi project folder (or one inside it).",
)
@click.pass_context
def cli(ctx: click.Context, stack_name: str | None, cwd: Path) -> None:
    """Follow the ModelArts training jobs of a Pulumi stack: list them, read their logs, metrics and events,
    stop them, open them in the console.

    JOB is a resource name of the stack, a job name or a job ID. Settings come from the stack's modelarts:
    config, then the environment, as for the provider.
    """
    ctx.obj = Session(Stack(cwd.resolve(), stack_name))


# --- jobs ------------------------------------------------------------------------------------------------


@cli.command()
@click.option("--phase", "phases", multiple=True, help="Only jobs in this phase (repeatable): any jobs of the project.")
@click.option("--name", help="Only jobs whose name contains this: any jobs of the project.")
@click.option("--limit", type=click.IntRange(1, 50), help="At most this many, newest first: any jobs of the project.")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@click.pass_obj
@failures_reported
def jobs(session: Session, phases: tuple[str, ...], name: str | None, limit: int | None, as_json: bool) -> None:
    """The training jobs of the stack; with a filter, any jobs of the project (through the search API)."""
    if phases or name or limit:
        filters = []
        if phases:
            filters.append(JobSearchFilter(key="phase", operator="in", value=list(phases)))
        if name:
            filters.append(JobSearchFilter(key="name", operator="like", value=[name]))
        found = session.client().search_training_jobs_page(filters=filters, limit=limit or 50).items
        rows = [(session.resource_of(job.metadata.id), job) for job in found]
    else:
        if not session.stack.available:
            raise CliError("no Pulumi project here: give --cwd or --stack, or filter (--phase, --name, --limit)")
        rows = [(stack_job.resource, _now(session, stack_job)) for stack_job in session.stack_jobs]
    if as_json:
        emit_json([_job_json(resource, job) for resource, job in rows])
        return
    table = Table(box=None, header_style="bold")
    for column in ("RESOURCE", "NAME", "ID", "PHASE", "DURATION", "EXIT"):
        table.add_column(column)
    for resource, job in rows:
        code = exit_code(job)
        table.add_row(
            resource or "-",
            job.metadata.name,
            job.metadata.id,
            phase_text(job.phase),
            human_duration(job.status.duration),
            "-" if code is None else str(code),
        )
    out.print(table)


def _now(session: Session, stack_job: StackJob) -> TrainingJob:
    """The stack's job as ModelArts has it now; one deleted outside Pulumi shows as ``(gone)``."""
    try:
        return session.client(stack_job).get_training_job(stack_job.job_id)
    except ModelArtsApiError as exc:
        if not exc.is_not_found:
            raise
    gone = {"metadata": {"id": stack_job.job_id, "name": stack_job.name}, "status": {"phase": GONE}}
    return TrainingJob.model_validate(gone)


def _job_json(resource: str | None, job: TrainingJob) -> dict[str, Any]:
    return {
        "resource": resource,
        "name": job.metadata.name,
        "job_id": job.metadata.id,
        "phase": job.phase,
        "duration_ms": job.status.duration or 0,
        "exit_code": exit_code(job),
        "create_time": job.metadata.create_time,
    }


# --- logs ------------------------------------------------------------------------------------------------


@cli.command()
@click.argument("job")
@click.option("--task", default="worker-0", show_default=True, help="The task (node) whose log to read.")
@click.option("--follow", "-f", is_flag=True, help="Go on until the job ends; exit status 0 only if it Completed.")
@click.option("--tail", type=click.IntRange(1, 500), help="Only the last N lines (then follow, with --follow).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line: task and text.")
@click.pass_obj
@failures_reported
def logs(session: Session, job: str, task: str, follow: bool, tail: int | None, as_json: bool) -> None:
    """The log of a task of JOB."""
    found = session.find(job)
    if task not in found.job.tasks:
        raise CliError(f"{job} has no task {task!r}; its tasks: {', '.join(found.job.tasks) or 'none yet'}")
    reader = TaskLog(found.client, found.job_id, task, max_pages=sys.maxsize)  # every line, however many

    def show(new: NewLines) -> None:
        if new.skipped or new.unknown_skipped:
            err.print(f"... {'more than ' if new.unknown_skipped else ''}{new.skipped} lines skipped")
        for line in new.lines:
            click.echo(json.dumps({"task": task, "text": line}) if as_json else printable(line))

    first = NewLines(reader.tail(tail)) if tail else reader.read_new()
    if not first.lines and reader.position is None and not follow:
        raise CliError(f"{job}: no log yet for {task} (the job is {found.job.phase}); --follow waits for it")
    show(first)
    if not follow:
        return
    final = _follow(found, lambda: show(reader.read_new()))
    _exit_with(final)


def _follow(found: FoundJob, read: Callable[[], None]) -> TrainingJob:
    """Read every ``FOLLOW_SECONDS`` until the job has ended, then once more; the job as it ended."""
    job = found.job
    said_waiting = False
    last_status = time.monotonic()
    while True:
        ended = job.phase in TERMINAL_PHASES
        read()
        if ended:
            return job
        if job.phase not in ("Running", "Terminating") and not said_waiting:
            err.print(f"waiting for {job.metadata.name} to run (it is {job.phase})")
            said_waiting = True
        time.sleep(FOLLOW_SECONDS)
        if time.monotonic() - last_status >= STATUS_EVERY_SECONDS:
            job = found.client.get_training_job(found.job_id)
            last_status = time.monotonic()


def _exit_with(job: TrainingJob) -> None:
    err.print(summary_line(job))
    if job.phase != "Completed":
        sys.exit(EXIT_NOT_COMPLETED)


# --- metrics ---------------------------------------------------------------------------------------------


@cli.command()
@click.argument("job")
@click.option("--task", default="worker-0", show_default=True, help="The task (node) whose metrics to read.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), help="Also write a PNG chart (needs [plot]).")
@click.option("--chart/--no-chart", default=None, help="A chart in the terminal (default: on a terminal).")
@click.option("--watch", "-w", is_flag=True, help="Read again until the job ends; exit status 0 only if it Completed.")
@click.option("--interval", type=click.FloatRange(1), default=10.0, show_default=True, help="Seconds between reads.")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts (null: a minute without data).")
@click.pass_obj
@failures_reported
def metrics(
    session: Session,
    job: str,
    task: str,
    plot: Path | None,
    chart: bool | None,
    watch: bool,
    interval: float,
    as_json: bool,
) -> None:
    """CPU, memory, GPU and NPU use of a task of JOB, one value per minute: a table, a chart, a PNG."""
    found = session.find(job)
    show_chart = out.is_terminal if chart is None else chart
    title = f"{found.job.metadata.name} {task}"

    def render(series: Series) -> Group:
        parts: list[Any] = [_metrics_table(series)]
        if show_chart and with_data(series):
            text = terminal_chart(series, title=title, width=max(40, out.width - 2), colour=out.is_terminal)
            parts.append(Text.from_ansi(text))
        return Group(*parts)

    series = _series(found, task)
    if watch and not as_json:
        with Live(render(series), console=out, auto_refresh=False) as live:
            while found.job.phase not in TERMINAL_PHASES:
                time.sleep(interval)
                found = found.refreshed()
                series = _series(found, task)
                live.update(render(series), refresh=True)
    elif watch:
        while found.job.phase not in TERMINAL_PHASES:
            time.sleep(interval)
            found = found.refreshed()
        series = _series(found, task)
    if as_json:
        minutes = max((len(values) for values in series.values()), default=0)
        emit_json({"job_id": found.job_id, "task": task, "minutes": minutes, "metrics": series})
    elif not watch:
        out.print(render(series))
    if plot is not None:
        write_png(plot, series, title=f"{title}: use per minute")
        err.print(f"wrote {plot}")
    if watch:
        _exit_with(found.job)


def _series(found: FoundJob, task: str) -> Series:
    if task not in found.job.tasks:
        raise CliError(f"{found.job.metadata.name} has no task {task!r}; its tasks: {', '.join(found.job.tasks)}")
    try:
        answer = found.client.get_metrics(found.job_id, task)
    except ModelArtsApiError as exc:
        if exc.is_not_ready:
            return {}
        raise
    return {s.metric: [None if v == -1 else v for v in s.value] for s in answer.metrics}


def _metrics_table(series: Series) -> Table | Text:
    shown = with_data(series)
    if not shown:
        return Text("no metrics yet (one value per minute, once the job runs)")
    table = Table(box=None, header_style="bold")
    table.add_column("MINUTE", justify="right")
    for name in shown:
        table.add_column(name, justify="right")
    for minute in range(max(len(values) for values in shown.values())):
        cells = [values[minute] if minute < len(values) else None for values in shown.values()]
        table.add_row(str(minute), *("-" if v is None else f"{v:.1f}" for v in cells))
    empty = [name for name in series if name not in shown]
    if empty:
        table.caption = f"no data: {', '.join(empty)}"
    return table


# --- events, stop, open ----------------------------------------------------------------------------------


@cli.command()
@click.argument("job")
@click.option("--limit", type=click.IntRange(1, 100), default=100, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@click.pass_obj
@failures_reported
def events(session: Session, job: str, limit: int, as_json: bool) -> None:
    """The events of JOB, oldest first."""
    found = session.find(job)
    listed = found.client.list_events(found.job_id, limit=limit, order="asc").events
    if as_json:
        emit_json([event.model_dump(mode="json") for event in listed])
        return
    table = Table(box=None, header_style="bold")
    for column in ("TIME", "LEVEL", "SOURCE", "MESSAGE"):
        table.add_column(column)
    for event in listed:
        style = {"Error": "red", "Warning": "yellow"}.get(event.level or "", "")
        table.add_row(str(event.time or ""), Text(event.level or "", style=style), event.source or "", event.message)
    out.print(table)


@cli.command()
@click.argument("job")
@click.option("--wait", is_flag=True, help="Wait until the job has stopped.")
@click.pass_obj
@failures_reported
def stop(session: Session, job: str, wait: bool) -> None:
    """Terminate JOB and keep it (it is not deleted). A job that has ended is left alone."""
    found = session.find(job)
    name = f"{found.job.metadata.name} ({found.job_id})"
    if found.job.phase in TERMINAL_PHASES or found.job.phase == "Terminating":
        err.print(f"training job {name} is already {found.job.phase}: nothing to stop")
        return
    stopped = found.client.terminate_training_job(found.job_id)
    err.print(f"training job {name}: stop requested, it is {stopped.phase}")
    if found.resource:
        err.print(
            f"the stack still holds {found.resource}: `pulumi refresh` records it as Terminated; `pulumi up` "
            "then leaves it alone (change `triggers` to run it again)"
        )
    if wait:
        while stopped.phase not in TERMINAL_PHASES:
            time.sleep(FOLLOW_SECONDS)
            stopped = found.client.get_training_job(found.job_id)
        err.print(summary_line(stopped))


@cli.command(name="open")
@click.argument("job")
@click.pass_obj
@failures_reported
def open_(session: Session, job: str) -> None:
    """Print the console URL of JOB."""
    found = session.find(job)
    click.echo(console_url(found.client.settings.region, found.job_id))


# --- download --------------------------------------------------------------------------------------------


@cli.command()
@click.argument("job")
@click.argument("channel")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@click.pass_obj
@failures_reported
def download(session: Session, job: str, channel: str, directory: Path, as_json: bool) -> None:
    """Download the output CHANNEL of JOB, once it ended, into DIRECTORY: every file of the channel's OBS
    folder, each checked and put in place whole (OBS is reached as ObsFolder reaches it)."""
    found = session.find(job)
    report = download_job_output(found.job_id, channel, directory, settings=found.client.settings)
    if as_json:
        emit_json(
            {
                "job_id": found.job_id,
                "channel": channel,
                "directory": str(directory),
                "files": sorted(report.transferred),
                "bytes": report.bytes_transferred,
            }
        )
        return
    count = len(report.transferred)
    err.print(
        f"{count} file{'' if count == 1 else 's'} ({report.bytes_transferred:,} bytes) of {channel} of training job "
        f"{found.job.metadata.name} ({found.job_id}) in {directory}"
    )
