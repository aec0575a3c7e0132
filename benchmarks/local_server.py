"""The local ModelArts the benchmark runs against, and what it counts.

The server counts every request it receives per method and normalised path (``GET /_local/faults`` ->
``requests``) and dates it (``GET /_local/faults/requests``) while its fault configuration says
``count_requests``: counting, no fault. ``/_local/*`` (the harness's own admin calls) is never counted.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.support.server import LocalModelArts, start_local_modelarts

#: Counting on, faults off.
COUNT_ONLY_FAULTS: dict[str, Any] = {"count_requests": True}

#: The issue's setup (Creating 0.5 s, Pending 0.5 s). Jobs then stay Running for the whole run, so every
#: destroy, ours and the SDK's, terminates Running jobs (Terminating 0.3 s) and waits until they are gone
#: (deleted jobs linger 0.2 s). The ticker advances phases every 0.1 s.
SIMULATED: dict[str, Any] = {
    "creating_seconds": 0.5,
    "pending_seconds": 0.5,
    "running_seconds": 3600.0,
    "terminating_seconds": 0.3,
}
SERVER_CONFIG: dict[str, Any] = {
    "simulated": SIMULATED,
    "delete_linger_seconds": 0.2,
    "tick_seconds": 0.1,
    "faults": COUNT_ONLY_FAULTS,
}

IAM_TOKEN = "POST /v3/auth/tokens"
PROVISIONAL_PHASES = ("Creating", "Pending")


def start(data_dir: Path) -> LocalModelArts:
    """A fresh local ModelArts in simulated mode with the benchmark's phases and counting on."""
    return start_local_modelarts(data_dir, mode="simulated", config=SERVER_CONFIG)


def requests_seen(server: LocalModelArts) -> Counter[str]:
    """How many requests the server received so far, per ``METHOD /normalised/path``."""
    response = server.admin("GET", "/faults")
    response.raise_for_status()
    return Counter(response.json()["requests"])


def arrivals(server: LocalModelArts, since: float = 0.0) -> list[tuple[float, str]]:
    """(epoch seconds, ``METHOD /normalised/path``) of each request the server received after ``since``."""
    response = server.admin("GET", "/faults/requests", params={"since": since})
    response.raise_for_status()
    return [(float(at), str(key)) for at, key in response.json()["requests"]]


def job_counts(server: LocalModelArts) -> tuple[int, dict[str, int]]:
    """(algorithms, training jobs by phase) from the admin state (not counted, never faulted)."""
    state = server.admin("GET", "/state").json()
    return int(state["algorithms"]), dict(state["training_jobs"]["by_phase"])


def wait_until_settled(server: LocalModelArts, timeout: float = 60.0) -> None:
    """Until no job is Creating or Pending, so that every destroy starts from Running jobs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, by_phase = job_counts(server)
        if not any(by_phase.get(phase) for phase in PROVISIONAL_PHASES):
            return
        time.sleep(0.1)
    raise RuntimeError(f"jobs still provisional after {timeout}s: {job_counts(server)}")


def assert_empty(server: LocalModelArts, after: str, timeout: float = 10.0) -> None:
    """Nothing left on the server (deleted jobs linger briefly, hence the wait)."""
    deadline = time.monotonic() + timeout
    while True:
        algorithms, by_phase = job_counts(server)
        if not algorithms and not sum(by_phase.values()):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{after} left {algorithms} algorithm(s) and jobs {by_phase} on the server")
        time.sleep(0.1)


def is_modelarts(key: str) -> bool:
    return key.split(" ", 1)[-1].startswith("/v2/")


def is_job_api(key: str) -> bool:
    """The training-job endpoints (create, get, search, actions, metrics, logs, tags), as the issue counts them."""
    path = key.split(" ", 1)[-1]
    return any(part in path for part in ("/training-jobs", "/training-job-searches", "/modelarts-training-job/"))


_LABELS = (
    ("POST /v2/{project_id}/training-job-searches", "search jobs"),
    ("POST /v2/{project_id}/training-jobs/{id}/actions", "terminate job"),
    ("POST /v2/{project_id}/training-jobs", "create job"),
    ("DELETE /v2/{project_id}/training-jobs/{id}", "delete job"),
    ("GET /v2/{project_id}/training-jobs/{id}/metrics/", "GET job metrics"),
    ("GET /v2/{project_id}/training-jobs/{id}/tasks/", "GET job log"),
    ("GET /v2/{project_id}/training-jobs/{id}/logs/", "GET job log lines"),
    ("GET /v2/{project_id}/modelarts-training-job/{id}/tags", "GET job tags"),
    ("GET /v2/{project_id}/training-jobs/{id}", "GET job"),
    ("GET /v2/{project_id}/algorithms/{id}", "GET algorithm"),
    ("GET /v2/{project_id}/algorithms", "list algorithms"),
    ("POST /v2/{project_id}/algorithms", "create algorithm"),
    ("DELETE /v2/{project_id}/algorithms/{id}", "delete algorithm"),
    ("GET /v2/{project_id}/training-job-flavors", "GET flavors"),
    ("GET /v2/{project_id}/training-job-engines", "GET engines"),
    (IAM_TOKEN, "IAM token"),
)


def label(key: str) -> str:
    """A short name for a counter key (``GET /v2/{project_id}/training-jobs/{id}`` -> ``GET job``)."""
    for prefix, name in _LABELS:
        if key == prefix or (prefix.endswith("/") and key.startswith(prefix)):
            return name
    return key.replace("/v2/{project_id}", "")
