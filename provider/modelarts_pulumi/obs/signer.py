"""OBS request signatures: the OBS style (``OBS AK:sig``, ``x-obs-*``) and the V2 style (``AWS AK:sig``, ``x-amz-*``).

Both are HMAC-SHA1 over one string-to-sign, base64-encoded::

    VERB \\n Content-MD5 \\n Content-Type \\n Date \\n CanonicalizedHeaders CanonicalizedResource

This module reproduces the official SDK (``esdk-obs-python`` 3.26.6, ``obs/auth.py`` ``Authentication``)
byte for byte, quirks included, because OBS verifies exactly those bytes; ``tests/obs_client/test_obs_signer.py``
compares the two over a generated corpus. The rules, with the SDK lines they come from:

- headers are matched case-insensitively; ``Content-MD5``, ``Content-Type`` and ``Date`` give their values
  (empty when absent); ``x-obs-date``/``x-amz-date`` empties the Date line; a pre-signed URL puts ``Expires``
  there instead (auth.py:94-117);
- every header starting with the style's prefix is signed as ``name:value``, lower-cased and sorted;
  metadata values (``x-*-meta-*``) are stripped, other values are signed as they are (auth.py:119-131);
- the resource is ``/bucket/key`` in path style and ``/bucket/`` + key in virtual-host style, the key quoted with
  ``quote(key, safe='/~')`` (auth.py:60-76);
- sub-resources (``uploads``, ``uploadId``, ``partNumber``, ``delete``, ...: :data:`SIGNED_SUB_RESOURCES`) and
  query names starting with the prefix (``x-obs-security-token`` in a pre-signed URL) are appended sorted by
  name, their values raw, not quoted (auth.py:78-91).

Nothing here logs or keeps a key; callers pass the secret key in and get a signature out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

StyleName = Literal["obs", "v2"]


@dataclass(frozen=True)
class SignatureStyle:
    """What differs between the two header signatures: a word, a header prefix and a query parameter name."""

    name: StyleName
    auth_word: str  # before the AK in Authorization
    header_prefix: str  # signed headers, security token, metadata
    access_key_param: str  # the AK's query parameter in a pre-signed URL

    @property
    def meta_prefix(self) -> str:
        return self.header_prefix + "meta-"

    @property
    def security_token_header(self) -> str:
        return self.header_prefix + "security-token"

    @property
    def date_header(self) -> str:
        return self.header_prefix + "date"


OBS_STYLE = SignatureStyle("obs", "OBS", "x-obs-", "AccessKeyId")
V2_STYLE = SignatureStyle("v2", "AWS", "x-amz-", "AWSAccessKeyId")
STYLES: dict[str, SignatureStyle] = {"obs": OBS_STYLE, "v2": V2_STYLE}

SIGNED_SUB_RESOURCES: frozenset[str] = frozenset(
    {
        # obs/const.py ALLOWED_RESOURCE_PARAMTER_NAMES (3.26.6), all lower-case: the SDK compares name.lower().
        "acl", "backtosource", "policy", "torrent", "logging", "location", "storageinfo", "quota", "storageclass",
        "storagepolicy", "requestpayment", "versions", "versioning", "versionid", "uploads", "uploadid",
        "partnumber", "website", "notification", "dispolicy", "lifecycle", "deletebucket", "delete", "cors",
        "restore", "tagging", "replication", "metadata", "encryption", "publicaccessblock", "bucketstatus",
        "policystatus", "x-obs-accesslabel", "inventory", "obscompresspolicy", "object-lock", "retention",
        "directcoldaccess", "append", "position", "truncate", "modify", "rename", "length", "name", "fileinterface",
        "response-content-type", "response-content-language", "response-expires", "response-cache-control",
        "response-content-disposition", "response-content-encoding", "x-image-save-bucket", "x-image-save-object",
        "x-image-process", "x-oss-process", "x-workflow-prefix", "x-workflow-start", "x-workflow-limit",
        "x-workflow-template-name", "x-workflow-graph-name", "x-workflow-execution-state",
        "x-workflow-execution-type", "x-workflow-next-marker", "obsworkflowtriggerpolicy", "obsbucketalias",
        "obsalias",
    }
)  # fmt: skip

_CONTENT_HEADERS = ("content-type", "content-md5", "date")


def encode_key(key: str) -> str:
    """An object key as it appears in the request path and the signed resource (the SDK's ``encode_object_key``)."""
    return quote(key, safe="/~")


def canonical_resource(
    bucket: str | None,
    key: str | None,
    sub_resources: Mapping[str, str | None] | None,
    style: SignatureStyle,
    *,
    path_style: bool,
) -> str:
    """``/bucket[/]key[?sub-resources]``: the last part of the string to sign."""
    uri = ""
    if bucket:
        uri = "/" + bucket
        if not path_style:
            uri += "/"
    if key:
        if not uri.endswith("/"):
            uri += "/"
        uri += encode_key(key)
    resource = uri or "/"
    if sub_resources:
        signed = []
        for name, value in sorted(sub_resources.items(), key=lambda item: item[0]):
            lowered = name.lower()
            if lowered in SIGNED_SUB_RESOURCES or lowered.startswith(style.header_prefix):
                quoted = quote(name, safe="/")
                signed.append(quoted if value is None else f"{quoted}={value}")
        if signed:
            resource += "?" + "&".join(signed)
    return resource


def string_to_sign(
    method: str,
    resource: str,
    headers: Mapping[str, str],
    style: SignatureStyle,
    *,
    expires: str | None = None,
) -> str:
    """The canonical string for ``method`` on ``resource`` (from :func:`canonical_resource`) with these headers."""
    interesting: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in _CONTENT_HEADERS or lowered.startswith(style.header_prefix):
            interesting[lowered] = value
    present = set(interesting)
    if style.date_header in present:
        interesting["date"] = ""
    if expires:
        interesting["date"] = expires
    interesting.setdefault("content-type", "")
    interesting.setdefault("content-md5", "")

    lines = [method + "\n"]
    for name in sorted(interesting):
        value = interesting[name]
        if name.startswith(style.meta_prefix):
            lines.append(f"{name}:{value.strip()}\n")
        elif name.startswith(style.header_prefix):
            lines.append(f"{name}:{value}\n")
        else:
            lines.append(value + "\n")
    return "".join(lines) + resource


def signature(secret_key: str, text: str) -> str:
    """Base64 of HMAC-SHA1 over the UTF-8 string to sign."""
    digest = hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def authorization(access_key: str, secret_key: str, style: SignatureStyle, text: str) -> str:
    """The ``Authorization`` header value: ``OBS AK:sig`` or ``AWS AK:sig``."""
    return f"{style.auth_word} {access_key}:{signature(secret_key, text)}"


def content_md5(data: bytes) -> str:
    """The ``Content-MD5`` header value for ``data``: base64 of the binary MD5."""
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii")


__all__ = [
    "OBS_STYLE",
    "SIGNED_SUB_RESOURCES",
    "STYLES",
    "V2_STYLE",
    "SignatureStyle",
    "authorization",
    "canonical_resource",
    "content_md5",
    "encode_key",
    "signature",
    "string_to_sign",
]
