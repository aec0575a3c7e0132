"""Where OBS requests go and how they are addressed: virtual-host or path style, and the signature that goes with it.

The official SDK (``ObsClient``, ``obs/client.py`` ``_BasicClient.__init__``) decides so:

- an IPv4 literal as the server forces path style (``_check_path_style``, client.py:327);
- path style rewrites ``signature='obs'`` to ``'v2'`` and turns signature negotiation off (client.py:244-248);
- otherwise the bucket goes into the host name (``bucket.obs.region.myhuaweicloud.com``) and, against the real
  service, negotiation picks the OBS signature (``x-obs-api: 3.0``).

We follow that, without the negotiation round trip (every OBS endpoint answers 3.0): virtual-host endpoints are
signed in the OBS style, path-style endpoints in V2. Two deliberate additions, because the SDK's choice cannot
work there: an IPv6 literal and ``localhost`` are path style too (``bkt.localhost`` does not resolve).
``path_style=True`` asks for path style on any host, as the SDK's ``path_style`` argument does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..regions import default_obs_endpoint
from .signer import OBS_STYLE, V2_STYLE, SignatureStyle, encode_key


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def query_string(params: Mapping[str, str | None]) -> str:
    """The query as the SDK writes it (``RequestFormat.convert_path_string``, util.py:94-110).

    Names without a value come first (``?uploads``, ``?delete``), then ``name=value`` pairs; both in the
    mapping's order, quoted with ``safe='/'``.
    """
    bare = [quote(name, safe="/") for name, value in params.items() if value is None]
    pairs = [f"{quote(name, safe='/')}={quote(value, safe='/')}" for name, value in params.items() if value is not None]
    items = bare + pairs
    return "?" + "&".join(items) if items else ""


@dataclass(frozen=True)
class ObsEndpoint:
    """A parsed OBS endpoint: scheme, host, port and the addressing style."""

    scheme: str
    host: str  # without brackets for IPv6
    port: int | None  # None: the scheme's default
    path_style: bool

    @classmethod
    def parse(cls, url: str, *, path_style: bool | None = None) -> ObsEndpoint:
        """``https://obs.cn-north-4.myhuaweicloud.com`` or ``http://127.0.0.1:9000``; a scheme is required.

        ``path_style=None`` decides as the SDK does (see the module doc).
        """
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"OBS endpoint must be an http(s) URL such as https://obs.<region>.myhuaweicloud.com, got {url!r}"
            )
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"OBS endpoint must not have a path or query, got {url!r}")
        host = parts.hostname
        if path_style is None:
            path_style = _is_ip_literal(host) or host == "localhost"
        return cls(parts.scheme, host, parts.port, path_style)

    @property
    def style(self) -> SignatureStyle:
        """The signature the SDK uses with this addressing: V2 with path style, OBS with virtual hosts."""
        return V2_STYLE if self.path_style else OBS_STYLE

    def _netloc(self, host: str) -> str:
        shown = f"[{host}]" if ":" in host else host
        default = 443 if self.scheme == "https" else 80
        return shown if self.port in (None, default) else f"{shown}:{self.port}"

    def url(self, bucket: str | None, key: str | None = None, query: Mapping[str, str | None] | None = None) -> str:
        """The request URL for a bucket (or none), an object key (or none) and a query."""
        if self.path_style or not bucket:
            netloc = self._netloc(self.host)
            path = "/" + bucket if bucket else ""
            path = path + "/" + encode_key(key) if key else (path or "/")
        else:
            netloc = self._netloc(f"{bucket}.{self.host}")
            path = "/" + encode_key(key) if key else "/"
        return f"{self.scheme}://{netloc}{path}{query_string(query or {})}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self._netloc(self.host)}"


__all__ = ["ObsEndpoint", "default_obs_endpoint", "query_string"]
