# mypy: disable-error-code="import-untyped"
"""Who may talk to the local OBS: signatures checked as OBS checks them, proven with the official OBS SDK.

- the string the server signs equals the SDK's (``obs.auth.Authentication``) over a generated corpus of wire
  requests, in both styles, path and virtual-host addressing, header-signed and pre-signed;
- the SDK works unchanged in V2 path style (an IP literal) and in the OBS style on a virtual host, after its
  unsigned negotiation probe; pre-signed URLs (GET and PUT) work and expire;
- refused, with OBS's codes: a wrong key, a wrong signature (echoing the StringToSign), skew either way, no date,
  anonymous and V4 requests, and an AK that keeps failing (``TooManyWrongSignature``);
- temporary credentials from the local IAM (``POST /v3.0/OS-CREDENTIAL/securitytokens``): accepted with their
  token in either style and by ModelArts; refused without it, with another, and once expired; and the provider's
  ``TemporaryCredentials`` gets them.
"""

from __future__ import annotations

import random
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

import pytest
import requests
from obs.auth import Authentication
from obs.convertor import Adapter
from obs.util import encode_item

from modelarts_local.obs.addressing import address
from modelarts_local.obs.signature import OBS_STYLE, V2_STYLE, string_to_sign
from modelarts_pulumi.auth import IamTokenProvider, TokenAuth
from modelarts_pulumi.http import ApiSession
from modelarts_pulumi.obs import ObsClient as OurObsClient
from modelarts_pulumi.obs import TemporaryCredentials
from modelarts_pulumi.settings import Settings
from tests.emulator.obs_helpers import BUCKET, VHOST_DOMAIN, ObsLocal, signed, xml_fields
from tests.obs_client.test_obs_signer import Case, make_case
from tests.support.aksk import signed_request
from tests.support.constants import ACCESS_KEY, SECRET_KEY

# --- the string to sign, against the SDK's own code ------------------------------------------------------------


def wire_scope(case: Case, headers: dict[str, str]) -> dict[str, Any]:
    """The ASGI scope of the request the SDK would send for a case."""
    path = "/" + quote(case.key, safe="/~") if case.key else "/"
    if case.path_style and case.bucket:
        path = f"/{case.bucket}" + (path if case.key else "")
    host = f"{case.bucket}.{VHOST_DOMAIN}:8771" if not case.path_style and case.bucket else "127.0.0.1:8771"
    query = dict(case.query)
    if case.expires is not None:
        query.update({V2_STYLE.access_key_param if case.style == "v2" else "AccessKeyId": case.ak})
        query.update({"Expires": case.expires, "Signature": "c2lnbmF0dXJl"})
    bare = [encode_item(name, "/") for name, value in query.items() if value is None]
    valued = [
        f"{encode_item(name, '/')}={encode_item(value, '/')}" for name, value in query.items() if value is not None
    ]
    raw_headers = [(b"host", host.encode())] + [(name.encode(), value.encode()) for name, value in headers.items()]
    return {
        "type": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": "&".join(bare + valued).encode(),
        "headers": raw_headers,
    }


def test_the_server_signs_the_same_string_as_the_sdk():
    rng = random.Random(20261130)
    compared = 0
    for _ in range(600):
        case = make_case(rng)
        headers = {name.lower(): value for name, value in case.headers.items() if name.lower() != "host"}
        if len(headers) != len({name for name in case.headers if name.lower() != "host"}):
            continue  # the same header twice in two cases: not a request anyone sends
        auth = Authentication(case.ak, case.sk, case.path_style, Adapter(case.style), VHOST_DOMAIN, False)
        sdk_text = auth.getSignature(case.method, case.bucket, case.key, case.query, case.headers, case.expires)[
            "CanonicalString"
        ]
        target = address(wire_scope(case, headers), VHOST_DOMAIN)
        style = OBS_STYLE if case.style == "obs" else V2_STYLE
        ours = string_to_sign(case.method, headers, target.signed_resource, target.query, style, expires=case.expires)
        assert ours == sdk_text, case
        compared += 1
    assert compared > 500


# --- the SDK in both styles, pre-signed URLs --------------------------------------------------------------------


def test_the_sdk_in_the_obs_style_on_a_virtual_host(obs_local: ObsLocal, vhost_dns: None):
    for sdk in (obs_local.vhost_sdk(), obs_local.vhost_sdk(signature="obs", is_signature_negotiation=False)):
        assert sdk.putContent(BUCKET, "vhost/o.txt", b"obs style", metadata={"k": "v"}).status == 200
        got = sdk.getObject(BUCKET, "vhost/o.txt", loadStreamInMemory=True)
        assert (got.status, got.body.buffer) == (200, b"obs style")
        assert ("k", "v") in got.header
        assert [c.key for c in sdk.listObjects(BUCKET, prefix="vhost/").body.contents] == ["vhost/o.txt"]
        assert sdk.deleteObject(BUCKET, "vhost/o.txt").status == 204
    assert (obs_local.bucket_dir / "vhost").exists() is False
    # The negotiation probe of a bucket that does not exist answers for the call, as OBS's does.
    assert obs_local.vhost_sdk().getObject("no-such-bucket", "k").status == 404
    probe = requests.head(f"{obs_local.url}/?apiversion", headers={"Host": f"{BUCKET}.{VHOST_DOMAIN}"}, timeout=10)
    assert (probe.status_code, probe.headers["x-obs-api"]) == (200, "3.0")


@pytest.mark.parametrize("style", ["v2", "obs"])
def test_presigned_urls(obs_local: ObsLocal, vhost_dns: None, style: str):
    sdk = obs_local.sdk() if style == "v2" else obs_local.vhost_sdk(signature="obs", is_signature_negotiation=False)
    put_url = sdk.createSignedUrl("PUT", BUCKET, f"signed/{style}.txt", expires=60).signedUrl
    assert ("AWSAccessKeyId=" in put_url) == (style == "v2")
    assert requests.put(put_url, data=b"pre-signed", timeout=10).status_code == 200
    assert (obs_local.bucket_dir / "signed" / f"{style}.txt").read_bytes() == b"pre-signed"
    get_url = sdk.createSignedUrl("GET", BUCKET, f"signed/{style}.txt", expires=60).signedUrl
    assert requests.get(get_url, timeout=10).content == b"pre-signed"

    tampered = requests.get(get_url.replace("Expires=", "Expires=1"), timeout=10)
    assert (tampered.status_code, xml_fields(tampered.content)["Code"]) == (403, "SignatureDoesNotMatch")
    expired = requests.get(sdk.createSignedUrl("GET", BUCKET, f"signed/{style}.txt", expires=-5).signedUrl, timeout=10)
    fields = xml_fields(expired.content)
    assert (expired.status_code, fields["Code"], fields["Message"]) == (
        403,
        "RequestTimeTooSkewed",
        "Request has expired.",
    )


# --- refusals ----------------------------------------------------------------------------------------------------


def test_wrong_key_and_wrong_signature(obs_local: ObsLocal):
    unknown = obs_local.sdk(access_key="NOSUCHACCESSKEY00000").getObject(BUCKET, "k")
    assert (unknown.status, unknown.errorCode) == (403, "InvalidAccessKeyId")
    assert unknown.errorMessage == "The OBS Access Key Id you provided does not exist in our records."

    wrong = obs_local.sdk(secret_key="not-the-secret").putContent(BUCKET, "refused/w.txt", b"x")
    assert (wrong.status, wrong.errorCode) == (403, "SignatureDoesNotMatch")
    assert not (obs_local.bucket_dir / "refused").exists()

    date = formatdate(usegmt=True)
    headers = {"Date": date, "Content-Type": "text/plain", "x-amz-meta-a": "1"}
    auth = Authentication(ACCESS_KEY, "not-the-secret", True, Adapter("v2"), "", False)
    sdk_signed = auth.getSignature("PUT", BUCKET, "refused/s.txt", {}, headers)
    response = requests.put(
        f"{obs_local.url}/{BUCKET}/refused/s.txt",
        data=b"x",
        headers={**headers, "Authorization": f"AWS {ACCESS_KEY}:{sdk_signed['Signature']}"},
        timeout=10,
    )
    fields = xml_fields(response.content)
    assert (response.status_code, fields["Code"]) == (403, "SignatureDoesNotMatch")
    assert fields["StringToSign"] == sdk_signed["CanonicalString"]  # what OBS signed: the client can compare
    assert fields["SignatureProvided"] == sdk_signed["Signature"]
    assert fields["RequestId"] == response.headers["x-obs-request-id"]
    assert fields["Resource"] == f"/{BUCKET}/refused/s.txt"


def test_skewed_missing_and_anonymous(obs_local: ObsLocal):
    now = time.time()
    assert signed(obs_local, "HEAD", BUCKET, date=now - 14 * 60).status_code == 200  # inside the 15 minutes
    behind = signed(obs_local, "GET", BUCKET, date=now - 16 * 60)
    fields = xml_fields(behind.content)
    assert (behind.status_code, fields["Code"], fields["Message"]) == (
        403,
        "RequestTimeTooSkewed",
        "Request is no longer valid.",
    )
    assert fields["MaxAllowedSkewMilliseconds"] == "900000"
    ahead = signed(obs_local, "GET", BUCKET, date=now + 16 * 60)
    assert xml_fields(ahead.content)["Message"] == "Request is not yet valid."
    # x-amz-date wins over Date (and empties the Date line of the signature).
    dated = signed(obs_local, "GET", BUCKET, headers={"x-amz-date": formatdate(now - 3600, usegmt=True)})
    assert xml_fields(dated.content)["Code"] == "RequestTimeTooSkewed"
    assert signed(obs_local, "GET", BUCKET, headers={"x-amz-date": formatdate(now, usegmt=True)}).status_code == 200

    auth = Authentication(ACCESS_KEY, SECRET_KEY, True, Adapter("v2"), "", False)
    no_date = requests.get(
        f"{obs_local.url}/{BUCKET}",
        headers={"Authorization": f"AWS {ACCESS_KEY}:{auth.getSignature('GET', BUCKET, None, {}, {})['Signature']}"},
        timeout=10,
    )
    assert (no_date.status_code, xml_fields(no_date.content)["Code"]) == (403, "AccessDenied")
    anonymous = requests.get(f"{obs_local.url}/{BUCKET}/code/train.py", timeout=10)
    assert (anonymous.status_code, xml_fields(anonymous.content)["Code"]) == (403, "AccessDenied")
    v4 = requests.get(
        f"{obs_local.url}/{BUCKET}",
        headers={"Authorization": f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260101/r/s3/aws4_request, s=x"},
        timeout=10,
    )
    assert (v4.status_code, xml_fields(v4.content)["Code"]) == (403, "AccessDenied")


def test_an_access_key_that_keeps_failing_is_refused_for_a_while(start_local_modelarts):
    server = start_local_modelarts(config={"aksk_lock_failures": 2, "aksk_lock_seconds": 1.5})
    obs = ObsLocal(server, server.data_dir)
    wrong = obs.sdk(secret_key="wrong")
    assert [wrong.headBucket("any").status for _ in range(3)] == [403, 403, 403]
    locked = obs.sdk().listBuckets()
    assert (locked.status, locked.errorCode) == (400, "TooManyWrongSignature")  # even with the right secret
    time.sleep(1.6)
    assert obs.sdk().listBuckets().status == 200


# --- temporary credentials -----------------------------------------------------------------------------------------


def temporary_credentials(server: Any, **body: Any) -> requests.Response:
    identity: dict[str, Any] = {"methods": ["token"], **body}
    return requests.post(
        f"{server.url}/v3.0/OS-CREDENTIAL/securitytokens",
        json={"auth": {"identity": identity}},
        headers={"X-Auth-Token": server.token, "Content-Type": "application/json;charset=utf8"},
        timeout=10,
    )


def test_temporary_credentials_from_the_local_iam(obs_local: ObsLocal, vhost_dns: None):
    issued = temporary_credentials(obs_local.server, token={"duration_seconds": 900})
    assert issued.status_code == 201
    credential = issued.json()["credential"]
    assert set(credential) == {"access", "secret", "securitytoken", "expires_at"}
    assert credential["expires_at"].endswith("Z")
    ak, sk, token = credential["access"], credential["secret"], credential["securitytoken"]

    v2 = obs_local.sdk(access_key=ak, secret_key=sk, security_token=token)
    assert v2.putContent(BUCKET, "temp/t.txt", b"temporary").status == 200
    obs_style = obs_local.vhost_sdk(access_key=ak, secret_key=sk, security_token=token)
    assert obs_style.getObject(BUCKET, "temp/t.txt", loadStreamInMemory=True).body.buffer == b"temporary"
    url = v2.createSignedUrl("GET", BUCKET, "temp/t.txt", expires=60).signedUrl
    assert "x-amz-security-token=" in url and requests.get(url, timeout=10).content == b"temporary"

    for sdk in (obs_local.sdk(access_key=ak, secret_key=sk), obs_local.sdk(ak, sk, security_token=token[:-4] + "AAAA")):
        refused = sdk.getObject(BUCKET, "temp/t.txt")
        assert (refused.status, refused.errorCode, refused.errorMessage) == (
            403,
            "InvalidAccessKeyId",
            "The security token is invalid.",
        )

    # The same keys sign ModelArts calls (SDK-HMAC-SHA256 with X-Security-Token), as IAM's do.
    flavors = f"{obs_local.server.v2}/training-job-flavors"
    assert signed_request("GET", flavors, ak, sk, security_token=token).status_code == 200
    assert signed_request("GET", flavors, ak, sk).status_code == 401


def test_iam_refuses_bad_securitytokens_requests(obs_local: ObsLocal):
    server = obs_local.server
    assert temporary_credentials(server, token={"duration_seconds": 60}).status_code == 400
    assert temporary_credentials(server, token={"duration_seconds": 86401}).status_code == 400
    assumed = requests.post(
        f"{server.url}/v3.0/OS-CREDENTIAL/securitytokens",
        json={"auth": {"identity": {"methods": ["assume_role"], "assume_role": {"agency_name": "a"}}}},
        headers={"X-Auth-Token": server.token},
        timeout=10,
    )
    assert assumed.status_code == 400 and "assume_role" in assumed.json()["error"]["message"]
    no_token = requests.post(
        f"{server.url}/v3.0/OS-CREDENTIAL/securitytokens",
        json={"auth": {"identity": {"methods": ["token"]}}},
        timeout=10,
    )
    assert no_token.status_code == 401
    bad = requests.post(
        f"{server.url}/v3.0/OS-CREDENTIAL/securitytokens",
        json={"auth": {"identity": {"methods": ["token"]}}},
        headers={"X-Auth-Token": "MIInot-a-token"},
        timeout=10,
    )
    assert bad.status_code == 401
    in_body = requests.post(  # the deprecated form: the token in the body, no header
        f"{server.url}/v3.0/OS-CREDENTIAL/securitytokens",
        json={"auth": {"identity": {"methods": ["token"], "token": {"id": server.token}}}},
        timeout=10,
    )
    assert in_body.status_code == 201


def test_expired_temporary_credentials_are_refused(start_local_modelarts):
    server = start_local_modelarts(config={"temporary_credentials_max_seconds": 1})
    credential = temporary_credentials(server).json()["credential"]
    sdk = ObsLocal(server, server.data_dir).sdk(
        credential["access"], credential["secret"], security_token=credential["securitytoken"]
    )
    assert sdk.listBuckets().status == 200
    time.sleep(1.1)
    expired = sdk.listBuckets()
    assert (expired.status, expired.errorCode, expired.errorMessage) == (
        403,
        "InvalidAccessKeyId",
        "The security token is invalid.",
    )


def test_the_providers_temporary_credentials_work_on_the_local_obs(obs_local: ObsLocal):
    server = obs_local.server
    settings = Settings.from_config(
        {
            "region": server.region,
            "projectId": server.project_id,
            "iamEndpoint": server.url,
            "modelartsEndpoint": server.url,
            "userName": server.user_name,
            "password": server.password,
            "domainName": server.domain_name,
        },
        env={},
    )
    with ApiSession(settings) as session:
        source = TemporaryCredentials(
            session.send, settings.iam_endpoint, TokenAuth(IamTokenProvider(settings, session.send))
        )
        with OurObsClient(settings, endpoint=obs_local.url, credentials=source) as client:
            client.put_object(BUCKET, "temp/ours.txt", b"via the provider")
            assert client.get_object(BUCKET, "temp/ours.txt") == b"via the provider"
        assert source.current().security_token
