"""How the tasks of a training job are launched locally: the command line, working directory, log file and
environment of each task, ModelArts style (``runner.LocalRunner`` starts them)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class TaskLaunch:
    """How to start one task of a job."""

    task: str  # "worker-0"
    rank: int
    argv: list[str]  # full command line: [python, boot_file, "--k=v", ...]
    cwd: Path  # local code dir
    env: dict[str, str]  # extra environment, laid over the runner's own environment
    log_path: Path  # stdout+stderr go here (appended)


def build_launches(
    *,
    job_id: str,
    node_count: int,
    code_dir: Path,
    boot_file: Path,
    python: str,
    hyperparameters: list[tuple[str, str]],
    inputs: dict[str, Path],
    outputs: dict[str, Path],
    environments: dict[str, str],
    log_dir: Path,
    master_port: int | None = None,
) -> list[TaskLaunch]:
    """The launches of a job, ModelArts style.

    argv is ``[python, boot_file, --<hyperparameter>=<value>..., --<input>=<dir>..., --<output>=<dir>...]``
    (a relative ``boot_file`` is taken relative to ``code_dir``); cwd is ``code_dir``; each task logs
    to ``log_dir/modelarts-job-<job_id>-worker-<rank>.log``. The environment is described in
    ``task_environment``. Output directories are created, as ModelArts does before starting a job.
    """
    if node_count < 1:
        raise ValueError("node_count must be at least 1")
    boot = boot_file if boot_file.is_absolute() else code_dir / boot_file
    args = [f"--{name}={value}" for name, value in hyperparameters]
    args += [f"--{name}={path}" for name, path in inputs.items()]
    args += [f"--{name}={path}" for name, path in outputs.items()]
    for path in outputs.values():
        path.mkdir(parents=True, exist_ok=True)
    if node_count > 1 and master_port is None:
        master_port = find_free_port()
    launches = []
    for rank in range(node_count):
        task = f"worker-{rank}"
        env = task_environment(
            job_id=job_id,
            rank=rank,
            node_count=node_count,
            code_dir=code_dir,
            log_dir=log_dir,
            master_port=master_port,
            environments=environments,
        )
        launches.append(
            TaskLaunch(
                task=task,
                rank=rank,
                argv=[python, str(boot), *args],
                cwd=code_dir,
                env=env,
                log_path=log_dir / f"modelarts-job-{job_id}-{task}.log",
            )
        )
    return launches


def task_environment(
    *,
    job_id: str,
    rank: int,
    node_count: int,
    code_dir: Path,
    log_dir: Path,
    master_port: int | None,
    environments: Mapping[str, str],
) -> dict[str, str]:
    """The extra environment of one task.

    Always (names as in ModelArts training containers, local values):
      PYTHONUNBUFFERED=1 (so stdout and stderr interleave in order), MODELARTS_LOCAL=1,
      MA_JOB_DIR (parent of the code dir), MA_LOG_DIR, MA_VJ_NAME=modelarts-job-<job_id>,
      MA_TASK_NAME=worker (the role, as in ModelArts), MA_CURRENT_IP / MA_CURRENT_HOST_IP=127.0.0.1,
      MA_NUM_HOSTS / VC_WORKER_NUM=<node_count>, VC_TASK_INDEX=<rank>, MA_NUM_GPUS=0,
      VC_WORKER_HOSTS=127.0.0.1,... (one entry per node; all nodes are this host).
    With node_count > 1, what torch.distributed's env:// init (gloo) reads:
      RANK, WORLD_SIZE, LOCAL_RANK=0, LOCAL_WORLD_SIZE=1, NODE_RANK, MASTER_ADDR=127.0.0.1,
      MASTER_PORT (shared by all ranks), GLOO_SOCKET_IFNAME=<loopback interface>.
    The job's own ``environments`` are laid over all of these: ModelArts lets users override preset
    variables.
    """
    env = {
        "PYTHONUNBUFFERED": "1",
        "MODELARTS_LOCAL": "1",
        "MA_JOB_DIR": str(code_dir.parent),
        "MA_LOG_DIR": str(log_dir),
        "MA_VJ_NAME": f"modelarts-job-{job_id}",
        "MA_TASK_NAME": "worker",
        "MA_CURRENT_IP": LOCALHOST,
        "MA_CURRENT_HOST_IP": LOCALHOST,
        "MA_NUM_HOSTS": str(node_count),
        "MA_NUM_GPUS": "0",
        "VC_TASK_INDEX": str(rank),
        "VC_WORKER_NUM": str(node_count),
        "VC_WORKER_HOSTS": ",".join([LOCALHOST] * node_count),
    }
    if node_count > 1:
        if master_port is None:
            raise ValueError("a multi-node job needs a master port")
        env.update(
            RANK=str(rank),
            WORLD_SIZE=str(node_count),
            LOCAL_RANK="0",
            LOCAL_WORLD_SIZE="1",
            NODE_RANK=str(rank),
            MASTER_ADDR=LOCALHOST,
            MASTER_PORT=str(master_port),
            # gloo picks its interface from the hostname, which may not resolve in a sandbox.
            GLOO_SOCKET_IFNAME="lo0" if sys.platform == "darwin" else "lo",
        )
    env.update(environments)
    return env


def find_free_port(host: str = LOCALHOST) -> int:
    """A TCP port that is free right now (the usual bind-to-0 trick; rank 0 binds it soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
