"""Pre-signed object URLs, signed and checked the way OBS signs query-string URLs (V2 style: HMAC-SHA1 of
``GET\n\n\n<Expires>\n/<bucket>/<key>[?response-*]`` with the secret key, base64; ``obs-api.md`` §2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from . import errors
from .paths import ObsPath


class UrlSigner:
    """Signs and checks temporary GET URLs with one access key (the account's, as ModelArts' log URLs are)."""

    def __init__(self, access_key: str, secret_key: str) -> None:
        self.access_key = access_key
        self._secret = secret_key.encode()

    def _signature(self, bucket: str, key: str, expires: int, sub_resources: Mapping[str, str]) -> str:
        resource = f"/{bucket}/{key}"
        if sub_resources:
            resource += "?" + "&".join(f"{k}={v}" for k, v in sorted(sub_resources.items()))
        string_to_sign = f"GET\n\n\n{expires}\n{resource}"
        digest = hmac.new(self._secret, string_to_sign.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def sign(self, endpoint: str, path: ObsPath, expires: int, sub_resources: Mapping[str, str] | None = None) -> str:
        """A URL for GET of the object under ``endpoint`` (path style), valid until ``expires`` (epoch seconds)."""
        extra = dict(sub_resources or {})
        query = {
            "AccessKeyId": self.access_key,
            "Expires": str(expires),
            "Signature": self._signature(path.bucket, path.key, expires, extra),
            **extra,
        }
        return f"{endpoint}/{path.bucket}/{quote(path.key)}?{urlencode(query)}"

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
        expected = self._signature(path.bucket, path.key, expires, sub_resources)
        if not hmac.compare_digest(expected, query["Signature"]):
            raise errors.SignatureDoesNotMatch(resource=resource)
