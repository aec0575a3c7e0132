"""Pre-signed object URLs for the task logs ModelArts hands out, signed as OBS signs query-string URLs (the OBS
style: ``AccessKeyId``, ``Expires``, ``Signature``; ``signature.py`` has the string to sign).

The same URL works on the main port (``/_obs/<bucket>/<key>``, checked here with the one key it was signed with)
and, path style, on the OBS port (checked there like any pre-signed URL).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from . import errors
from .paths import ObsPath
from .signature import OBS_STYLE, sign, string_to_sign


def encode_key(key: str) -> str:
    """An object key as OBS clients put it in a path and sign it (``quote(key, safe='/~')``)."""
    return quote(key, safe="/~")


class UrlSigner:
    """Signs and checks temporary GET URLs with one access key (the account's, as ModelArts' log URLs are)."""

    def __init__(self, access_key: str, secret_key: str) -> None:
        self.access_key = access_key
        self._secret = secret_key

    def _signature(self, path: ObsPath, expires: int, sub_resources: Mapping[str, str]) -> str:
        resource = f"/{path.bucket}/{encode_key(path.key)}"
        text = string_to_sign("GET", {}, resource, sub_resources, OBS_STYLE, expires=str(expires))
        return sign(self._secret, text)

    def sign(self, endpoint: str, path: ObsPath, expires: int, sub_resources: Mapping[str, str] | None = None) -> str:
        """A URL for GET of the object under ``endpoint`` (path style), valid until ``expires`` (epoch seconds)."""
        extra = dict(sub_resources or {})
        query = {
            "AccessKeyId": self.access_key,
            "Expires": str(expires),
            "Signature": self._signature(path, expires, extra),
            **extra,
        }
        return f"{endpoint}/{path.bucket}/{encode_key(path.key)}?{urlencode(query)}"

    def verify(self, path: ObsPath, query: Mapping[str, str], now: float) -> None:
        """Raise the OBS error of a URL that is anonymous, or whose key, expiry or signature is wrong, checked
        in OBS's order (``docs/obs-local-spec.md`` §2.2)."""
        resource = str(path)
        if not {"AccessKeyId", "Expires", "Signature"} <= set(query):
            raise errors.AccessDenied("Anonymous access is not allowed: the URL is not signed", resource=resource)
        if query["AccessKeyId"] != self.access_key:
            raise errors.InvalidAccessKeyId(resource=resource)
        try:
            expires = int(query["Expires"])
        except ValueError:
            raise errors.AccessDenied("the Expires parameter is not a number", resource=resource) from None
        if now > expires:
            raise errors.RequestTimeTooSkewed("Request has expired.", resource=resource)
        sub_resources = {k: v for k, v in query.items() if k.startswith("response-")}
        expected = self._signature(path, expires, sub_resources)
        if not hmac.compare_digest(expected.encode(), query["Signature"].encode()):
            raise errors.SignatureDoesNotMatch(resource=resource)
