"""OBS paths mapped to local folders, and pre-signed URLs for the objects in them.

An OBS path is ``/bucket/a/b/`` or ``obs://bucket/a/b/``. ``--bucket NAME=DIR`` maps bucket NAME to
folder DIR; every other bucket lives in ``DATA_DIR/obs/NAME/``. Pre-signed URLs point back at this
server (``/_obs/<bucket>/<key>?AccessKeyId=..&Expires=..&Signature=..``) and are signed the way OBS
signs query-string URLs (HMAC-SHA1 over method, expiry and resource).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class ObsPathError(ValueError):
    """The text is not a usable OBS path; the message is the reason."""


@dataclass(frozen=True)
class ObsPath:
    """A bucket and a key (no leading slash; a trailing slash marks a folder)."""

    bucket: str
    key: str

    @property
    def is_folder(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    def __str__(self) -> str:
        return f"/{self.bucket}/{self.key}"

    def contains(self, other: ObsPath) -> bool:
        """Whether ``other`` lies inside this folder."""
        folder = self.key if self.key.endswith("/") or not self.key else self.key + "/"
        return other.bucket == self.bucket and other.key.startswith(folder) and other.key != folder


def parse_obs_path(value: str) -> ObsPath:
    """Parse ``/bucket/key`` or ``obs://bucket/key``; raise ObsPathError with a reason."""
    if not isinstance(value, str) or not value:
        raise ObsPathError("the path is empty")
    if value.startswith("obs://"):
        rest = value[len("obs://") :]
    elif value.startswith("/"):
        rest = value[1:]
    else:
        raise ObsPathError("the path must start with / or obs://")
    bucket, _, key = rest.partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise ObsPathError(f"invalid bucket name {bucket!r}")
    parts = key.split("/")
    if any(part in (".", "..") for part in parts):
        raise ObsPathError("the path must not contain . or .. segments")
    if "//" in key or "\\" in key or "\x00" in key:
        raise ObsPathError("the path contains an empty segment or a forbidden character")
    return ObsPath(bucket, key)


class ObsMapper:
    """Maps buckets to local folders."""

    def __init__(self, buckets: Mapping[str, Path], default_root: Path) -> None:
        self._buckets = {name: Path(folder) for name, folder in buckets.items()}
        self._root = Path(default_root)

    def bucket_dir(self, bucket: str) -> Path:
        return self._buckets.get(bucket, self._root / bucket)

    def local_path(self, path: ObsPath) -> Path:
        """The local file or folder behind an OBS path (never outside the bucket's folder)."""
        base = self.bucket_dir(path.bucket).resolve()
        target = (base / path.key).resolve() if path.key else base
        if target != base and base not in target.parents:
            raise ObsPathError("the path leaves its bucket")
        return target

    def obs_path_of(self, local: Path) -> ObsPath | None:
        """The OBS path of a local file, if it lies in a mapped (or default) bucket folder."""
        local = local.resolve()
        for name, folder in self._buckets.items():
            folder = folder.resolve()
            if local == folder or folder in local.parents:
                return ObsPath(name, local.relative_to(folder).as_posix())
        root = self._root.resolve()
        if root in local.parents:
            relative = local.relative_to(root).parts
            if len(relative) >= 2:
                return ObsPath(relative[0], "/".join(relative[1:]))
        return None


class UrlSigner:
    """Signs and checks temporary object URLs, OBS style."""

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

    def sign(self, base_url: str, path: ObsPath, expires: int, sub_resources: Mapping[str, str] | None = None) -> str:
        """A URL for GET of the object, valid until ``expires`` (epoch seconds)."""
        extra = dict(sub_resources or {})
        query = {
            "AccessKeyId": self.access_key,
            "Expires": str(expires),
            "Signature": self._signature(path.bucket, path.key, expires, extra),
            **extra,
        }
        return f"{base_url}/_obs/{path.bucket}/{quote(path.key)}?{urlencode(query)}"

    def verify(self, path: ObsPath, query: Mapping[str, str], now: float) -> None:
        """Raise PermissionError with an OBS error code if the URL's signature or expiry is wrong."""
        try:
            expires = int(query.get("Expires", ""))
        except ValueError:
            raise PermissionError("AccessDenied: the Expires parameter is missing or invalid") from None
        if query.get("AccessKeyId") != self.access_key:
            raise PermissionError("InvalidAccessKeyId: the access key does not exist")
        sub_resources = {k: v for k, v in query.items() if k.startswith("response-")}
        expected = self._signature(path.bucket, path.key, expires, sub_resources)
        if not hmac.compare_digest(expected, query.get("Signature", "")):
            raise PermissionError("SignatureDoesNotMatch: the request signature does not match")
        if now > expires:
            raise PermissionError("AccessDenied: Request has expired")
