"""Following training jobs, through the real Pulumi CLI and the command-line tool, against real local-mode
runs: the task logs streamed into `pulumi up` (in order, within the rate bound) with a summary line; tags on
jobs and algorithms changed in place; `stopped=True` and `modelarts-pulumi stop`; the lookups; every command
of the tool (`--json` shapes, exit codes, the PNG); and a failed job whose error reads first.

Few stack lifecycles, each asserting much (a `pulumi up` costs seconds)."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.engine.follow_support import (
    CHATTY,
    cli_json,
    python_snippet,
    run_cli,
    start_cli,
    write_script,
)
from tests.engine.stack import job_gone, make_project, server_client, steps
from tests.support.programs import Program, code
from tests.support.server import FAST_LOCAL

pytestmark = pytest.mark.pulumi_cli

REPO = Path(__file__).resolve().parents[2]
BUCKET = "follow-bucket"
CHATTY_LINES = 150
CHATTY_RATE = 5

STREAM_PROGRAM = (
    Program(bucket=BUCKET)
    .algorithm(tags=code('config.get_object("algorithmTags") or {}'))
    .training_job(
        "steady",
        var="steady",
        hyperparameters={"epochs": 20},
        log_export_path=None,
        wait_for="completed",
        log_lines_per_second=200,
    )
    .inline_job(
        "chatty",
        var="chatty",
        boot_file=code('f"/{bucket}/code/chatty.py"'),
        hyperparameters={"lines": CHATTY_LINES, "interval": 0.02},
        wait_for="completed",
        log_lines_per_second=CHATTY_RATE,
        tags=code('config.get_object("jobTags") or {}'),
    )
    .export(
        algorithm_id="algorithm.algorithm_id",
        steady_id="steady.job_id",
        chatty_id="chatty.job_id",
        chatty_name="chatty.name",
        chatty_tags="chatty.tags",
    )
    .text()
)


@pytest.fixture
def follow_server(tmp_path: Path, start_local_modelarts: Any) -> Any:
    """A local-mode server whose bucket holds the example's code and data, and the test scripts."""
    bucket = tmp_path / "bucket"
    shutil.copytree(REPO / "examples" / "bucket" / "code", bucket / "code")
    shutil.copytree(REPO / "examples" / "bucket" / "data", bucket / "data")
    shutil.copy(REPO / "examples" / "scripts" / "sleep.py", bucket / "code" / "sleep.py")
    shutil.copy(REPO / "examples" / "scripts" / "fail.py", bucket / "code" / "fail.py")
    write_script(bucket, "chatty.py", CHATTY)
    return start_local_modelarts(mode="local", config={"local": FAST_LOCAL}, buckets={BUCKET: bucket})


def streamed(output: str, resource_name: str) -> list[str]:
    """The log lines `up` showed for a job, in order (its physical name starts with the resource name)."""
    return re.findall(rf"^\s*\[{resource_name}-\w+ worker-0\] (.*)$", output, flags=re.MULTILINE)


def test_logs_stream_into_up_and_every_command_follows_the_jobs(tmp_path: Path, follow_server: Any) -> None:
    server = follow_server
    client = server_client(server)
    project = make_project(
        tmp_path / "p",
        server,
        STREAM_PROGRAM,
        config={"jobTags": '{"team": "vision", "run": "a1"}', "algorithmTags": '{"owner": "ml"}'},
    )
    started = time.monotonic()
    result = project.up(timeout=300)
    up_seconds = time.monotonic() - started
    outputs = project.outputs()
    output = result.output

    # The real training script's lines, all of them, in order (its rate is high enough for all).
    epochs = [line for line in streamed(output, "steady") if line.startswith("epoch ")]
    assert [int(re.match(r"epoch (\d+)/20", line).group(1)) for line in epochs] == list(range(1, 21))  # type: ignore[union-attr]
    # The chatty script's, within the rate bound: the newest shown, the rest counted as skipped, in order.
    chatty = streamed(output, "chatty")
    shown = [int(m.group(1)) for line in chatty if (m := re.match(rf"line (\d+) of {CHATTY_LINES}$", line))]
    skipped = [int(m.group(1)) for line in chatty if (m := re.match(r"\.\.\. (\d+) lines? skipped$", line))]
    assert shown == sorted(shown) and len(set(shown)) == len(shown)
    assert shown[-1] == CHATTY_LINES  # the end of the log is never lost
    assert len(shown) + sum(skipped) == CHATTY_LINES
    assert skipped, "a script printing 50 lines a second is cut down to 5"
    assert len(shown) <= CHATTY_RATE * (up_seconds + 2), (len(shown), up_seconds)
    # A summary line per job: phase, duration, node-seconds, exit code.
    assert re.search(
        r"training job chatty-\w+ \(\S+\): Completed after \d+s, 1 node, \d+ node-seconds, exit code 0", output
    )
    assert re.search(r"training job steady-\w+ \(\S+\): Completed after", output)

    # Tags: on the job through the tags API, on the algorithm through metadata.tags; both changed in place.
    chatty_id, steady_id = outputs["chatty_id"], outputs["steady_id"]
    assert client.get_training_job_tags(chatty_id) == {"team": "vision", "run": "a1"}
    assert outputs["chatty_tags"] == {"team": "vision", "run": "a1"}
    algorithm = client.get_algorithm(outputs["algorithm_id"])
    assert algorithm.metadata.tags == [{"key": "owner", "value": "ml"}]
    project.set_config("jobTags", '{"team": "nlp"}')
    project.set_config("algorithmTags", '{"owner": "research"}')
    assert steps(project.preview_json()) == {"chatty": "update", "algo": "update"}
    project.up(timeout=300)
    assert project.outputs()["chatty_id"] == chatty_id
    assert client.get_training_job_tags(chatty_id) == {"team": "nlp"}
    assert client.get_algorithm(outputs["algorithm_id"]).metadata.tags == [{"key": "owner", "value": "research"}]
    project.run("refresh", "--yes", "--skip-preview")
    assert steps(project.preview_json()) == {}

    # --- the command-line tool, on the stack's jobs ---
    listed = cli_json(project, "jobs")
    assert sorted((j["resource"], j["job_id"], j["phase"], j["exit_code"]) for j in listed) == [
        ("chatty", chatty_id, "Completed", 0),
        ("steady", steady_id, "Completed", 0),
    ]
    assert all(j["duration_ms"] > 0 and j["name"] for j in listed)
    table = run_cli(project, "jobs")
    assert table.returncode == 0 and "chatty" in table.stdout and "Completed" in table.stdout
    assert "\x1b[" not in table.stdout  # colour only on a terminal
    searched = cli_json(project, "jobs", "--phase", "Completed", "--name", "chatty", "--limit", "5")
    assert [(j["resource"], j["job_id"]) for j in searched] == [("chatty", chatty_id)]

    full = run_cli(project, "logs", "chatty")
    assert full.returncode == 0, full.describe()
    assert full.stdout.splitlines() == [f"line {n} of {CHATTY_LINES}" for n in range(1, CHATTY_LINES + 1)]
    tail = run_cli(project, "logs", outputs["chatty_name"], "--tail", "3")  # by job name
    assert tail.stdout.splitlines() == [f"line {n} of {CHATTY_LINES}" for n in (148, 149, 150)]
    as_json = run_cli(project, "logs", chatty_id, "--tail", "2", "--json")  # by job ID
    assert [json.loads(line) for line in as_json.stdout.splitlines()] == [
        {"task": "worker-0", "text": f"line {n} of {CHATTY_LINES}"} for n in (149, 150)
    ]
    followed = run_cli(project, "logs", "steady", "--follow")  # a job that ended: its log, then its exit status
    assert followed.returncode == 0 and "epoch 20/20" in followed.stdout
    assert "Completed after" in followed.stderr

    metrics = cli_json(project, "metrics", "steady")
    assert (metrics["job_id"], metrics["task"]) == (steady_id, "worker-0")
    assert set(metrics["metrics"]) == {"cpuUsage", "memUsage", "gpuUtil", "gpuMemUsage", "npuUtil", "npuMemUsage"}
    assert metrics["minutes"] >= 1 and any(v is not None for v in metrics["metrics"]["cpuUsage"])
    assert metrics["metrics"]["gpuUtil"] == [None] * len(metrics["metrics"]["gpuUtil"])  # no GPU on a CPU flavor
    png = tmp_path / "metrics.png"
    charted = run_cli(project, "metrics", "chatty", "--plot", str(png), "--chart")
    assert charted.returncode == 0, charted.describe()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert "MINUTE" in charted.stdout and "cpuUsage" in charted.stdout and "minute" in charted.stdout  # table, chart

    events = cli_json(project, "events", "chatty")
    assert events and {"time", "level", "message", "source"} <= set(events[0])
    assert any("Running" in e["message"] or "running" in e["message"] for e in events), events
    opened = run_cli(project, "open", "chatty")
    assert opened.returncode == 0 and chatty_id in opened.stdout and opened.stdout.startswith("https://")
    finished = run_cli(project, "stop", "chatty")
    assert finished.returncode == 0 and "already Completed: nothing to stop" in finished.stderr

    # Bad input: an unknown JOB lists the similar names; a missing extra names it.
    unknown = run_cli(project, "logs", "chaty")
    assert unknown.returncode == 1
    assert "Did you mean: chatty" in unknown.stderr and "Training jobs of the stack: " in unknown.stderr
    no_rich = python_snippet(
        project, "import sys; sys.modules['rich'] = None; from modelarts_pulumi.cli import main; main(['jobs'])"
    )
    assert no_rich.returncode == 1 and "pip install 'modelarts-pulumi[cli]'" in no_rich.stderr
    no_matplotlib = python_snippet(
        project,
        "import sys; sys.modules['matplotlib'] = None; from modelarts_pulumi.cli import main; "
        f"main(['metrics', 'chatty', '--plot', '{tmp_path / 'never.png'}'])",
    )
    assert no_matplotlib.returncode == 1 and "pip install 'modelarts-pulumi[plot]'" in no_matplotlib.stderr
    assert not (tmp_path / "never.png").exists()

    project.destroy(timeout=300)
    assert job_gone(server, chatty_id) and job_gone(server, steady_id)


STOP_PROGRAM = (
    Program(bucket=BUCKET)
    .line("jobs = {}")
    .block(
        'for name in ("sleeper", "other"):',
        Program()
        .inline_job(
            code("name"),
            var="jobs[name]",
            boot_file=code('f"/{bucket}/code/sleep.py"'),
            hyperparameters={"seconds": 120, "interval": 0.5},
            wait_for="running",
            tags={"suite": "stop"},
            stopped=code('config.get_bool(f"{name}Stopped") or False'),
        )
        .line(
            'pulumi.export(f"{name}_id", jobs[name].job_id)',
            'pulumi.export(f"{name}_phase", jobs[name].phase)',
        ),
    )
    .line(
        """pulumi.export("terminated", [j.metadata.id for j in modelarts.find_training_jobs(
    phases=["Terminated"], tags={"suite": "stop"}, sort_by="name", order="asc")])""",
        """pulumi.export("first_terminated", [j.metadata.id for j in modelarts.find_training_jobs(
    phases=["Terminated"], tags={"suite": "stop"}, sort_by="name", order="asc", limit=1)])""",
        'pulumi.export("algorithms", len(modelarts.find_algorithms()))',
        """pulumi.export("events", jobs["sleeper"].job_id.apply(
    lambda job_id: [e.message for e in modelarts.get_training_job_events(job_id)]))""",
    )
    .text()
)


def test_stop_in_place_through_the_program_and_the_tool(tmp_path: Path, follow_server: Any) -> None:
    server = follow_server
    client = server_client(server)
    project = make_project(tmp_path / "p", server, STOP_PROGRAM)
    project.up(timeout=300)
    outputs = project.outputs()
    sleeper, other = outputs["sleeper_id"], outputs["other_id"]
    assert outputs["terminated"] == [] and outputs["algorithms"] == 0

    # The tool: follow a running job's log while another command stops it; the follower ends with it.
    follower = start_cli(project, "logs", "other", "--follow")
    time.sleep(3)
    stopped = run_cli(project, "stop", "other", "--wait")
    assert stopped.returncode == 0, stopped.describe()
    assert "stop requested" in stopped.stderr and "`pulumi refresh` records it as Terminated" in stopped.stderr
    follow_out, follow_err = follower.communicate(timeout=60)
    assert follower.returncode == 1, (follow_out, follow_err)  # the job did not complete
    assert "sleeping: step 1," in follow_out and "Terminated after" in follow_err
    again = run_cli(project, "stop", other)
    assert again.returncode == 0 and "already Terminated: nothing to stop" in again.stderr

    # The program: stopped=True is an update that terminates the job and keeps it.
    project.set_config("sleeperStopped", "true")
    assert steps(project.preview_json()) == {"sleeper": "update"}
    result = project.up(timeout=300)
    assert "stopping training job sleeper-" in result.output
    assert client.get_training_job(sleeper).phase == "Terminated"  # kept, not deleted
    outputs = project.outputs()
    assert outputs["sleeper_id"] == sleeper and outputs["sleeper_phase"] == "Terminated"
    # Lookups, run by the program before that update: the search's filters and tags; algorithms; events.
    assert outputs["terminated"] == [other] == outputs["first_terminated"]
    assert any("Running" in message or "running" in message for message in outputs["events"])

    # What the next refresh and up do with the job stopped outside the program: record it, then leave it.
    refreshed = project.run("refresh", "--yes", "--skip-preview")
    assert "ended Terminated since the last update" in refreshed.output
    (recorded,) = [r["outputs"] for r in project.resources() if r["urn"].endswith("::other")]
    assert recorded["phase"] == "Terminated"  # the state records it; the stack's exports follow at the next up
    assert steps(project.preview_json()) == {}
    again_up = project.up(timeout=300)
    assert "ended Terminated; it is not re-run" in again_up.output
    outputs = project.outputs()
    assert sorted(outputs["terminated"]) == sorted([sleeper, other])
    by_name = sorted([sleeper, other], key=lambda job_id: client.get_training_job(job_id).metadata.name)
    assert outputs["first_terminated"] == by_name[:1]  # sorted by name, the first page of one

    # A job of the stack deleted behind Pulumi's back: the tool says it is gone, until a refresh forgets it.
    client.delete_training_job(other)
    deadline = time.monotonic() + 30
    while not job_gone(server, other) and time.monotonic() < deadline:
        time.sleep(0.2)
    listed = {j["resource"]: j["phase"] for j in cli_json(project, "jobs")}
    assert listed == {"sleeper": "Terminated", "other": "(gone)"}

    project.destroy(timeout=300)
    assert job_gone(server, sleeper) and job_gone(server, other)


FAIL_PROGRAM = (
    Program(bucket=BUCKET)
    .inline_job(
        "broken",
        boot_file=code('f"/{bucket}/code/fail.py"'),
        wait_for="completed",
        keep_failed=True,
    )
    .text()
)


def test_a_failed_job_reads_first_and_the_tool_exits_with_it(tmp_path: Path, follow_server: Any) -> None:
    server = follow_server
    project = make_project(tmp_path / "p", server, FAIL_PROGRAM)
    result = project.run("up", "--yes", "--skip-preview", check=False, timeout=300)
    assert result.returncode != 0
    output = result.stdout
    # The progress line of the resource shows the failure, not "Traceback (most recent call last):".
    assert re.search(
        r"TrainingJob broken \*\*creating failed\*\* error: \S+TrainingJobFailed: training job broken-\w+ "
        r"\(\S+\) is Failed \(exit code 3\)\.",
        output,
    ), output
    diagnostics = output[output.index("pulumi-python:dynamic/modelarts:TrainingJob (broken):") :]
    failure = diagnostics.index("is Failed (exit code 3).")
    tail = diagnostics.index("error: simulated failure in step 3")
    traceback_at = diagnostics.index("Traceback (most recent call last):")
    assert failure < tail < traceback_at  # the job's failure and its log first, the traceback last
    trace = diagnostics[traceback_at:].split("\n\n")[0].splitlines()
    assert len(trace) <= 12, trace  # three frames, a few lines each
    assert "job_lifecycle.py" not in "\n".join(trace)  # the frames the provider controls are trimmed
    assert "OperationFailed: create of the training job failed: the error above says why" in trace[-1]
    assert re.search(
        r"training job broken-\w+ \(\S+\): Failed after \d+s, 1 node, \d+ node-seconds, exit code 3", output
    )

    # The job was kept (keep_failed): the tool finds it by its name and follows it to its end.
    job_id = re.search(r"kept, ID (\S+)\.", output).group(1)  # type: ignore[union-attr]
    followed = run_cli(project, "logs", job_id, "--follow")
    assert followed.returncode == 1 and "step 3/3" in followed.stdout and "Failed after" in followed.stderr
    failed = cli_json(project, "jobs", "--phase", "Failed")
    assert [(j["job_id"], j["exit_code"], j["resource"]) for j in failed] == [(job_id, 3, None)]

    # No credentials anywhere: the provider's message.
    bare = tmp_path / "elsewhere"
    bare.mkdir()
    env = {k: v for k, v in project.env.items() if not k.startswith(("HW_", "OS_", "HUAWEICLOUD_"))}
    env["HW_REGION_NAME"] = server.region
    no_credentials = run_cli(project, "--cwd", str(bare), "logs", job_id, env=env)
    assert no_credentials.returncode == 1
    assert "modelarts settings: no credentials: set either AK/SK" in no_credentials.stderr
    server_client(server).delete_training_job(job_id)
