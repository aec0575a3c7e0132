# mypy: disable-error-code="import-untyped"
"""TLS: our client verifies certificates and host names by default; the official SDK does neither.

The SDK half of this file is the evidence behind ``docs/obs-client.md`` (why esdk-obs-python is not our runtime
client), kept as tests so a new SDK version that changes its defaults shows up here:

- default ``ssl_verify=False``: any certificate is accepted, even a self-signed one;
- ``ssl_verify=<CA file>``: the chain is checked but the host name never is;
- ``use_http_conns=True`` with DEBUG logging writes the AK, the signature and the security token in clear;
- its retry loop sends a non-idempotent POST (initiate multipart upload) again after a 5xx.

Certificates come from the ``openssl`` command line (a CA, a leaf for 127.0.0.1 and ``*.obs.local.test``,
a leaf for another name, a self-signed leaf).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from obs import LogConf
from obs import ObsClient as SdkClient

from modelarts_pulumi.obs import ObsClient, ObsTransportError
from tests.obs_client.conftest import AK, SK, TMP_AK, TMP_SK, TOKEN, make_settings
from tests.obs_client.fake_obs import FakeObs, Fault

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@dataclass(frozen=True)
class Certs:
    ca: Path
    good: tuple[Path, Path]  # cert, key: 127.0.0.1 and *.obs.local.test, signed by the CA
    wrong_host: tuple[Path, Path]  # signed by the CA, for another name
    self_signed: tuple[Path, Path]  # for 127.0.0.1, signed by nobody we trust


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _leaf(directory: Path, name: str, san: str) -> tuple[Path, Path]:
    (directory / f"{name}.ext").write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN={name}", cwd=directory)  # fmt: skip
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", f"{name}.pem", "-days", "3650", "-extfile", f"{name}.ext", cwd=directory)  # fmt: skip
    return directory / f"{name}.pem", directory / f"{name}.key"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    directory = tmp_path_factory.mktemp("certs")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
             "-subj", "/CN=pulumi-modelarts test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)  # fmt: skip
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem", "-days",
             "3650", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", cwd=directory)  # fmt: skip
    return Certs(
        ca=directory / "ca.pem",
        good=_leaf(directory, "good", "IP:127.0.0.1,DNS:obs.local.test,DNS:*.obs.local.test"),
        wrong_host=_leaf(directory, "wrong", "DNS:elsewhere.example"),
        self_signed=(directory / "self.pem", directory / "self.key"),
    )


@pytest.fixture
def https_obs() -> Iterator[Callable[[tuple[Path, Path]], FakeObs]]:
    started: list[FakeObs] = []

    def start(pair: tuple[Path, Path]) -> FakeObs:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*pair)
        fake = FakeObs(credentials={AK: (SK, None), TMP_AK: (TMP_SK, TOKEN)}).start(tls=context)
        fake.put("bkt", "k", b"secret data")
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


# --- our client ----------------------------------------------------------------------------------------------


def test_our_client_refuses_an_untrusted_certificate_by_default(certs: Certs, https_obs, sleeps):
    fake = https_obs(certs.self_signed)
    with ObsClient(make_settings(), endpoint=fake.url) as client, pytest.raises(ObsTransportError) as info:
        client.get_object("bkt", "k")
    assert info.value.code == "SSLError" and "CERTIFICATE_VERIFY_FAILED" in info.value.message
    assert fake.requests == []  # nothing was sent over the untrusted connection


def test_our_client_trusts_a_ca_bundle_and_checks_the_host_name(certs: Certs, https_obs, vhost_dns, sleeps):
    good = https_obs(certs.good)
    settings = make_settings(caBundle=str(certs.ca))
    with ObsClient(settings, endpoint=good.url) as path_style, ObsClient(settings, endpoint=good.vhost_url) as vhost:
        assert path_style.get_object("bkt", "k") == b"secret data"
        assert vhost.get_object("bkt", "k") == b"secret data"

    wrong = https_obs(certs.wrong_host)
    with ObsClient(settings, endpoint=wrong.url) as client, pytest.raises(ObsTransportError) as info:
        client.get_object("bkt", "k")
    assert "match" in info.value.message.lower() or "mismatch" in info.value.message.lower()
    assert wrong.requests == []


def test_insecure_is_an_explicit_opt_out(certs: Certs, https_obs):
    fake = https_obs(certs.self_signed)
    with ObsClient(make_settings(insecure="true"), endpoint=fake.url) as client:
        assert client.get_object("bkt", "k") == b"secret data"


# --- the official SDK: the evidence of docs/obs-client.md ------------------------------------------------------


def test_sdk_default_accepts_any_certificate(certs: Certs, https_obs):
    fake = https_obs(certs.self_signed)
    sdk = SdkClient(AK, SK, server=fake.url)  # the documented way; ssl_verify defaults to False
    result = sdk.getObject("bkt", "k", loadStreamInMemory=True)
    assert result.status == 200 and result.body.buffer == b"secret data"  # sent and answered over untrusted TLS


def test_sdk_with_a_ca_file_never_checks_the_host_name(certs: Certs, https_obs):
    fake = https_obs(certs.wrong_host)  # a certificate for elsewhere.example, served as 127.0.0.1
    sdk = SdkClient(AK, SK, server=fake.url, ssl_verify=str(certs.ca))
    result = sdk.getObject("bkt", "k", loadStreamInMemory=True)
    assert result.status == 200 and result.body.buffer == b"secret data"


def _sdk_log(tmp_path: Path, name: str) -> LogConf:
    ini = tmp_path / f"{name}.ini"
    ini.write_text(
        f"[LOGCONF]\nLogFileDir = {tmp_path}\nLogFileName = {name}.log\nLogFileLevel = DEBUG\n"
        "PrintLogToConsole = 0\nLogFileSize = 10\nLogFileNumber = 1\n"
    )
    return LogConf(str(ini))


def test_sdk_debug_log_writes_credentials_with_use_http_conns(fake_obs: FakeObs, tmp_path: Path):
    for mode, use_http_conns in (("httpclient", False), ("requests", True)):
        sdk = SdkClient(TMP_AK, TMP_SK, security_token=TOKEN, server=fake_obs.url, use_http_conns=use_http_conns)
        sdk.initLog(_sdk_log(tmp_path, mode), log_name=f"OBS_TEST_{mode}_{id(tmp_path)}")
        assert sdk.putContent("bkt", "k", "body text 123").status == 200
        sdk.close()
    signature = fake_obs.requests[-1].headers["Authorization"].rsplit(":", 1)[1]
    default_log = (tmp_path / "httpclient.log").read_text()
    requests_log = (tmp_path / "requests.log").read_text()
    assert TOKEN not in default_log and "******" in default_log  # masked in the default mode...
    assert "body text 123" in default_log  # ...but request bodies are written in full
    assert TOKEN in requests_log and f"AWS {TMP_AK}:{signature}" in requests_log  # in clear with use_http_conns


def test_sdk_sends_a_non_idempotent_post_again_after_a_5xx(fake_obs: FakeObs):
    fake_obs.inject(Fault(lambda m, t: m == "POST" and t.endswith("?uploads"), status=503))
    sdk = SdkClient(AK, SK, server=fake_obs.url, max_retry_count=1)
    result = sdk.initiateMultipartUpload("bkt", "big.bin")
    assert result.status == 200
    assert sum(1 for r in fake_obs.requests if r.method == "POST" and r.target.endswith("?uploads")) == 2
