# mypy: disable-error-code="import-untyped"
"""Our OBS signer against the official SDK's signing code (esdk-obs-python ``obs.auth.Authentication``, unchanged),
over a seeded, generated corpus.

Each case is a request as the SDK's signer sees it: method, bucket, raw key, query arguments (signed
sub-resources and unsigned parameters mixed), headers (Content-MD5, Content-Type, Date, x-obs-date, metadata,
the other style's headers, the security token of temporary credentials, unsigned headers), in the OBS and V2
styles, path and virtual-host addressing, header-signed or pre-signed (``Expires``). Compared:

- the string to sign, byte for byte, and the ``Authorization`` header;
- pre-signed URLs: ours against the SDK's ``createSignedUrl`` with the same clock, as whole URLs.

No case class differs.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

import pytest
from obs import ObsClient as SdkClient
from obs.auth import Authentication
from obs.convertor import Adapter

from modelarts_pulumi.obs import ObsClient, ObsEndpoint
from modelarts_pulumi.obs.signer import STYLES, authorization, canonical_resource, string_to_sign
from tests.obs_client.conftest import make_settings

SEED = 20260611
CASES = 600
PRESIGN_CASES = 120

KEY_CHARS = string.ascii_letters + string.digits + " -_.~/+=;:@!*'()$,&%?#[]" + "éü训练ß€"
VALUE_CHARS = string.ascii_letters + string.digits + " -_.~/+=;:@!*'()$,&%?" + "é训"
BUCKETS = ("bkt", "my-bucket.v2", "a1b2c3", "data-2026")
SIGNED_NAMES = (
    "uploads", "uploadId", "partNumber", "delete", "acl", "versionId", "versions", "location", "metadata",
    "tagging", "restore", "append", "position", "response-content-type", "response-content-disposition",
    "response-cache-control", "storageClass", "UPLOADID", "Acl",
)  # fmt: skip
UNSIGNED_NAMES = ("prefix", "marker", "max-keys", "delimiter", "encoding-type", "max-parts", "part-number-marker")
CONTENT_TYPES = ("text/plain", "application/xml", "binary/octet-stream", "application/json; charset=UTF-8", "")
DATES = ("Tue, 01 Jul 2025 12:00:00 GMT", "Sat, 30 Nov 2026 23:59:59 GMT", "Mon, 05 Jan 2026 01:02:03 GMT")


@dataclass
class Case:
    method: str
    style: str
    path_style: bool
    bucket: str | None
    key: str | None
    query: dict[str, str | None]
    headers: dict[str, str]
    expires: str | None
    ak: str
    sk: str


def _text(rng: random.Random, chars: str, low: int, high: int) -> str:
    return "".join(rng.choice(chars) for _ in range(rng.randint(low, high)))


def _key(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.08:
        return None
    segments = [_text(rng, KEY_CHARS.replace("/", ""), 1, 12) for _ in range(rng.randint(1, 4))]
    key = "/".join(segments)
    if rng.random() < 0.15:
        key += "/"
    return key


def make_case(rng: random.Random) -> Case:
    style = rng.choice(["obs", "v2"])
    prefix = STYLES[style].header_prefix
    other = "x-amz-" if style == "obs" else "x-obs-"
    query: dict[str, str | None] = {}
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(SIGNED_NAMES + UNSIGNED_NAMES)
        query[name] = None if rng.random() < 0.35 else _text(rng, VALUE_CHARS, 0, 10)
    if rng.random() < 0.1:
        query[_text(rng, string.ascii_lowercase, 3, 8)] = "unknown"  # not a sub-resource: never signed
    if rng.random() < 0.1:
        query[prefix + "security-token"] = _text(rng, string.ascii_letters + "+/=", 20, 40)

    headers: dict[str, str] = {}
    if rng.random() < 0.9:
        headers[rng.choice(["Date", "date", "DATE"])] = rng.choice(DATES)
    if rng.random() < 0.1:
        headers[prefix + "date"] = rng.choice(DATES)  # empties the Date line
    if rng.random() < 0.5:
        headers[rng.choice(["Content-Type", "content-type"])] = rng.choice(CONTENT_TYPES)
    if rng.random() < 0.4:
        headers["Content-MD5"] = _text(rng, string.ascii_letters + string.digits + "+/", 22, 22) + "=="
    for _ in range(rng.randint(0, 3)):
        name = prefix + "meta-" + _text(rng, string.ascii_lowercase + "-_", 1, 8)
        headers[name] = rng.choice(["", " "]) + _text(rng, VALUE_CHARS, 0, 12) + rng.choice(["", "  "])
    if rng.random() < 0.3:
        headers[prefix + "security-token"] = _text(rng, string.ascii_letters + string.digits + "+/=", 30, 80)
    if rng.random() < 0.3:
        headers[prefix + rng.choice(["acl", "storage-class", "copy-source", "metadata-directive"])] = _text(
            rng, VALUE_CHARS, 1, 20
        )
    if rng.random() < 0.3:
        headers[(prefix + "Meta-Upper").title()] = "Mixed Case Name"
    if rng.random() < 0.3:
        headers[other + "meta-ignored"] = "the other style's headers are not signed"
    for name in ("Host", "User-Agent", "Range", "If-Match", "Content-Length"):
        if rng.random() < 0.2:
            headers[name] = _text(rng, VALUE_CHARS, 1, 15)
    expires = str(rng.randint(1_700_000_000, 1_900_000_000)) if rng.random() < 0.15 else None
    return Case(
        method=rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD"]),
        style=style,
        path_style=rng.random() < 0.5,
        bucket=None if rng.random() < 0.03 else rng.choice(BUCKETS),
        key=_key(rng),
        query=query,
        headers=headers,
        expires=expires,
        ak=_text(rng, string.ascii_uppercase + string.digits, 20, 20),
        sk=_text(rng, string.ascii_letters + string.digits, 40, 40),
    )


CORPUS = [make_case(rng) for rng in [random.Random(SEED)] for _ in range(CASES)]


def sdk_signature(case: Case) -> dict[str, str]:
    auth = Authentication(case.ak, case.sk, case.path_style, Adapter(case.style), "obs.example.test", False)
    result: dict[str, str] = auth.getSignature(
        case.method, case.bucket, case.key, dict(case.query), dict(case.headers), case.expires
    )
    if case.expires is None:
        result.update(auth.doAuth(case.method, case.bucket, case.key, dict(case.query), dict(case.headers)))
    return result


def test_corpus_covers_the_interesting_cases():
    assert len(CORPUS) >= 500
    assert {c.style for c in CORPUS} == {"obs", "v2"} and {c.path_style for c in CORPUS} == {True, False}
    keys = [c.key for c in CORPUS if c.key]
    for needle in (" ", "+", "~", "%", "é", "训", "?", "#", "/"):
        assert any(needle in key for key in keys), needle
    assert any(c.key is None for c in CORPUS) and any(c.bucket is None for c in CORPUS)
    assert any(c.expires for c in CORPUS)
    assert any(any(k.endswith("security-token") for k in c.headers) for c in CORPUS)
    assert any(any(k.endswith("security-token") for k in c.query) for c in CORPUS)
    assert any("uploads" in c.query and c.query["uploads"] is None for c in CORPUS)
    assert any("partNumber" in c.query and "uploadId" in c.query for c in CORPUS)
    assert any("delete" in c.query for c in CORPUS)
    assert any(set(c.query) & set(UNSIGNED_NAMES) for c in CORPUS)
    assert any(any(v != v.strip() for k, v in c.headers.items() if "-meta-" in k.lower()) for c in CORPUS)
    assert any(any(k.endswith("-date") for k in c.headers) for c in CORPUS)
    assert any("Date" not in c.headers and "date" not in c.headers and "DATE" not in c.headers for c in CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[f"case{i}" for i in range(len(CORPUS))])
def test_string_to_sign_and_authorization_match_the_sdk(case: Case):
    style = STYLES[case.style]
    expected = sdk_signature(case)

    resource = canonical_resource(case.bucket, case.key, case.query, style, path_style=case.path_style)
    ours = string_to_sign(case.method, resource, case.headers, style, expires=case.expires)

    assert ours == expected["CanonicalString"]
    if case.expires is None:
        assert authorization(case.ak, case.sk, style, ours) == expected["Authorization"]


def test_known_vectors_from_the_reference():
    # /work/shared/docs/obs-api.md section 2.1, computed there with the SDK and plain hmac.
    date = "Tue, 01 Jul 2025 12:00:00 GMT"
    v2, obs = STYLES["v2"], STYLES["obs"]
    put_headers = {"Date": date, "Content-Type": "text/plain", "x-amz-meta-m1": "v1"}
    put_headers["x-amz-security-token"] = "TOKEN/xyz=="
    resource = canonical_resource("bkt", "dir/a b+c.txt", {}, v2, path_style=True)
    text = string_to_sign("PUT", resource, put_headers, v2)
    assert authorization("AK123", "SK456", v2, text) == "AWS AK123:HvV0R2bgOnoQV3c+q+8KEHhvzoo="
    text = string_to_sign("GET", canonical_resource("bkt", None, {}, v2, path_style=True), {"Date": date}, v2)
    assert authorization("AK123", "SK456", v2, text) == "AWS AK123:S8cvc86KOrl0uThvOgOkYlIr/IA="
    part = {"partNumber": "1", "uploadId": "0001"}
    text = string_to_sign("PUT", canonical_resource("bkt", "big/g.bin", part, v2, path_style=True), {"Date": date}, v2)
    assert authorization("AK123", "SK456", v2, text) == "AWS AK123:11c2UVwnZ2xK8lz+K++AWmiFzqQ="
    obs_headers = {"Date": date, "Content-Type": "text/plain", "x-obs-meta-m1": "v1"}
    resource = canonical_resource("bkt", "dir/a b+c.txt", {}, obs, path_style=False)
    text = string_to_sign("PUT", resource, obs_headers, obs)
    assert authorization("AK123", "SK456", obs, text) == "OBS AK123:OgXZYrCRi+DjsV0sgFl70xZYuAM="
    text = string_to_sign("GET", canonical_resource("bkt", None, {}, obs, path_style=False), {"Date": date}, obs)
    assert authorization("AK123", "SK456", obs, text) == "OBS AK123:4wGCWx3lHVwLJUvK/y4nm0vMoVY="


# --- pre-signed URLs: the whole URL, against the SDK's createSignedUrl ----------------------------------------


@dataclass
class PresignCase:
    method: str
    server: str
    bucket: str
    key: str | None
    temporary: bool
    expires_in: int
    now: float


def make_presign_case(rng: random.Random) -> PresignCase:
    server = rng.choice(["http://127.0.0.1:9000", "https://obs.cn-north-4.myhuaweicloud.com", "http://10.0.0.7"])
    return PresignCase(
        method=rng.choice(["GET", "PUT", "HEAD", "DELETE"]),
        server=server,
        bucket=rng.choice(BUCKETS),
        key=_key(rng),
        temporary=rng.random() < 0.4,
        expires_in=rng.choice([60, 300, 3600, 86400]),
        now=float(rng.randint(1_700_000_000, 1_900_000_000)),
    )


PRESIGN_CORPUS = [make_presign_case(rng) for rng in [random.Random(SEED + 1)] for _ in range(PRESIGN_CASES)]


@pytest.mark.parametrize("case", PRESIGN_CORPUS, ids=[f"url{i}" for i in range(len(PRESIGN_CORPUS))])
def test_presigned_url_matches_the_sdk(case: PresignCase, monkeypatch: pytest.MonkeyPatch):
    ak, sk, token = "AKPRESIGN0000000001", "SKpresign000000000000000000000000000001", "TOK+/en=="
    monkeypatch.setattr("obs.client.time.time", lambda: case.now)
    sdk = SdkClient(ak, sk, server=case.server, security_token=token if case.temporary else None)
    expected = sdk.createSignedUrl(case.method, case.bucket, case.key, expires=case.expires_in).signedUrl

    settings = make_settings(ak, sk, token if case.temporary else None)
    with ObsClient(settings, endpoint=case.server, clock=lambda: case.now) as client:
        ours = client.presigned_url(case.method, case.bucket, case.key, expires_in=case.expires_in)

    assert ours == expected
    assert ObsEndpoint.parse(case.server).path_style == ("myhuaweicloud" not in case.server)


def test_presign_corpus_covers_both_styles_and_tokens():
    assert {c.server.startswith("https://obs.") for c in PRESIGN_CORPUS} == {True, False}
    assert {c.temporary for c in PRESIGN_CORPUS} == {True, False}
    assert any(c.key and " " in c.key for c in PRESIGN_CORPUS)
