"""Which bucket and object a request on the OBS port names, and the resource its signature covers.

Two addressing styles, as OBS and its SDK know them (``docs/obs-local-spec.md`` §1):

- **virtual-host**: ``Host: <bucket>.<domain>[:port]`` with the object in the path (``/`` or ``/<key>``); the
  domain is ``obs.domain`` of the configuration (``obs.local.test``), as a real endpoint is
  ``obs.<region>.myhuaweicloud.com``;
- **path style**: any other ``Host``, with the bucket first in the path (``/<bucket>[/<key>]``): what the SDK
  sends to an IP-literal endpoint.

Keys arrive %-encoded and are decoded for the object name. The signature covers the raw path as received
(path style) or ``/<bucket>`` in front of it (virtual-host), then the signed sub-resources from the decoded
query. Query names without a value (``?uploads``) are kept apart from empty ones (``?uploads=``): they sign
differently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from starlette.types import Scope


@dataclass(frozen=True)
class Addressed:
    """A request's target: bucket and key (None when the request names none), and how it was addressed."""

    bucket: str | None
    key: str | None
    virtual_host: bool
    #: The canonical resource before the sub-resources: ``/bkt``, ``/bkt/`` (virtual-host), ``/bkt/a%20b``.
    signed_resource: str
    #: The decoded query, in order; None for a name without ``=``.
    query: Mapping[str, str | None]

    @property
    def resource(self) -> str:
        """The bucket or object, as error answers name it: ``/bkt``, ``/bkt/a b``."""
        if self.bucket is None:
            return "/"
        return f"/{self.bucket}/{self.key}" if self.key else f"/{self.bucket}"

    def has(self, name: str) -> bool:
        return name in self.query


def parse_query(raw: bytes) -> dict[str, str | None]:
    """``a&b=1&c=`` -> ``{"a": None, "b": "1", "c": ""}``, names and values %-decoded (``+`` stays ``+``)."""
    query: dict[str, str | None] = {}
    for item in raw.decode("utf-8", errors="replace").split("&"):
        if not item:
            continue
        name, sep, value = item.partition("=")
        query[unquote(name)] = unquote(value) if sep else None
    return query


def host_of(scope: Scope) -> str:
    """The ``Host`` header without its port, lower-cased."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"host":
            host = bytes(value).decode("latin-1").strip().lower()
            if host.startswith("["):  # an IPv6 literal: [::1]:8771
                return host.partition("]")[0] + "]"
            return host.rsplit(":", 1)[0] if ":" in host else host
    return ""


def virtual_host_bucket(scope: Scope, domain: str) -> str | None:
    """The bucket a ``Host: <bucket>.<domain>`` names, or None for path style."""
    host = host_of(scope)
    suffix = "." + domain.lower()
    if host.endswith(suffix) and len(host) > len(suffix):
        return host[: -len(suffix)]
    return None


def address(scope: Scope, domain: str) -> Addressed:
    """Where a request on the OBS port points (see the module docstring)."""
    raw_path = (scope.get("raw_path") or scope["path"].encode("utf-8")).decode("latin-1")
    query = parse_query(bytes(scope.get("query_string", b"")))
    bucket = virtual_host_bucket(scope, domain)
    if bucket is not None:
        key = _decode(raw_path[1:]) or None
        return Addressed(bucket, key, True, f"/{bucket}{raw_path}", query)
    first, slash, rest = raw_path[1:].partition("/")
    if not first:
        return Addressed(None, None, False, "/", query)
    key = _decode(rest) if slash and rest else None
    return Addressed(_decode(first), key, False, raw_path, query)


def fault_target(domain: str) -> Callable[[Scope], str]:
    """For fault rules: the request as ``/<bucket>/<key>`` whichever the addressing style."""

    def target(scope: Scope) -> str:
        bucket = virtual_host_bucket(scope, domain)
        path = str(scope.get("path", "/"))
        return f"/{bucket}{path}" if bucket is not None else path

    return target


def _decode(text: str) -> str:
    """%-decoding of a path part sent as UTF-8 (latin-1 in, so every byte survives until here)."""
    return unquote(text.encode("latin-1").decode("utf-8", errors="replace"))
