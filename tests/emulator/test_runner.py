"""Tests of the local job runner (emulator/modelarts_local/training/runner.py, launches.py) with the example scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil  # type: ignore[import-untyped, unused-ignore]
import pytest

from modelarts_local.training import runner as runner_module
from modelarts_local.training.launches import TaskLaunch, build_launches
from modelarts_local.training.runner import EXIT_CODE_LOST, EXIT_CODE_NOT_FOUND, LocalRunner, TaskState

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "examples" / "bucket" / "code" / "train.py"
DATA = ROOT / "examples" / "bucket" / "data"
SCRIPTS = ROOT / "examples" / "scripts"

ENV_KEYS = [
    *("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "PYTHONUNBUFFERED", "MY_SETTING"),
    *("MA_NUM_HOSTS", "MA_TASK_NAME", "MA_CURRENT_HOST_IP", "MA_JOB_DIR"),
    *("VC_TASK_INDEX", "VC_WORKER_HOSTS", "VC_WORKER_NUM"),
]


def launches_for(
    tmp_path: Path,
    boot_file: Path,
    *,
    job_id: str = "job",
    node_count: int = 1,
    hyperparameters: list[tuple[str, str]] | None = None,
    data: Path | None = None,
    environments: dict[str, str] | None = None,
    python: str = sys.executable,
) -> list[TaskLaunch]:
    return build_launches(
        job_id=job_id,
        node_count=node_count,
        code_dir=boot_file.parent,
        boot_file=boot_file,
        python=python,
        hyperparameters=hyperparameters or [],
        inputs={"data_url": data or DATA},
        outputs={"train_url": tmp_path / "outputs" / job_id},
        environments=environments or {},
        log_dir=tmp_path / "logs" / job_id,
    )


def with_args(launch: TaskLaunch, *args: str) -> TaskLaunch:
    """The launch with its script arguments replaced (the helper scripts ignore ModelArts' ones)."""
    return TaskLaunch(**{**vars(launch), "argv": [*launch.argv[:2], *args]})


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def wait_done(runner: LocalRunner, job_id: str, timeout: float = 15.0) -> list[TaskState]:
    wait_until(lambda: not any(state.running for state in runner.poll(job_id)), timeout)
    return runner.poll(job_id)


def log_text(launch: TaskLaunch) -> str:
    return launch.log_path.read_text(encoding="utf-8") if launch.log_path.exists() else ""


def gone(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)  # dead, awaiting its reaper
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def runner(state_dir: Path) -> Iterator[LocalRunner]:
    local = LocalRunner(state_dir)
    yield local
    for path in state_dir.glob("*.json"):  # never leave processes behind
        local.terminate(path.stem, grace_seconds=0.5)


# ---------------------------------------------------------------------- build_launches


def test_build_launches_single_node(tmp_path: Path) -> None:
    launches = launches_for(tmp_path, TRAIN, hyperparameters=[("epochs", "5"), ("dist", "False")])
    assert len(launches) == 1
    launch = launches[0]
    assert (launch.task, launch.rank, launch.cwd) == ("worker-0", 0, TRAIN.parent)
    assert launch.argv == [
        sys.executable,
        str(TRAIN),
        "--epochs=5",
        "--dist=False",
        f"--data_url={DATA}",
        f"--train_url={tmp_path / 'outputs' / 'job'}",
    ]
    assert (tmp_path / "outputs" / "job").is_dir()  # outputs exist before the job starts, as on ModelArts
    assert launch.log_path == tmp_path / "logs" / "job" / "modelarts-job-job-worker-0.log"
    env = launch.env
    assert env["PYTHONUNBUFFERED"] == "1"
    assert (env["MA_NUM_HOSTS"], env["VC_TASK_INDEX"], env["VC_WORKER_HOSTS"]) == ("1", "0", "127.0.0.1")
    assert env["MA_CURRENT_HOST_IP"] == "127.0.0.1"
    assert env["MA_JOB_DIR"] == str(TRAIN.parent.parent)
    assert "RANK" not in env
    assert "MASTER_PORT" not in env


def test_build_launches_multi_node_share_one_master_port(tmp_path: Path) -> None:
    launches = launches_for(tmp_path, TRAIN, node_count=3, environments={"MY_SETTING": "x"})
    assert [launch.task for launch in launches] == ["worker-0", "worker-1", "worker-2"]
    ports = {launch.env["MASTER_PORT"] for launch in launches}
    assert len(ports) == 1
    for rank, launch in enumerate(launches):
        env = launch.env
        assert (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"]) == (str(rank), "3", "0")
        assert (env["VC_TASK_INDEX"], env["MA_NUM_HOSTS"]) == (str(rank), "3")
        assert env["MASTER_ADDR"] == "127.0.0.1"
        assert env["VC_WORKER_HOSTS"] == "127.0.0.1,127.0.0.1,127.0.0.1"
        assert env["MY_SETTING"] == "x"
    fixed = build_launches(
        job_id="j",
        node_count=2,
        code_dir=TRAIN.parent,
        boot_file=Path("train.py"),
        python="python3",
        hyperparameters=[],
        inputs={},
        outputs={},
        environments={"RANK": "7"},
        log_dir=tmp_path,
        master_port=29500,
    )
    assert fixed[1].argv == ["python3", str(TRAIN)]  # a relative boot file lives in the code dir
    assert fixed[1].env["MASTER_PORT"] == "29500"
    assert fixed[1].env["RANK"] == "7"  # the job's own environments win, as on ModelArts


# ---------------------------------------------------------------------- running jobs


def test_successful_training_job(runner: LocalRunner, tmp_path: Path) -> None:
    params = [("epochs", "20"), ("lr", "0.5"), ("dist", "False")]
    launches = launches_for(tmp_path, TRAIN, job_id="ok", hyperparameters=params)
    runner.start("ok", launches)
    (state,) = wait_done(runner, "ok")
    assert (state.task, state.running, state.exit_code) == ("worker-0", False, 0)
    assert state.message == "exited with code 0"
    assert state.pid is not None
    assert state.started_at is not None
    assert state.finished_at is not None
    assert state.finished_at >= state.started_at
    log = log_text(launches[0])
    assert "epoch 1/20 loss=0.6931" in log
    assert "epoch 20/20 loss=" in log
    model = json.loads((tmp_path / "outputs" / "ok" / "model.json").read_text())
    assert model["world_size"] == 1
    assert model["accuracy"] > 0.85


def test_failing_job_records_exit_code_and_stderr(runner: LocalRunner, tmp_path: Path) -> None:
    launches = launches_for(tmp_path, SCRIPTS / "fail.py")
    runner.start("bad", launches)
    (state,) = wait_done(runner, "bad")
    assert (state.running, state.exit_code, state.message) == (False, 3, "exited with code 3")
    lines = log_text(launches[0]).splitlines()
    assert lines[-2:] == ["step 3/3", "error: simulated failure in step 3 (exit code 3)"]  # stderr, in order


def test_training_without_data_fails_with_a_clear_message(runner: LocalRunner, tmp_path: Path) -> None:
    launches = launches_for(tmp_path, TRAIN, data=tmp_path / "no-data")
    runner.start("nodata", launches)
    (state,) = wait_done(runner, "nodata")
    assert state.exit_code == 2
    assert f"error: training data not found: {tmp_path / 'no-data' / 'train.csv'}" in log_text(launches[0])


def test_program_that_cannot_start(runner: LocalRunner, tmp_path: Path) -> None:
    launches = launches_for(tmp_path, TRAIN, python=str(tmp_path / "no-such-python"))
    runner.start("nopython", launches)
    (state,) = runner.poll("nopython")
    assert (state.running, state.exit_code, state.pid) == (False, EXIT_CODE_NOT_FOUND, None)
    assert state.message.startswith("failed to start: ")
    assert "failed to start" in log_text(launches[0])


def test_two_nodes_get_the_distributed_environment(runner: LocalRunner, tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "dump_env.py").write_text(
        textwrap.dedent(f"""
            import json, os, sys
            print("ENV " + json.dumps({{key: os.environ.get(key) for key in {ENV_KEYS!r}}}))
            print("ARGV " + json.dumps(sys.argv[1:]))
            print("CWD " + os.getcwd())
        """)
    )
    launches = launches_for(
        tmp_path,
        code / "dump_env.py",
        node_count=2,
        hyperparameters=[("world_size", "2")],
        environments={"MY_SETTING": "on"},
    )
    runner.start("env", launches)
    assert [state.exit_code for state in wait_done(runner, "env")] == [0, 0]
    seen = []
    for launch in launches:
        lines = dict(line.split(" ", 1) for line in log_text(launch).splitlines())
        assert json.loads(lines["ARGV"])[0] == "--world_size=2"
        assert lines["CWD"] == str(code)
        seen.append(json.loads(lines["ENV"]))
    for rank, env in enumerate(seen):
        assert env["RANK"] == env["VC_TASK_INDEX"] == str(rank)
        assert env["WORLD_SIZE"] == env["MA_NUM_HOSTS"] == env["VC_WORKER_NUM"] == "2"
        assert (env["LOCAL_RANK"], env["MASTER_ADDR"], env["MA_TASK_NAME"]) == ("0", "127.0.0.1", "worker")
        assert env["MASTER_PORT"] == seen[0]["MASTER_PORT"]
        assert env["VC_WORKER_HOSTS"] == "127.0.0.1,127.0.0.1"
        assert (env["PYTHONUNBUFFERED"], env["MY_SETTING"]) == ("1", "on")


def test_two_node_training_averages_across_ranks(runner: LocalRunner, tmp_path: Path) -> None:
    params = [("epochs", "10"), ("lr", "0.5"), ("dist", "True"), ("world_size", "2")]
    single = launches_for(tmp_path, TRAIN, job_id="one", hyperparameters=params)
    double = launches_for(tmp_path, TRAIN, job_id="two", node_count=2, hyperparameters=params)
    runner.start("one", single)
    runner.start("two", double)
    assert [state.exit_code for state in wait_done(runner, "one")] == [0]
    assert [state.exit_code for state in wait_done(runner, "two")] == [0, 0]
    logs = [log_text(launch) for launch in double]
    for rank, log in enumerate(logs):
        assert f"rank {rank}/2: 150 rows" in log
        assert f"rank {rank}: rendezvous with 2 ranks" in log
        assert "epoch 10/10 loss=" in log
    assert "model written" in logs[0]
    assert "model written" not in logs[1]
    # Summed shard gradients give the full-batch step: the model matches single-node training.
    one = json.loads((tmp_path / "outputs" / "one" / "model.json").read_text())
    two = json.loads((tmp_path / "outputs" / "two" / "model.json").read_text())
    assert two["world_size"] == 2
    assert two["weights"] == pytest.approx(one["weights"], rel=1e-9)
    assert two["bias"] == pytest.approx(one["bias"], rel=1e-9, abs=1e-12)


def test_a_failing_worker_stops_its_siblings(runner: LocalRunner, tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "rank1_fails.py").write_text(
        "import os, sys, time\n"
        "if os.environ['RANK'] == '1':\n"
        "    time.sleep(0.2)\n"
        "    sys.exit('rank 1 gives up')\n"
        "time.sleep(60)\n"
    )
    runner.start("ff", launches_for(tmp_path, code / "rank1_fails.py", node_count=2))
    first, second = wait_done(runner, "ff")
    assert (second.exit_code, second.message) == (1, "exited with code 1")
    assert first.exit_code == 143
    assert first.message == "stopped because worker-1 failed (exit code 1): killed by SIGTERM (exit code 143)"


# ---------------------------------------------------------------------- terminate, sample


def test_terminate_kills_the_whole_process_group(runner: LocalRunner, tmp_path: Path) -> None:
    launches = [with_args(launch, "--spawn_child") for launch in launches_for(tmp_path, SCRIPTS / "sleep.py")]
    runner.start("term", launches)
    wait_until(lambda: "child pid" in log_text(launches[0]))
    grandchild = int(log_text(launches[0]).split("child pid ")[1].split()[0])
    (state,) = runner.poll("term")
    assert state.running
    assert state.pid is not None
    assert state.exit_code is None
    assert not gone(grandchild)

    started = time.monotonic()
    runner.terminate("term", grace_seconds=5.0)
    assert time.monotonic() - started < 4.0  # SIGTERM was enough, no waiting for the grace period
    (state,) = runner.poll("term")
    assert (state.running, state.exit_code) == (False, 143)
    assert state.message == "terminated on request: killed by SIGTERM (exit code 143)"
    assert state.pid is not None
    assert gone(state.pid)
    wait_until(lambda: gone(grandchild), timeout=5.0)


def test_terminate_escalates_to_sigkill(runner: LocalRunner, tmp_path: Path) -> None:
    launch = with_args(launches_for(tmp_path, SCRIPTS / "sleep.py")[0], "--ignore_sigterm")
    runner.start("stubborn", [launch])
    wait_until(lambda: "ignoring SIGTERM" in log_text(launch))
    runner.terminate("stubborn", grace_seconds=0.3)
    (state,) = runner.poll("stubborn")
    assert (state.running, state.exit_code) == (False, 137)
    assert state.message == "terminated on request: killed by SIGKILL (exit code 137)"
    runner.terminate("stubborn")  # terminating a finished job is a no-op


def test_sample_reports_cpu_and_memory_while_running(runner: LocalRunner, tmp_path: Path) -> None:
    launch = with_args(launches_for(tmp_path, SCRIPTS / "sleep.py")[0], "--interval=0.01")
    runner.start("busy", [launch])
    wait_until(lambda: "step 5," in log_text(launch))
    for _ in range(2):  # the first sample averages since the start, later ones since the previous
        samples = runner.sample("busy")
        assert set(samples) == {"worker-0"}
        cpu, mem = samples["worker-0"]
        assert isinstance(cpu, float)
        assert isinstance(mem, float)
        assert cpu >= 0.0
        assert 0.0 < mem < 100.0
        time.sleep(0.1)
    runner.terminate("busy", grace_seconds=1.0)
    assert runner.sample("busy") == {}  # only running tasks are sampled


def test_unknown_job(runner: LocalRunner) -> None:
    with pytest.raises(KeyError):
        runner.poll("nope")
    with pytest.raises(KeyError):
        runner.sample("nope")
    with pytest.raises(KeyError):
        runner.terminate("nope")
    with pytest.raises(ValueError, match="file name"):
        runner.poll("../etc")


def test_cannot_start_a_running_job_twice(runner: LocalRunner, tmp_path: Path) -> None:
    launches = launches_for(tmp_path, SCRIPTS / "sleep.py")
    runner.start("twice", launches)
    with pytest.raises(ValueError, match="still running"):
        runner.start("twice", launches)
    runner.terminate("twice", grace_seconds=1.0)
    runner.start("twice", launches_for(tmp_path, SCRIPTS / "fail.py"))  # a finished job may run again
    assert [state.exit_code for state in wait_done(runner, "twice")] == [3]


# ---------------------------------------------------------------------- restarts


def test_state_survives_a_new_runner(runner: LocalRunner, state_dir: Path, tmp_path: Path) -> None:
    runner.start("ok", launches_for(tmp_path, SCRIPTS / "fail.py", job_id="ok"))
    before = wait_done(runner, "ok")
    after = LocalRunner(state_dir).poll("ok")
    assert after == before
    assert after[0].exit_code == 3


def test_new_runner_can_watch_and_stop_a_running_job(runner: LocalRunner, state_dir: Path, tmp_path: Path) -> None:
    launch = launches_for(tmp_path, SCRIPTS / "sleep.py")[0]
    runner.start("adopt", [launch])
    wait_until(lambda: "step 1," in log_text(launch))
    other = LocalRunner(state_dir)
    (state,) = other.poll("adopt")
    assert state.running
    assert state.pid == runner.poll("adopt")[0].pid
    assert set(other.sample("adopt")) == {"worker-0"}
    other.terminate("adopt", grace_seconds=2.0)
    (state,) = other.poll("adopt")
    assert not state.running
    assert state.pid is not None
    assert gone(state.pid)
    # Either runner may record the end first: the parent knows the status, the other does not.
    assert state.exit_code in (143, EXIT_CODE_LOST)
    assert state.message.startswith("terminated on request: ")


def test_exit_status_of_a_job_from_before_a_restart_is_lost(state_dir: Path, tmp_path: Path) -> None:
    launch = with_args(launches_for(tmp_path, SCRIPTS / "sleep.py", job_id="orphan")[0], "--seconds=1.0")
    # A "server" that starts the job and exits, leaving the job's processes behind.
    starter = textwrap.dedent("""
        import json, sys
        from pathlib import Path
        from modelarts_local.training.launches import TaskLaunch
        from modelarts_local.training.runner import LocalRunner
        fields = json.loads(sys.argv[2])
        fields.update(cwd=Path(fields["cwd"]), log_path=Path(fields["log_path"]))
        LocalRunner(Path(sys.argv[1])).start("orphan", [TaskLaunch(**fields)])
    """)
    fields = json.dumps({**vars(launch), "cwd": str(launch.cwd), "log_path": str(launch.log_path)})
    env = {**os.environ, "PYTHONPATH": str(Path(runner_module.__file__).parents[2])}
    subprocess.run([sys.executable, "-c", starter, str(state_dir), fields], check=True, env=env, timeout=30)

    restarted = LocalRunner(state_dir)
    (state,) = restarted.poll("orphan")
    assert state.running
    (state,) = wait_done(restarted, "orphan")
    assert (state.running, state.exit_code) == (False, EXIT_CODE_LOST)
    assert "started by an earlier runner" in state.message
    assert "done" in log_text(launch)
    assert LocalRunner(state_dir).poll("orphan") == [state]  # recorded, so it stays that way


def test_discard_forgets_the_job(runner: LocalRunner, state_dir: Path, tmp_path: Path) -> None:
    launch = launches_for(tmp_path, SCRIPTS / "sleep.py")[0]
    runner.start("gone", [launch])
    wait_until(lambda: "step 1," in log_text(launch))
    pid = runner.poll("gone")[0].pid
    assert pid is not None
    runner.discard("gone", grace_seconds=1.0)
    assert gone(pid)
    assert list(state_dir.iterdir()) == []
    with pytest.raises(KeyError):
        runner.poll("gone")
    runner.discard("gone")  # unknown jobs are ignored
