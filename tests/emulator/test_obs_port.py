"""The OBS endpoint on a port of its own (``serve --obs-port``): announced, serving pre-signed objects in path
style with OBS's XML errors and request-id header, faulted on demand in OBS's words, stopped with the server."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.bodies import inline_job_body
from tests.support.server import PROJECT_ID, token_request

READY = re.compile(r"modelarts-local ready: (http://\S+) \(.*obs (http://[^,]+),")
CODE = "/obs-port-bucket/code/"


@dataclass
class Servers:
    process: subprocess.Popen[bytes]
    url: str
    obs_url: str
    data_dir: Path


def launch(data_dir: Path, *extra: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "modelarts_local", "serve", "--port", "0", "--data-dir", str(data_dir)]
    argv += ["--mode", "simulated", "--log-level", "warning", *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    data_dir = tmp_path / "data"
    process = launch(data_dir, "--obs-port", "0")
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    match = READY.search(line)
    assert match, f"no ready line with an OBS endpoint: {line!r}"
    try:
        yield Servers(process, match.group(1), match.group(2), data_dir)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def obs_error(response: requests.Response) -> dict[str, str]:
    assert response.headers["content-type"].startswith("application/xml"), response.text
    return {child.tag: child.text or "" for child in ET.fromstring(response.content)}


def test_both_ports_are_announced_and_stop_together(servers: Servers):
    info = json.loads((servers.data_dir / "server.json").read_text())
    assert (info["url"], info["obs_url"]) == (servers.url, servers.obs_url)
    assert info["obs_port"] == urlsplit(servers.obs_url).port != info["port"]

    servers.process.send_signal(signal.SIGTERM)
    assert servers.process.wait(20) == 0
    for url in (servers.url, servers.obs_url):
        parts = urlsplit(url)
        with pytest.raises(ConnectionRefusedError), socket.create_connection((parts.hostname, parts.port), timeout=5):
            pass
    assert not (servers.data_dir / "server.json").exists()


def test_a_presigned_log_url_works_on_the_obs_port_in_path_style(servers: Servers):
    token = requests.post(
        f"{servers.url}/v3/auth/tokens",
        json=token_request("local-user", "local-password", "local-account", "cn-north-4"),
        timeout=10,
    ).headers["X-Subject-Token"]
    v2 = f"{servers.url}/v2/{PROJECT_ID}"
    headers = {"X-Auth-Token": token}
    created = requests.post(f"{v2}/training-jobs", json=inline_job_body(CODE, CODE + "train.py"), headers=headers)
    job_id = created.json()["metadata"]["id"]
    admin = {"X-Local-Admin-Secret": (servers.data_dir / "admin-secret").read_text().strip()}
    requests.post(f"{servers.url}/_local/jobs/{job_id}/outcome", json={"phase": "Completed"}, headers=admin)
    log_url = requests.get(f"{v2}/training-jobs/{job_id}/tasks/worker-0/logs/url", headers=headers, timeout=10)
    main_port_url = log_url.json()["obs_url"]
    assert main_port_url.startswith(f"{servers.url}/_obs/")

    on_obs_port = main_port_url.replace(f"{servers.url}/_obs", servers.obs_url)
    fetched = requests.get(on_obs_port, timeout=10)
    assert fetched.status_code == 200
    assert fetched.text == requests.get(main_port_url, timeout=10).text
    assert "training job ended: Completed" in fetched.text

    tampered = requests.get(on_obs_port.replace("Signature=", "Signature=AA"), timeout=10)
    assert tampered.status_code == 403
    error = obs_error(tampered)
    assert error["Code"] == "SignatureDoesNotMatch"
    assert error["RequestId"] == tampered.headers["x-obs-request-id"]
    assert re.fullmatch("[0-9A-F]{32}", error["RequestId"])  # as OBS writes its request ids
    assert error["Resource"] == urlsplit(on_obs_port).path

    missing = on_obs_port.replace("worker-0.log", "worker-9.log")
    assert requests.get(missing, timeout=10).status_code == 403  # signed for another key
    anonymous = requests.get(f"{servers.obs_url}/no-such-bucket", timeout=10)
    assert (anonymous.status_code, obs_error(anonymous)["Code"]) == (403, "AccessDenied")
    # A pre-signed GET signs no other request: a PUT with its query is refused.
    put_with_get_signature = requests.put(on_obs_port, data=b"x", timeout=10)
    assert (put_with_get_signature.status_code, obs_error(put_with_get_signature)["Code"]) == (
        403,
        "SignatureDoesNotMatch",
    )
    wrong_method = requests.request("PATCH", on_obs_port, timeout=10)
    assert (wrong_method.status_code, obs_error(wrong_method)["Code"]) == (405, "MethodNotAllowed")


def test_faults_on_the_obs_port_are_answered_as_obs_answers_them(servers: Servers):
    admin = {"X-Local-Admin-Secret": (servers.data_dir / "admin-secret").read_text().strip()}
    faults = {"seed": 7, "rules": [{"paths": ["/faulty-bucket/*"], "throttle_rate": 1.0}]}
    assert requests.put(f"{servers.url}/_local/faults", json=faults, headers=admin, timeout=10).status_code == 200
    throttled = requests.get(f"{servers.obs_url}/faulty-bucket/key", timeout=10)
    assert (throttled.status_code, obs_error(throttled)["Code"]) == (503, "SlowDown")

    faults = {"seed": 7, "rules": [{"paths": ["/faulty-bucket/*"], "error_rate": 1.0, "error_statuses": [500]}]}
    requests.put(f"{servers.url}/_local/faults", json=faults, headers=admin, timeout=10)
    failed = requests.get(f"{servers.obs_url}/faulty-bucket/key", timeout=10)
    assert (failed.status_code, obs_error(failed)["Code"]) == (500, "InternalError")
    # Other paths, and the main port, are spared.
    assert requests.get(f"{servers.obs_url}/other-bucket/key", timeout=10).status_code == 403
    counters = requests.get(f"{servers.url}/_local/faults", headers=admin, timeout=10).json()["counters"]
    assert counters["error"] == 1


def test_a_taken_obs_port_fails_the_start_with_a_message(servers: Servers, tmp_path: Path):
    taken = str(urlsplit(servers.obs_url).port)
    second = launch(tmp_path / "second", "--obs-port", taken)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{taken}" in err.decode()
