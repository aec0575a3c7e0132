"""Nothing secret is ever logged: every operation, error and retry runs with DEBUG logging of every logger
(ours, requests, urllib3) captured, and neither the AK, the SK, the security token nor any signature appears."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from modelarts_pulumi.obs import ObsClient, ObsError, TransferConfig, UploadItem, download_prefix, upload_files
from tests.obs_client.conftest import TMP_AK, TMP_SK, TOKEN, make_settings
from tests.obs_client.fake_obs import FakeObs, Fault


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


@pytest.mark.parametrize("style", ["v2", "obs"])
def test_debug_logs_hold_no_credentials(
    style: str,
    client_factory: Callable[..., ObsClient],
    fake_obs: FakeObs,
    vhost_dns: None,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
):
    caplog.set_level(logging.DEBUG)  # the root logger: ours, requests and urllib3 alike
    client = client_factory(style, temporary=True)
    errors: list[ObsError] = []

    client.put_object("bkt", "dir/a.txt", b"content", metadata={"note": "hello"})
    client.get_object("bkt", "dir/a.txt", byte_range=(0, 2))
    client.head_object("bkt", "dir/a.txt")
    client.copy_object("bkt", "dir/a.txt", "bkt", "dir/b.txt")
    list(client.iter_objects("bkt", prefix="dir/", page_size=1))
    fake_obs.inject(Fault(lambda m, t: m == "GET", status=503))  # a retry is logged too
    client.get_object("bkt", "dir/a.txt")
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "big.bin").write_bytes(b"x" * 300_000)
    (source / "small.txt").write_text("small")
    items = [UploadItem(p, "up/" + p.relative_to(source).as_posix()) for p in source.rglob("*") if p.is_file()]
    upload_files(client, "bkt", items, config=TransferConfig(part_size=100 * 1024, multipart_threshold=100 * 1024))
    download_prefix(client, "bkt", "up/", tmp_path / "down")
    client.delete_objects("bkt", ["dir/a.txt", "dir/b.txt"])
    for call in (lambda: client.get_object("bkt", "missing"), lambda: client.head_bucket("none")):
        with pytest.raises(ObsError) as info:
            call()
        errors.append(info.value)
    with ObsClient(make_settings(TMP_AK, "a-wrong-secret-key", TOKEN), endpoint=fake_obs.url) as wrong:
        with pytest.raises(ObsError) as mismatch:
            wrong.get_object("bkt", "dir/a.txt")
        errors.append(mismatch.value)
    assert mismatch.value.code == "SignatureDoesNotMatch"

    logged = _everything_logged(caplog)
    assert "GET /bkt/dir/a.txt" in logged and "attempt 2" in logged  # the log is there, and useful
    signatures = {
        r.headers["Authorization"].rsplit(":", 1)[1] for r in fake_obs.requests if "Authorization" in r.headers
    }
    assert len(signatures) > 10
    shown = logged + "\n".join(str(e) + repr(e) + repr(pickle.loads(pickle.dumps(e)).__dict__) for e in errors)
    shown += repr(client.transport.credentials.current()) + repr(client.transport.credentials)
    for secret in (TMP_AK, TMP_SK, TOKEN, "a-wrong-secret-key", *signatures):
        assert secret not in shown
    assert "Authorization" not in logged and "security-token" not in logged
