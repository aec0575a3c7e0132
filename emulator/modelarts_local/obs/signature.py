"""OBS request signatures, checked as OBS checks them: the OBS style (``OBS AK:sig``, ``x-obs-*``) and the V2
style (``AWS AK:sig``, ``x-amz-*``), in the ``Authorization`` header or in the query (pre-signed URLs).

Both are HMAC-SHA1 with the secret key over one string, base64-encoded (``obs-api.md`` §2)::

    VERB \\n Content-MD5 \\n Content-Type \\n Date \\n CanonicalizedHeaders CanonicalizedResource

- Content-MD5 and Content-Type as received (empty when absent); Date is the ``Date`` header, empty when the
  style's ``x-*-date`` header is present, and ``Expires`` in a pre-signed URL;
- every header starting with the style's prefix, ``name:value\\n``, names lower-cased and sorted, metadata
  values (``x-*-meta-*``) stripped; the other style's headers are not signed;
- the resource (``addressing.py``), then the signed sub-resources of the decoded query (the SDK's list, or a
  name starting with the prefix), sorted by name, ``name`` or ``name=value`` with the value not re-encoded.

The checks, in OBS's order (``docs/obs-local-spec.md`` §2.2): the AK is known; a temporary AK carries its
security token (``x-*-security-token``, header or query) and has not expired; the request time is within
``signature_skew_seconds`` of the server clock (``x-*-date``, else ``Date``) or a pre-signed URL's ``Expires``
has not passed; the AK is not locked out for too many wrong signatures (OBS's ``TooManyWrongSignature``; OBS
documents no threshold, so the gateway's, ``aksk_lock_failures`` / ``aksk_lock_seconds``, apply); the
signature matches (constant-time compare; a mismatch echoes the ``StringToSign`` as OBS does). V4
(``AWS4-HMAC-SHA256``) is refused with ``AccessDenied``: neither client sends it by default.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from ..auth import AccessKeyLockout
from ..identity import SigningKey
from . import errors
from .addressing import Addressed


@dataclass(frozen=True)
class SignatureStyle:
    """What differs between the two styles: the word before the AK, the header prefix, the AK's query name."""

    name: str
    auth_word: str
    prefix: str
    access_key_param: str

    @property
    def meta_prefix(self) -> str:
        return self.prefix + "meta-"


OBS_STYLE = SignatureStyle("obs", "OBS", "x-obs-", "AccessKeyId")
V2_STYLE = SignatureStyle("v2", "AWS", "x-amz-", "AWSAccessKeyId")

#: The query names that are part of the signed resource (lower-case): esdk-obs-python 3.26.6
#: ``const.ALLOWED_RESOURCE_PARAMTER_NAMES``, which the official SDK signs and OBS checks.
SIGNED_SUB_RESOURCES: frozenset[str] = frozenset(
    {
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

#: Query parameters of a pre-signed URL that carry the signature itself (never part of the signed resource).
_PRESIGN_PARAMS = frozenset({"AccessKeyId", "AWSAccessKeyId", "Expires", "Signature"})
_CONTENT_HEADERS = ("content-md5", "content-type", "date")


def signed_sub_resources(query: Mapping[str, str | None], style: SignatureStyle) -> str:
    """``?name&name=value...`` of the query names OBS signs, or "" when there are none."""
    items = []
    for name, value in sorted(query.items(), key=lambda item: item[0]):
        if name in _PRESIGN_PARAMS:
            continue
        lowered = name.lower()
        if lowered in SIGNED_SUB_RESOURCES or lowered.startswith(style.prefix):
            quoted = quote(name, safe="/")
            items.append(quoted if value is None else f"{quoted}={value}")
    return "?" + "&".join(items) if items else ""


def string_to_sign(
    method: str,
    headers: Mapping[str, str],
    resource: str,
    query: Mapping[str, str | None],
    style: SignatureStyle,
    *,
    expires: str | None = None,
) -> str:
    """The string OBS signs for a request (``headers`` with lower-case names, ``resource`` from ``Addressed``)."""
    # Content-MD5 and Content-Type are always lines; Date only when some date is given (never in practice: a
    # header-signed request without one is refused before its signature is checked).
    lines: dict[str, str] = dict.fromkeys(("content-md5", "content-type"), "")
    for name, value in headers.items():
        if name in _CONTENT_HEADERS:
            lines[name] = value
        elif name.startswith(style.meta_prefix):
            lines[name] = f"{name}:{value.strip()}"
        elif name.startswith(style.prefix):
            lines[name] = f"{name}:{value}"
    if style.prefix + "date" in headers:
        lines["date"] = ""
    if expires is not None:
        lines["date"] = expires
    body = "".join(lines[name] + "\n" for name in sorted(lines))
    return f"{method}\n{body}{resource}{signed_sub_resources(query, style)}"


def sign(secret_key: str, text: str) -> str:
    """Base64 of HMAC-SHA1 over the UTF-8 string to sign."""
    return base64.b64encode(hmac.new(secret_key.encode(), text.encode(), hashlib.sha1).digest()).decode()


@dataclass(frozen=True)
class Presented:
    """The credentials a request presents: style, AK, signature, and ``Expires`` when pre-signed."""

    style: SignatureStyle
    access_key: str
    signature: str
    expires: str | None = None

    @property
    def presigned(self) -> bool:
        return self.expires is not None


def presented(headers: Mapping[str, str], query: Mapping[str, str | None]) -> Presented:
    """The credentials in ``Authorization`` (``OBS AK:sig`` / ``AWS AK:sig``) or in the query; AccessDenied
    when there are none (anonymous) or they are in a form OBS would not accept."""
    authorization = headers.get("authorization", "").strip()
    if authorization:
        word, _, credential = authorization.partition(" ")
        access_key, colon, signature = credential.strip().rpartition(":")
        style = {"OBS": OBS_STYLE, "AWS": V2_STYLE}.get(word)
        if style is None:
            raise errors.AccessDenied(
                f"The authorization scheme {word!r} is not supported: "
                "sign with 'OBS AK:signature' or 'AWS AK:signature'"
            )
        if not colon or not access_key or not signature:
            raise errors.AccessDenied("The Authorization header is malformed")
        return Presented(style, access_key, signature)
    if query.get("Signature") is not None:
        style = OBS_STYLE if "AccessKeyId" in query else V2_STYLE
        access_key = query.get(style.access_key_param) or ""
        expires = query.get("Expires")
        if not access_key or expires is None:
            raise errors.AccessDenied("A pre-signed URL needs AccessKeyId (or AWSAccessKeyId), Expires and Signature")
        return Presented(style, access_key, query["Signature"] or "", expires)
    raise errors.AccessDenied("Access Denied")


@dataclass(frozen=True)
class ObsCaller:
    """An authenticated OBS caller: the key it signed with, and the style it signed in (answers follow it)."""

    key: SigningKey
    style: SignatureStyle
    presigned: bool


class ObsAuthenticator:
    """Checks OBS signatures against the server's access keys (configured and temporary ones)."""

    def __init__(
        self, find_key: Callable[[str], SigningKey | None], skew_seconds: float, lockout: AccessKeyLockout
    ) -> None:
        self._find_key = find_key
        self._skew = skew_seconds
        self._lockout = lockout

    def authenticate(self, method: str, headers: Mapping[str, str], target: Addressed, now: float) -> ObsCaller:
        """The caller of a request, or the OBS error that refuses it (see the module docstring)."""
        credentials = presented(headers, target.query)
        style = credentials.style
        key = self._find_key(credentials.access_key)
        if key is None:
            raise errors.InvalidAccessKeyId(extra={"AccessKeyId": credentials.access_key})
        token_name = style.prefix + "security-token"
        if not key.accepts_token(headers.get(token_name) or target.query.get(token_name) or "", now):
            raise errors.InvalidSecurityToken()
        if credentials.expires is None:
            self._check_time(headers, style, now)
        else:
            self._check_expiry(credentials.expires, now)
        if self._lockout.locked(key.access_key, now):
            raise errors.TooManyWrongSignature()
        text = string_to_sign(method, headers, target.signed_resource, target.query, style, expires=credentials.expires)
        if not hmac.compare_digest(sign(key.secret_key, text).encode(), credentials.signature.encode()):
            self._lockout.failed(key.access_key, now)
            raise errors.SignatureDoesNotMatch(
                extra={
                    "AccessKeyId": credentials.access_key,
                    "SignatureProvided": credentials.signature,
                    "StringToSign": text,
                }
            )
        self._lockout.succeeded(key.access_key)
        return ObsCaller(key, style, credentials.presigned)

    def _check_time(self, headers: Mapping[str, str], style: SignatureStyle, now: float) -> None:
        sent = headers.get(style.prefix + "date") or headers.get("date") or ""
        try:
            moment = parsedate_to_datetime(sent)
        except (TypeError, ValueError, IndexError):
            raise errors.AccessDenied(
                "Access denied, because the request does not carry a date header or the header format is incorrect."
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        sent_at = moment.timestamp()
        if abs(now - sent_at) <= self._skew:
            return
        message = "Request is not yet valid." if sent_at > now else "Request is no longer valid."
        raise errors.RequestTimeTooSkewed(
            message,
            extra={
                "RequestTime": sent,
                "ServerTime": _iso(now),
                "MaxAllowedSkewMilliseconds": str(int(self._skew * 1000)),
            },
        )

    @staticmethod
    def _check_expiry(expires: str, now: float) -> None:
        if not expires.isdigit():
            raise errors.AccessDenied("The Expires parameter of a pre-signed URL must be a number of seconds")
        if now > int(expires):
            raise errors.RequestTimeTooSkewed(
                "Request has expired.", extra={"Expires": _iso(int(expires)), "ServerTime": _iso(now)}
            )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
