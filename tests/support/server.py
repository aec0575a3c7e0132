"""Start and drive a real local ModelArts server (``python -m modelarts_local serve``) for tests.

``start_local_modelarts(data_dir, ...)`` launches the server as a subprocess on a free port (its OBS endpoint on
another one, ``obs_url``), waits for its ready line and ``/_local/health``, and returns a ``LocalModelArts`` handle
with the identity to use (the documented defaults unless the config says otherwise) and small request helpers;
``with serving(data_dir, ...)`` also stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.support.constants import (
    ACCESS_KEY,
    DOMAIN_ID,
    DOMAIN_NAME,
    PASSWORD,
    PROJECT_ID,
    REGION,
    SECRET_KEY,
    USER_NAME,
)

#: Fast phases for tests: about a second each.
FAST_SIMULATED = {"creating_seconds": 1.0, "pending_seconds": 1.0, "running_seconds": 1.0, "terminating_seconds": 1.0}
FAST_LOCAL = {"creating_seconds": 0.3, "pending_seconds": 0.3, "terminate_grace_seconds": 2.0, "sample_seconds": 0.5}

_READY = re.compile(r"modelarts-local ready: (http://\S+) \((?:[^)]*?, obs (http://[^,)]+))?")
START_TIMEOUT = 30.0

PYTHON_ENV = "MODELARTS_LOCAL_PYTHON"
"""The interpreter that runs the server, when not this one: the interpreter matrix (noxfile.py) runs the client and
provider tests on Pythons the local ModelArts does not support (it needs 3.11+), with the repo's .venv serving."""


def server_python() -> str:
    return os.environ.get(PYTHON_ENV) or sys.executable


class ServerError(RuntimeError):
    """The server did not start (the message carries the end of its log)."""


@dataclass
class LocalModelArts:
    """A running local ModelArts and the identity to call it with."""

    url: str
    obs_url: str  # the OBS endpoint: an IP literal, so the official OBS SDK addresses it path style and signs V2
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    argv: list[str]
    region: str = REGION
    project_id: str = PROJECT_ID
    domain_name: str = DOMAIN_NAME
    domain_id: str = DOMAIN_ID
    user_name: str = USER_NAME
    password: str = PASSWORD
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    admin_secret: str = ""
    _token: str | None = field(default=None, repr=False)

    # --- lifecycle ------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait; the exit status (0 for a clean stop)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return int(self.process.returncode)

    def kill(self) -> None:
        """SIGKILL: a crash, no shutdown code runs."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def restart(self, *, kill: bool = False) -> None:
        """Stop (or kill) and start again on the same port and data dir."""
        if kill:
            self.kill()
        else:
            self.stop()
        argv = list(self.argv)
        argv[argv.index("--port") + 1] = str(self.port)
        argv[argv.index("--obs-port") + 1] = self.obs_url.rsplit(":", 1)[1]
        self.process, self.url, self.obs_url = _launch(argv, self.data_dir, self.log_path)
        self.admin_secret = _admin_secret(self.data_dir)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # --- calling it -----------------------------------------------------------------------------------

    def stack_config(self) -> dict[str, str]:
        """The ``modelarts:`` stack config of a program aimed at this server, with AK/SK credentials."""
        return {
            "modelarts:region": self.region,
            "modelarts:projectId": self.project_id,
            "modelarts:modelartsEndpoint": self.url,
            "modelarts:iamEndpoint": self.url,
            "modelarts:obsEndpoint": self.obs_url,
            "modelarts:accessKey": self.access_key,
            "modelarts:secretKey": self.secret_key,
        }

    @property
    def v2(self) -> str:
        """The ModelArts base URL of the project: ``<url>/v2/<project_id>``."""
        return f"{self.url}/v2/{self.project_id}"

    def new_token(self, project: str | None = None, *, nocatalog: bool = False) -> str:
        body = token_request(self.user_name, self.password, self.domain_name, project or self.region)
        suffix = "?nocatalog=true" if nocatalog else ""
        response = requests.post(f"{self.url}/v3/auth/tokens{suffix}", json=body, timeout=10)
        response.raise_for_status()
        return response.headers["X-Subject-Token"]

    @property
    def token(self) -> str:
        """A cached project-scoped token."""
        if self._token is None:
            self._token = self.new_token()
        return self._token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A ModelArts call with the token; ``path`` is relative to ``/v2/<project_id>``."""
        headers = {"X-Auth-Token": self.token, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.v2}{path}", headers=headers, timeout=30, **kwargs)

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-Local-Admin-Secret": self.admin_secret, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}/_local{path}", headers=headers, timeout=30, **kwargs)

    def wait_for_phase(self, job_id: str, phases: set[str] | str, timeout: float = 20.0) -> dict[str, Any]:
        """Poll the job until its phase is one of ``phases``; the job document."""
        wanted = {phases} if isinstance(phases, str) else set(phases)
        deadline = time.monotonic() + timeout
        job: dict[str, Any] = {}
        while time.monotonic() < deadline:
            response = self.call("GET", f"/training-jobs/{job_id}")
            response.raise_for_status()
            job = response.json()
            if job["status"]["phase"] in wanted:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not reach {wanted} in {timeout}s; last status {job.get('status')}")


def token_request(user: str, password: str, domain: str, project: str | None) -> dict[str, Any]:
    auth: dict[str, Any] = {
        "identity": {
            "methods": ["password"],
            "password": {"user": {"name": user, "password": password, "domain": {"name": domain}}},
        }
    }
    if project:
        auth["scope"] = {"project": {"name": project}}
    return {"auth": auth}


def start_local_modelarts(
    data_dir: Path,
    *,
    mode: str = "simulated",
    config: dict[str, Any] | None = None,
    buckets: dict[str, Path] | None = None,
    port: int = 0,
    log_level: str = "warning",
) -> LocalModelArts:
    """Start a server over ``data_dir`` (created if needed); ``config`` becomes its JSON config file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        server_python(),
        "-m",
        "modelarts_local",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--obs-port",
        "0",
        "--data-dir",
        str(data_dir),
        "--mode",
        mode,
        "--log-level",
        log_level,
    ]
    if config is not None:
        config_path = data_dir.parent / f"{data_dir.name}-config.json"
        config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        argv += ["--config", str(config_path)]
    for name, folder in (buckets or {}).items():
        argv += ["--bucket", f"{name}={folder}"]
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    process, url, obs_url = _launch(argv, data_dir, log_path)
    server = LocalModelArts(url=url, obs_url=obs_url, data_dir=data_dir, process=process, log_path=log_path, argv=argv)
    server.admin_secret = _admin_secret(data_dir)
    return server


@contextlib.contextmanager
def serving(data_dir: Path, **options: Any) -> Iterator[LocalModelArts]:
    """:func:`start_local_modelarts` for a ``with`` block (a module or session fixture); stopped at its end."""
    server = start_local_modelarts(data_dir, **options)
    try:
        yield server
    finally:
        server.stop()


def _launch(argv: list[str], data_dir: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    offset = log_path.stat().st_size if log_path.exists() else 0
    log = log_path.open("ab")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    url: str | None = None
    obs_url = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"the server exited with {process.returncode}:\n{_tail(log_path, offset)}")
        if url is None:
            with log_path.open("rb") as handle:
                handle.seek(offset)
                match = _READY.search(handle.read().decode(errors="replace"))
            url, obs_url = (match.group(1), match.group(2) or "") if match else (None, "")
        if url is not None:
            try:
                if requests.get(f"{url}/_local/health", timeout=2).status_code == 200:
                    return process, url, obs_url
            except requests.RequestException:
                pass
        time.sleep(0.05)
    process.kill()
    raise ServerError(f"the server did not become ready in {START_TIMEOUT}s:\n{_tail(log_path, offset)}")


def _tail(path: Path, offset: int) -> str:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode(errors="replace")[-4000:]


def _admin_secret(data_dir: Path) -> str:
    return (data_dir / "admin-secret").read_text(encoding="utf-8").strip()
