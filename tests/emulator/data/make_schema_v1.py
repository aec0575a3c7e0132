"""How ``schema-v1.json`` and ``schema-v1-answers.json`` were made, with the server of commit 0f3c04b:

    git archive 0f3c04b emulator | tar -x -C /tmp/v1
    cd /tmp/v1 && PYTHONPATH=/tmp/v1/emulator .venv/bin/python tests/emulator/data/make_schema_v1.py /tmp/v1/out

It starts that server over a fresh data dir, makes an algorithm and five jobs (Completed, Failed, Running,
Terminated, and Terminated + deleted), records the old server's answers, and dumps the SQLite file as the
SQL statements that rebuild it (without tokens, which expire).
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

CONFIG = {
    "simulated": {"creating_seconds": 0.2, "pending_seconds": 0.2, "running_seconds": 3600, "terminating_seconds": 0.5},
    "delete_linger_seconds": 3600,
    "admin_secret": "v1-admin",
}
ENGINE = {"engine_name": "PyTorch", "engine_version": "pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64"}
CONSTRAINT = {"type": "Integer", "editable": True, "required": False, "sensitive": False, "valid_type": "None"}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(CONFIG))
    argv = [sys.executable, "-m", "modelarts_local", "serve", "--port", "0", "--mode", "simulated"]
    argv += ["--data-dir", str(out / "data"), "--config", str(out / "config.json"), "--log-level", "warning"]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE)
    assert server.stdout is not None
    match = None
    while match is None:
        match = re.search(r"ready: (http://\S+)", server.stdout.readline().decode())
    url = match.group(1)
    user = {"name": "local-user", "password": "local-password", "domain": {"name": "local-account"}}
    auth = {
        "identity": {"methods": ["password"], "password": {"user": user}},
        "scope": {"project": {"name": "cn-north-4"}},
    }
    session = requests.Session()
    session.headers["X-Auth-Token"] = requests.post(f"{url}/v3/auth/tokens", json={"auth": auth}).headers[
        "X-Subject-Token"
    ]
    admin = {"X-Local-Admin-Secret": "v1-admin"}
    v2 = f"{url}/v2/0a1b2c3d4e5f40718293a4b5c6d7e8f9"
    job_config = {
        "code_dir": "/v1-bucket/code/",
        "boot_file": "/v1-bucket/code/train.py",
        "engine": ENGINE,
        "parameters": [{"name": "epochs", "value": "3", "constraint": {**CONSTRAINT, "valid_range": []}}],
        "inputs": [{"name": "data_url"}],
        "outputs": [{"name": "train_url"}],
    }
    metadata = {"name": "v1-algorithm", "description": "written by schema 1"}
    algorithm = session.post(f"{v2}/algorithms", json={"metadata": metadata, "job_config": job_config}).json()

    def job(name: str) -> str:
        body: dict[str, Any] = {
            "kind": "job",
            "metadata": {"name": name, "description": f"v1 {name}"},
            "algorithm": {
                "id": algorithm["metadata"]["id"],
                "parameters": [{"name": "epochs", "value": "5"}],
                "inputs": [{"name": "data_url", "remote": {"obs": {"obs_url": "/v1-bucket/data/"}}}],
                "outputs": [{"name": "train_url", "remote": {"obs": {"obs_url": "/v1-bucket/output/"}}}],
            },
            "spec": {
                "resource": {"flavor_id": "modelarts.vm.cpu.8u", "node_count": 2},
                "log_export_path": {"obs_url": "/v1-bucket/logs/"},
            },
        }
        created = session.post(f"{v2}/training-jobs", json=body)
        created.raise_for_status()
        return str(created.json()["metadata"]["id"])

    ids = {name: job(f"v1-{name}") for name in ("completed", "failed", "running", "terminated", "deleted")}
    time.sleep(0.6)
    outcome = f"{url}/_local/jobs/{{}}/outcome"
    requests.post(outcome.format(ids["completed"]), json={"phase": "Completed"}, headers=admin).raise_for_status()
    failure = {"phase": "Failed", "exit_code": 3, "message": "v1 failure"}
    requests.post(outcome.format(ids["failed"]), json=failure, headers=admin).raise_for_status()
    session.post(f"{v2}/training-jobs/{ids['terminated']}/actions", json={"action_type": "terminate"})
    session.delete(f"{v2}/training-jobs/{ids['deleted']}").raise_for_status()
    time.sleep(1.0)
    answers: dict[str, Any] = {name: session.get(f"{v2}/training-jobs/{i}").json() for name, i in ids.items()}
    answers["algorithm"] = session.get(f"{v2}/algorithms/{algorithm['metadata']['id']}").json()
    answers["events"] = {
        name: session.get(f"{v2}/training-jobs/{i}/events", params={"order": "asc"}).json()["events"]
        for name, i in ids.items()
    }
    (out / "schema-v1-answers.json").write_text(json.dumps(answers, indent=1, sort_keys=True))
    server.terminate()
    server.wait()
    with sqlite3.connect(out / "data" / "modelarts-local.sqlite3") as db:
        db.execute("DELETE FROM tokens")
        statements = list(db.iterdump())
    source = "A data dir's SQLite as schema version 1 (commit 0f3c04b) left it; made by make_schema_v1.py."
    (out / "schema-v1.json").write_text(json.dumps({"_source": source, "statements": statements}, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
