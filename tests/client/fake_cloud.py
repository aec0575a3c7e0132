"""``FakeCloud``: a threaded ``http.server`` on 127.0.0.1 that records every request and answers from
per-route scripts, for the client's tests (test_http.py, test_auth.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from modelarts_pulumi.settings import Settings
from tests.support import constants

PID, AK, SK = constants.PROJECT_ID, constants.ACCESS_KEY, constants.SECRET_KEY


# --- the fake cloud -----------------------------------------------------------------------------------------


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    target: str  # raw request target: path?query, as sent
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(self.target.split("?", 1)[1], keep_blank_values=True) if "?" in self.target else []

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON, str/bytes -> as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Reply | Callable[[Seen], Reply]


class FakeCloud:
    """A recording HTTP server answering ModelArts- and IAM-shaped requests from scripts."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.routes: dict[tuple[str, str], list[Responder]] = {}
        self.token_ttl = timedelta(hours=24)
        self.token_project: dict[str, str] | None = {"id": PID, "name": "cn-north-4"}
        self.token_delay = 0.0
        self.issued: list[str] = []
        self.projects: list[dict[str, str]] = [{"id": PID, "name": "cn-north-4", "domain_id": "d1"}]
        self._lock = threading.Lock()
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k: v.encode("iso-8859-1").decode("utf-8") for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                with cloud._lock:
                    cloud.seen.append(seen)
                reply = cloud.answer(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                if isinstance(body, dict | list):
                    body = json.dumps(body).encode()
                elif isinstance(body, str):
                    body = body.encode()
                body = body or b""
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json", "X-Request-Id": "req-123", **reply.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeCloud:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, method: str, path: str, *responders: Responder) -> None:
        """Answer ``method path`` with these replies in turn; the last one repeats."""
        self.routes[(method, path)] = list(responders)

    def requests_to(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    def answer(self, seen: Seen) -> Reply:
        script = self.routes.get((seen.method, seen.path))
        if script:
            responder = script.pop(0) if len(script) > 1 else script[0]
            return responder(seen) if callable(responder) else responder
        if (seen.method, seen.path) == ("POST", "/v3/auth/tokens"):
            return self.issue_token(seen)
        if (seen.method, seen.path) == ("GET", "/v3/projects"):
            name = dict(seen.query).get("name")
            return Reply(200, {"projects": [p for p in self.projects if p["name"] == name]})
        return Reply(404, {"error_code": "ModelArts.2836", "error_msg": "path not found"})

    def issue_token(self, seen: Seen) -> Reply:
        if self.token_delay:
            time.sleep(self.token_delay)
        with self._lock:
            value = f"MIItoken-{len(self.issued) + 1}"
            self.issued.append(value)
        expires = datetime.now(timezone.utc) + self.token_ttl
        token: dict[str, Any] = {
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "methods": ["password"],
        }
        if self.token_project is not None:
            token["project"] = self.token_project
        return Reply(201, {"token": token}, {"X-Subject-Token": value})

    def signature_is_valid(self, seen: Seen, sk: str = SK) -> bool:
        """Verify an AK/SK request as a gateway would, with the official signer, from what was received."""
        authorization = seen.headers["Authorization"]
        signed_names = authorization.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
        lowered = {k.lower(): v for k, v in seen.headers.items()}
        request = SdkRequest(
            method=seen.method,
            schema="http",
            host=lowered["host"],
            resource_path=seen.path,
            query_params=seen.query,
            header_params={name: lowered[name] for name in signed_names},
            body=seen.body,
        )
        expected = Signer(BasicCredentials(authorization.split("Access=", 1)[1].split(",", 1)[0], sk)).sign(request)
        return bool(expected.header_params["Authorization"] == authorization)


def make_settings(cloud: FakeCloud, **config: str) -> Settings:
    """AK/SK settings aimed at ``cloud``; ``config`` overrides (None drops a key)."""
    base = {
        "region": "cn-north-4",
        "projectId": PID,
        "modelartsEndpoint": cloud.url,
        "iamEndpoint": cloud.url,
        "accessKey": AK,
        "secretKey": SK,
        "timeoutSeconds": "5",
    }
    base.update(config)
    return Settings.from_config({k: v for k, v in base.items() if v is not None}, env={})
