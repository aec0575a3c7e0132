"""Temporary AK/SK from IAM for OBS (IAM password or token users), against a tiny fake IAM and the fake OBS."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from modelarts_pulumi.auth import IamTokenProvider, TokenAuth
from modelarts_pulumi.errors import ModelArtsApiError
from modelarts_pulumi.http import ApiSession
from modelarts_pulumi.obs import ObsClient, TemporaryCredentials, connect, request_temporary_credentials
from modelarts_pulumi.settings import Settings
from tests.obs_client.conftest import AK, TMP_AK, TMP_SK, TOKEN, make_settings
from tests.obs_client.fake_obs import FakeObs

UTC = timezone.utc  # datetime.UTC is Python 3.11+; the provider supports 3.10

IAM_TOKEN = "MIIFakeIamToken-user-scoped"


class FakeIam:
    """``POST /v3.0/OS-CREDENTIAL/securitytokens`` only: checks the token and the body, answers 201."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answer: dict[str, Any] | None = None  # override the body (malformed answers)
        self.now = time.time
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.calls.append({"path": self.path, "token": self.headers.get("X-Auth-Token"), "body": body})
                identity = body.get("auth", {}).get("identity", {})
                if self.path != "/v3.0/OS-CREDENTIAL/securitytokens" or identity.get("methods") != ["token"]:
                    return self._json(400, {"error": {"code": 400, "message": "bad request"}})
                if self.headers.get("X-Auth-Token") != IAM_TOKEN:
                    return self._json(
                        401, {"error": {"code": 401, "message": "The request you have made requires authentication."}}
                    )
                duration = identity["token"]["duration_seconds"]
                expires = datetime.fromtimestamp(fake.now(), UTC) + timedelta(seconds=duration)
                credential = {
                    "access": TMP_AK,
                    "secret": TMP_SK,
                    "securitytoken": TOKEN,
                    "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                }
                self._json(201, fake.answer if fake.answer is not None else {"credential": credential})

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def iam() -> Iterator[FakeIam]:
    server = FakeIam()
    yield server
    server.stop()


def token_settings(iam: FakeIam, token: str = IAM_TOKEN) -> Settings:
    config = {"region": "cn-north-4", "token": token, "iamEndpoint": iam.url, "modelartsEndpoint": "http://127.0.0.1:9"}
    return Settings.from_config(config, env={})


def source_for(iam: FakeIam, settings: Settings, **kwargs: Any) -> tuple[ApiSession, TemporaryCredentials]:
    session = ApiSession(settings)
    auth = TokenAuth(IamTokenProvider(settings, session.send))
    return session, TemporaryCredentials(session.send, settings.iam_endpoint, auth, **kwargs)


def test_a_token_user_uploads_with_temporary_credentials(iam: FakeIam, fake_obs: FakeObs):
    settings = token_settings(iam)
    session, source = source_for(iam, settings, duration_seconds=900)
    with session, ObsClient(settings, endpoint=fake_obs.url, credentials=source) as client:
        client.put_object("bkt", "from-token-user.txt", b"hello")
        assert client.get_object("bkt", "from-token-user.txt") == b"hello"
    assert len(iam.calls) == 1  # fetched once, reused
    assert iam.calls[0]["token"] == IAM_TOKEN
    assert iam.calls[0]["body"] == {"auth": {"identity": {"methods": ["token"], "token": {"duration_seconds": 900}}}}
    assert all(r.headers.get("x-amz-security-token") == TOKEN for r in fake_obs.requests)
    assert "TMP" not in repr(source) and TMP_SK not in repr(source.current())


def test_credentials_are_renewed_before_they_expire(iam: FakeIam):
    now = [1_800_000_000.0]
    iam.now = lambda: now[0]
    settings = token_settings(iam)
    session, source = source_for(iam, settings, duration_seconds=900, clock=lambda: now[0])
    with session:
        first = source.current()
        assert first.expires_at == datetime.fromtimestamp(now[0] + 900, UTC)
        now[0] += 500
        assert source.current() is first and len(iam.calls) == 1  # 400 s left: still good
        now[0] += 150
        assert source.current() is not first and len(iam.calls) == 2  # 250 s left: renewed


def test_iam_refusals_are_api_errors(iam: FakeIam):
    settings = token_settings(iam, token="expired-or-wrong")
    session, source = source_for(iam, settings)
    with session, pytest.raises(ModelArtsApiError) as info:
        source.current()
    assert info.value.status == 401


def test_an_answer_without_credentials_is_refused_without_echoing_it(iam: FakeIam):
    iam.answer = {"credential": {"access": TMP_AK, "secret": TMP_SK}}  # no token, no expiry
    settings = token_settings(iam)
    with ApiSession(settings) as session, pytest.raises(ModelArtsApiError) as info:
        request_temporary_credentials(session.send, iam.url, TokenAuth(IamTokenProvider(settings, session.send)))
    assert info.value.error_code == "InvalidResponse"
    assert TMP_SK not in str(info.value) and TMP_AK not in str(info.value)


def test_duration_is_checked_and_token_settings_alone_cannot_sign_obs(iam: FakeIam):
    settings = token_settings(iam)
    with ApiSession(settings) as session, pytest.raises(ValueError, match=r"900\.\.86400"):
        request_temporary_credentials(
            session.send, iam.url, TokenAuth(IamTokenProvider(settings, session.send)), duration_seconds=60
        )
    with pytest.raises(ValueError, match="IAM tokens are not accepted by OBS"):
        ObsClient(settings)


def test_connect_gives_token_users_temporary_keys_and_aksk_users_their_own(iam: FakeIam, fake_obs: FakeObs):
    settings = Settings.from_config(
        {"region": "cn-north-4", "token": IAM_TOKEN, "iamEndpoint": iam.url, "obsEndpoint": fake_obs.url}, env={}
    )
    with connect(settings) as client:
        assert str(client.endpoint) == fake_obs.url  # the setting, not the region's endpoint
        client.put_object("bkt", "by-token-user.txt", b"hi")
    assert len(iam.calls) == 1 and fake_obs.requests[-1].headers.get("x-amz-security-token") == TOKEN

    aksk = make_settings(obsEndpoint=fake_obs.url)
    with connect(aksk) as client:
        assert client.get_object("bkt", "by-token-user.txt") == b"hi"
    assert len(iam.calls) == 1  # AK/SK users sign with their own keys: no IAM call
    assert fake_obs.requests[-1].headers["Authorization"].startswith(f"AWS {AK}:")
