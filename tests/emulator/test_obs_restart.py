# mypy: disable-error-code="import-untyped"
"""What the local OBS knows survives a crash: recorded ETags and metadata, multipart uploads in progress,
temporary credentials; and what a crash left half-done (a staged body) is gone after the restart, never in a
bucket. Also: IAM (``/v3.0/...`` included) stays fault-free unless asked, while every OBS request is faulted."""

from __future__ import annotations

import requests
from obs import CompleteMultipartUploadRequest, CompletePart

from tests.emulator.obs_helpers import BUCKET, OBS_CONFIG, ObsLocal


def test_a_killed_server_keeps_what_it_acknowledged(start_local_modelarts, tmp_path):
    bucket_dir = tmp_path / "bucket"
    server = start_local_modelarts(config=OBS_CONFIG, buckets={BUCKET: bucket_dir})
    obs = ObsLocal(server, bucket_dir)
    sdk = obs.sdk()
    assert sdk.putContent(BUCKET, "kept/a.txt", b"kept", metadata={"m": "1"}).status == 200
    upload_id = sdk.initiateMultipartUpload(BUCKET, "kept/big.bin").body.uploadId
    part = sdk.uploadPart(BUCKET, "kept/big.bin", 1, upload_id, object=b"p" * 10).body.etag
    credential = requests.post(
        f"{server.url}/v3.0/OS-CREDENTIAL/securitytokens",
        json={"auth": {"identity": {"methods": ["token"]}}},
        headers={"X-Auth-Token": server.token},
        timeout=10,
    ).json()["credential"]
    leftover = server.data_dir / "obs-work" / "staging" / ".obs-crashed.part"
    leftover.write_bytes(b"half a body")

    server.restart(kill=True)
    assert not leftover.exists()
    sdk = obs.sdk()
    meta = sdk.getObjectMetadata(BUCKET, "kept/a.txt")
    assert meta.status == 200 and ("m", "1") in meta.header
    completed = sdk.completeMultipartUpload(
        BUCKET, "kept/big.bin", upload_id, CompleteMultipartUploadRequest([CompletePart(1, part)])
    )
    assert completed.status == 200 and (bucket_dir / "kept" / "big.bin").read_bytes() == b"p" * 10
    temporary = obs.sdk(credential["access"], credential["secret"], security_token=credential["securitytoken"])
    assert temporary.headBucket(BUCKET).status == 200


def test_iam_is_spared_by_faults_that_hit_every_obs_request(obs_local: ObsLocal):
    server = obs_local.server
    assert server.admin("PUT", "/faults", json={"rules": [{"error_rate": 1.0, "error_statuses": [500]}]}).ok
    try:
        assert obs_local.sdk(max_retry_count=0).headBucket(BUCKET).status == 500
        issued = requests.post(
            f"{server.url}/v3.0/OS-CREDENTIAL/securitytokens",
            json={"auth": {"identity": {"methods": ["token"]}}},
            headers={"X-Auth-Token": server.token},
            timeout=10,
        )
        assert issued.status_code == 201
    finally:
        server.admin("DELETE", "/faults")
