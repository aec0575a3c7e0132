# mypy: disable-error-code="import-untyped"
"""Helpers of the local OBS tests: the official OBS SDK pointed at the OBS port, and requests signed by the SDK's
own signing code (``obs.auth.Authentication``, unchanged) for what the SDK's calls cannot send (a skewed date,
a chosen style on an IP literal, a malformed body)."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from obs import ObsClient
from obs.auth import Authentication
from obs.convertor import Adapter

from tests.obs_client.conftest import VHOST_BASE
from tests.support.constants import ACCESS_KEY, SECRET_KEY
from tests.support.server import LocalModelArts

BUCKET = "obs-bucket"
VHOST_DOMAIN = VHOST_BASE  # the local OBS's default virtual-host domain; the vhost_dns fixture resolves it
MAX_PUT_BYTES = 1024 * 1024  # the test servers' single-PUT limit (OBS: 5 GiB)
OBS_CONFIG: dict[str, Any] = {"obs": {"max_put_bytes": MAX_PUT_BYTES}}


@dataclass
class ObsLocal:
    """A local ModelArts with its OBS port, and the folder bucket :data:`BUCKET` is mapped to."""

    server: LocalModelArts
    bucket_dir: Path

    @property
    def url(self) -> str:
        return self.server.obs_url

    @property
    def port(self) -> int:
        return int(urlsplit(self.url).port or 0)

    @property
    def vhost_url(self) -> str:
        return f"http://{VHOST_DOMAIN}:{self.port}"

    def sdk(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY, **options: Any) -> ObsClient:
        """The official SDK on the IP-literal endpoint: path style, V2 signatures."""
        return ObsClient(access_key_id=access_key, secret_access_key=secret_key, server=self.url, **options)

    def vhost_sdk(self, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY, **options: Any) -> ObsClient:
        """The official SDK on a host name (needs the ``vhost_dns`` fixture): virtual-host style, and the OBS
        signature it negotiates with ``HEAD /?apiversion``."""
        return ObsClient(access_key_id=access_key, secret_access_key=secret_key, server=self.vhost_url, **options)


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def xml_fields(content: bytes) -> dict[str, str]:
    """An XML document's top-level elements, namespace dropped: ``{"Code": "NoSuchKey", ...}``."""
    return {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in ET.fromstring(content)}


def signed(
    obs: ObsLocal,
    method: str,
    bucket: str | None,
    key: str | None = None,
    *,
    style: str = "v2",
    query: Mapping[str, str | None] | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    access_key: str = ACCESS_KEY,
    secret_key: str = SECRET_KEY,
    date: float | None = None,
    vhost: bool = False,
) -> requests.Response:
    """A request signed by the SDK's own ``Authentication`` in ``style`` ("v2" or "obs"), path style unless
    ``vhost``; ``date`` (epoch seconds) is the ``Date`` header, now by default."""
    sent = {"Date": formatdate(date, usegmt=True), **(headers or {})}
    args = dict(query or {})
    auth = Authentication(access_key, secret_key, not vhost, Adapter(style), VHOST_DOMAIN, False)
    signature = auth.getSignature(method, bucket, key, args, sent)["Signature"]
    word = "OBS" if style == "obs" else "AWS"
    sent["Authorization"] = f"{word} {access_key}:{signature}"
    path = "/" + quote(key, safe="/~") if key else "/"
    if vhost:
        sent["Host"] = f"{bucket}.{VHOST_DOMAIN}:{obs.port}"
    elif bucket:
        path = f"/{bucket}" + (path if key else "")
    target = path + _query_string(args)
    return requests.request(method, obs.url + target, headers=sent, data=body, timeout=30)


def _query_string(args: Mapping[str, str | None]) -> str:
    """As the SDK writes it: names without a value first."""
    bare = [quote(name, safe="/") for name, value in args.items() if value is None]
    valued = [f"{quote(name, safe='/')}={quote(value, safe='/')}" for name, value in args.items() if value is not None]
    items = bare + valued
    return "?" + "&".join(items) if items else ""
