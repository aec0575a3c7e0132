# mypy: disable-error-code="import-untyped"
"""A small in-process OBS for the client's tests: objects in memory, signatures checked with the SDK's own code.

Not the local OBS (that one lives in the emulator, built against ``docs/obs-local-spec.md``); this one is just
enough OBS to exercise the client and to capture what the official SDK sends. It:

- verifies every signature with ``obs.auth.Authentication`` from ``esdk-obs-python``, unchanged, in both styles
  (``OBS``/``x-obs-*`` and ``AWS``/``x-amz-*``), header-signed and pre-signed (query) alike, and checks the
  security token of temporary AKs and the request time (15 minutes either way);
- serves path style (``/bucket/key``) and virtual-host style (``Host: bucket.<base host>``), the signature
  negotiation probe ``HEAD /?apiversion`` included;
- answers OBS's XML and headers (``ETag``, ``x-obs-request-id``, ``x-obs-meta-*``) and its XML errors;
- records every request (method, raw target, headers, body, the string the SDK code signed) and injects faults:
  an error status, or a connection dropped before any answer, for the next N requests that match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import ssl
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

from obs.auth import Authentication
from obs.convertor import Adapter

UTC = timezone.utc  # datetime.UTC is Python 3.11+; the provider supports 3.10

NAMESPACE = "http://obs.cn-north-4.myhuaweicloud.com/doc/2015-06-30/"
SKEW_SECONDS = 15 * 60
MIN_PART_SIZE = 100 * 1024
UNKNOWN_AK_MESSAGE = "The OBS Access Key Id you provided does not exist in our records."


@dataclass
class StoredObject:
    data: bytes
    etag: str  # unquoted
    content_type: str
    metadata: dict[str, str]  # lower-case names without prefix -> raw header value
    last_modified: datetime


@dataclass
class Upload:
    bucket: str
    key: str
    content_type: str
    metadata: dict[str, str]
    parts: dict[int, tuple[bytes, str]] = field(default_factory=dict)


@dataclass
class Recorded:
    method: str
    target: str  # raw request target: path and query as sent
    host: str
    headers: dict[str, str]
    body: bytes
    style: str  # "obs", "v2" or "" (anonymous)
    signed: str  # the string to sign the SDK code computed ("" when unsigned)
    status: int = 0


@dataclass
class Fault:
    """For the next ``times`` requests that match: answer ``status`` instead (0: drop the connection unanswered);
    with ``after``, do the work first and then drop the answer (the client never learns it succeeded);
    ``delay`` seconds of silence come first either way; ``truncate`` cuts a successful body short."""

    match: Callable[[str, str], bool]  # (method, raw target) -> bool
    status: int = 503
    times: int = 1
    code: str = "ServiceUnavailable"
    after: bool = False
    delay: float = 0.0
    truncate: int | None = None  # send the answer's headers and only this many body bytes, then drop


class ObsFailure(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class _QuietServer(ThreadingHTTPServer):
    """A client that gives up on an answer (the retry tests time out on purpose) is not worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeObs:
    """``FakeObs(credentials={"AK": ("SK", None), "TMP": ("SK2", "TOKEN")}, buckets=["bkt"]).start()``."""

    def __init__(
        self,
        *,
        credentials: dict[str, tuple[str, str | None]],
        buckets: list[str] | tuple[str, ...] = ("bkt",),
        base_host: str = "obs.local.test",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.credentials = credentials
        self.base_host = base_host
        self.buckets: dict[str, dict[str, StoredObject]] = {name: {} for name in buckets}
        self.uploads: dict[str, Upload] = {}
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.clock = clock or (lambda: datetime.now(UTC).timestamp())
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests handled at once: tests read it to check parallelism
        self.latency = 0.0  # seconds every request waits before it is handled
        self._server: ThreadingHTTPServer | None = None
        self.scheme = "http"

    # --- lifecycle ----------------------------------------------------------------------------------------

    def start(self, *, tls: ssl.SSLContext | None = None) -> FakeObs:
        """Serve on a free port of 127.0.0.1; with ``tls`` (a server context), HTTPS."""
        fake = self

        class Handler(_Handler):
            obs = fake

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Path-style endpoint (IP literal): the SDK and our client sign V2 here."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def vhost_url(self) -> str:
        """Virtual-host endpoint: needs ``*.obs.local.test`` resolving to 127.0.0.1 (see conftest)."""
        return f"{self.scheme}://{self.base_host}:{self.port}"

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, method: str, target: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.match(method, target):
                    fault.times -= 1
                    return fault
        return None

    def put(self, bucket: str, key: str, data: bytes, metadata: dict[str, str] | None = None) -> None:
        """Store an object directly (test setup)."""
        self.buckets[bucket][key] = StoredObject(
            data, hashlib.md5(data).hexdigest(), "binary/octet-stream", dict(metadata or {}), datetime.now(UTC)
        )


def _xml(root: str, body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{root} xmlns="{NAMESPACE}">{body}</{root}>'
    ).encode()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _query(raw: str) -> dict[str, str | None]:
    args: dict[str, str | None] = {}
    for item in raw.split("&") if raw else []:
        name, sep, value = item.partition("=")
        args[unquote(name)] = unquote(value) if sep else None
    return args


class _Handler(BaseHTTPRequestHandler):
    obs: FakeObs
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes; do not wait for an ACK between

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    # --- plumbing ------------------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        with self.obs.lock:
            self.obs.in_flight += 1
            self.obs.max_in_flight = max(self.obs.max_in_flight, self.obs.in_flight)
        try:
            self._handle_counted()
        finally:
            with self.obs.lock:
                self.obs.in_flight -= 1

    def _handle_counted(self) -> None:
        if self.obs.latency:
            time.sleep(self.obs.latency)
        body = self._read_body()
        host = self.headers.get("Host", "")
        record = self.record = Recorded(self.command, self.path, host, dict(self.headers.items()), body, "", "")
        with self.obs.lock:
            self.obs.requests.append(record)
        self.request_id = uuid.uuid4().hex.upper()
        fault = self.obs.take_fault(self.command, self.path)
        self.drop_answer = False
        self.truncate: int | None = None
        if fault is not None and fault.truncate is not None:
            self.truncate, fault = fault.truncate, None
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.after:
            self.drop_answer = True
        elif fault is not None:
            if fault.status == 0:
                self._drop()  # nothing answered: the client sees the connection drop
                return
            self._error(ObsFailure(fault.status, fault.code, "injected fault"), f"/{self.path}")
            return
        path, _, raw_query = self.path.partition("?")
        bucket, key = self._address(host, path)
        resource = "/" + "/".join(part for part in (bucket, key) if part)
        try:
            query = _query(raw_query)
            if self.command == "HEAD" and "apiversion" in query and not key:
                self._send(200, b"", {"x-obs-api": "3.0"})  # the SDK's unsigned negotiation probe
                return
            record.style, record.signed = self._authenticate(bucket, key, query, record)
            self._dispatch(bucket, key, query, body)
        except ObsFailure as failure:
            self._error(failure, resource)

    def _address(self, host: str, path: str) -> tuple[str | None, str | None]:
        name = host.rsplit(":", 1)[0]
        base = self.obs.base_host
        if name.endswith("." + base):
            self.path_style = False
            return name[: -len(base) - 1], unquote(path[1:]) or None
        self.path_style = True
        parts = path[1:].split("/", 1)
        return unquote(parts[0]) or None, unquote(parts[1]) if len(parts) > 1 and parts[1] else None

    def _authenticate(
        self, bucket: str | None, key: str | None, query: dict[str, str | None], record: Recorded
    ) -> tuple[str, str]:
        headers = dict(self.headers.items())
        authorization = headers.get("Authorization", "")
        expires: str | None = None
        if authorization:
            match = re.fullmatch(r"(OBS|AWS) ([^:]+):(.+)", authorization)
            if match is None:
                raise ObsFailure(403, "AccessDenied", "Authorization header is not an OBS or V2 signature")
            word, ak, provided = match.groups()
            style = "obs" if word == "OBS" else "v2"
            args = query
        elif "Signature" in query:
            style = "obs" if "AccessKeyId" in query else "v2"
            ak = query.get("AccessKeyId") or query.get("AWSAccessKeyId") or ""
            provided = query["Signature"] or ""
            expires = query.get("Expires") or ""
            auth_params = ("Signature", "AccessKeyId", "AWSAccessKeyId", "Expires")
            args = {k: v for k, v in query.items() if k not in auth_params}
        else:
            raise ObsFailure(403, "AccessDenied", "Anonymous access is not allowed")
        prefix = "x-obs-" if style == "obs" else "x-amz-"
        if ak not in self.obs.credentials:
            raise ObsFailure(403, "InvalidAccessKeyId", UNKNOWN_AK_MESSAGE)
        sk, token = self.obs.credentials[ak]
        sent_token = {k.lower(): v for k, v in headers.items()}.get(prefix + "security-token") or query.get(
            prefix + "security-token"
        )
        if token is not None and sent_token != token:
            raise ObsFailure(403, "InvalidAccessKeyId", "The security token is invalid.")
        now = self.obs.clock()
        if expires is not None:
            if not expires.isdigit() or int(expires) < now:
                raise ObsFailure(403, "RequestTimeTooSkewed", "Request has expired.")
        else:
            lowered = {k.lower(): v for k, v in headers.items()}
            date_text = lowered.get(prefix + "date") or lowered.get("date")
            if not date_text:
                raise ObsFailure(403, "AccessDenied", "Missing Date header")
            moment = parsedate_to_datetime(date_text).timestamp()
            if moment - now > SKEW_SECONDS:
                raise ObsFailure(403, "RequestTimeTooSkewed", "Request is not yet valid.")
            if now - moment > SKEW_SECONDS:
                raise ObsFailure(403, "RequestTimeTooSkewed", "Request is no longer valid.")
        # The SDK's own signing code, unchanged, decides what the signature must be.
        auth = Authentication(ak, sk, self.path_style, Adapter(style), self.obs.base_host, False)
        expected = auth.getSignature(self.command, bucket, key, args, headers, expires)
        if expected["Signature"] != provided:
            raise ObsFailure(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                StringToSign=expected["CanonicalString"],
            )
        return style, expected["CanonicalString"]

    def _drop(self) -> None:
        self.close_connection = True
        self.connection.shutdown(2)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.record.status = status  # before the answer leaves: the client may read the record right after
        if self.drop_answer:
            self._drop()
            return
        self.send_response(status)
        self.send_header("x-obs-request-id", self.request_id)
        self.send_header("x-obs-id-2", "fake" + self.request_id[:16])
        self.send_header("Server", "OBS")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body and not any(name.lower() == "content-type" for name in headers or {}):
            self.send_header("Content-Type", "application/xml")
        if not any(name.lower() == "content-length" for name in headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            if self.truncate is not None and status < 300:
                self.wfile.write(body[: self.truncate])
                self.wfile.flush()
                self._drop()
                return
            self.wfile.write(body)

    def _error(self, failure: ObsFailure, resource: str) -> None:
        extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in failure.extra.items())
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{failure.code}</Code>'
            f"<Message>{escape(failure.message)}</Message><Resource>{escape(resource)}</Resource>"
            f"<RequestId>{self.request_id}</RequestId><HostId>fakehost</HostId>{extra}</Error>"
        ).encode()
        self._send(failure.status, b"" if self.command == "HEAD" else body)

    # --- operations ----------------------------------------------------------------------------------------

    def _objects(self, bucket: str | None) -> dict[str, StoredObject]:
        if bucket is None or bucket not in self.obs.buckets:
            raise ObsFailure(404, "NoSuchBucket", "The specified bucket does not exist")
        return self.obs.buckets[bucket]

    def _prefix(self) -> str:
        return "x-amz-" if self._is_v2() else "x-obs-"

    def _is_v2(self) -> bool:
        return self.headers.get("Authorization", "").startswith("AWS ") or "AWSAccessKeyId" in self.path

    def _metadata_from_request(self) -> dict[str, str]:
        prefix = ("x-amz-" if self._is_v2() else "x-obs-") + "meta-"
        return {k.lower()[len(prefix) :]: v for k, v in self.headers.items() if k.lower().startswith(prefix)}

    def _object_headers(self, obj: StoredObject) -> dict[str, str]:
        prefix = ("x-amz-" if self._is_v2() else "x-obs-") + "meta-"
        headers = {
            "ETag": f'"{obj.etag}"',
            "Last-Modified": formatdate(obj.last_modified.timestamp(), usegmt=True),
            "Content-Type": obj.content_type,
            "Accept-Ranges": "bytes",
        }
        headers.update({prefix + name: value for name, value in obj.metadata.items()})
        return headers

    def _check_md5(self, body: bytes) -> None:
        given = self.headers.get("Content-MD5")
        if given is None:
            return
        try:
            digest = base64.b64decode(given, validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != 16:
            raise ObsFailure(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
        if digest != hashlib.md5(body).digest():
            raise ObsFailure(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")

    def _dispatch(self, bucket: str | None, key: str | None, query: dict[str, str | None], body: bytes) -> int:
        method = self.command
        objects = self._objects(bucket)
        assert bucket is not None
        if key is None:
            if method == "HEAD":
                self._send(200, b"", {"x-obs-bucket-location": "cn-north-4"})
                return 200
            if method == "GET" and "uploads" not in query:
                return self._list(bucket, objects, query)
            if method == "GET":
                return self._list_uploads(bucket, query.get("prefix") or "")
            if method == "POST" and "delete" in query:
                return self._delete_many(objects, body)
            raise ObsFailure(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        if "uploads" in query and method == "POST":
            upload_id = uuid.uuid4().hex.upper()
            content_type = self.headers.get("Content-Type") or "binary/octet-stream"
            self.obs.uploads[upload_id] = Upload(bucket, key, content_type, self._metadata_from_request())
            inner = f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key><UploadId>{upload_id}</UploadId>"
            self._send(200, _xml("InitiateMultipartUploadResult", inner))
            return 200
        if "uploadId" in query:
            return self._multipart(bucket, key, query, body)
        if method == "PUT":
            copy_source = self.headers.get(self._prefix() + "copy-source")
            if copy_source is not None:
                return self._copy(objects, key, copy_source)
            self._check_md5(body)
            if len(body) > 5 * 1024**3:
                raise ObsFailure(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
            obj = StoredObject(
                body,
                hashlib.md5(body).hexdigest(),
                self.headers.get("Content-Type") or "binary/octet-stream",
                self._metadata_from_request(),
                datetime.now(UTC),
            )
            objects[key] = obj
            self._send(200, b"", {"ETag": f'"{obj.etag}"'})
            return 200
        if method == "DELETE":
            objects.pop(key, None)
            self._send(204, b"")
            return 204
        found = objects.get(key)
        if found is None:
            raise ObsFailure(404, "NoSuchKey", "The specified key does not exist.")
        obj = found
        if method == "HEAD":
            headers = {**self._object_headers(obj), "Content-Length": str(len(obj.data))}
            self._send(200, b"", headers)
            return 200
        if method == "GET":
            if_match = self.headers.get("If-Match")
            if if_match is not None and if_match.strip('"') != obj.etag:
                raise ObsFailure(412, "PreconditionFailed", "At least one of the preconditions did not hold")
            return self._get(obj)
        raise ObsFailure(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")

    def _get(self, obj: StoredObject) -> int:
        headers = self._object_headers(obj)
        data = obj.data
        status = 200
        range_header = self.headers.get("Range")
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header or "")
        if match and (match.group(1) or match.group(2)):
            size = len(data)
            if match.group(1):
                first = int(match.group(1))
                last = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            else:
                first, last = max(0, size - int(match.group(2))), size - 1
            if first >= size or first > last:
                raise ObsFailure(416, "InvalidRange", "The requested range cannot be satisfied.")
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
            data = data[first : last + 1]
            status = 206
        self._send(status, data, headers)
        return status

    def _list(self, bucket: str, objects: dict[str, StoredObject], query: dict[str, str | None]) -> int:
        prefix = query.get("prefix") or ""
        marker = query.get("marker") or ""
        delimiter = query.get("delimiter") or ""
        max_keys = min(int(query.get("max-keys") or 1000), 1000)
        contents: list[str] = []
        common: list[str] = []
        truncated = False
        next_marker = ""
        for key in sorted(objects):
            if not key.startswith(prefix) or key <= marker:
                continue
            if delimiter and delimiter in key[len(prefix) :]:
                folder = key[: len(prefix) + key[len(prefix) :].index(delimiter) + len(delimiter)]
                if folder in common or folder <= marker:
                    continue
                entry = ("prefix", folder)
            else:
                entry = ("key", key)
            if len(contents) + len(common) == max_keys:
                truncated = True
                break
            next_marker = entry[1]
            if entry[0] == "prefix":
                common.append(entry[1])
            else:
                obj = objects[key]
                contents.append(
                    f"<Contents><Key>{escape(key)}</Key><LastModified>{_iso(obj.last_modified)}</LastModified>"
                    f'<ETag>"{obj.etag}"</ETag><Size>{len(obj.data)}</Size><Owner><ID>fakeowner</ID></Owner>'
                    "<StorageClass>STANDARD</StorageClass></Contents>"
                )
        inner = (
            f"<Name>{escape(bucket)}</Name><Prefix>{escape(prefix)}</Prefix><Marker>{escape(marker)}</Marker>"
            + (f"<Delimiter>{escape(delimiter)}</Delimiter>" if delimiter else "")
            + f"<MaxKeys>{max_keys}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
            + (f"<NextMarker>{escape(next_marker)}</NextMarker>" if truncated else "")
            + "".join(contents)
            + "".join(f"<CommonPrefixes><Prefix>{escape(p)}</Prefix></CommonPrefixes>" for p in common)
        )
        self._send(200, _xml("ListBucketResult", inner))
        return 200

    def _delete_many(self, objects: dict[str, StoredObject], body: bytes) -> int:
        if self.headers.get("Content-MD5") is None:
            raise ObsFailure(400, "InvalidRequest", "Content-MD5 is required for this request")
        self._check_md5(body)
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise ObsFailure(400, "MalformedXML", "The XML you provided was not well-formed") from None
        keys = [item.findtext("Key") or "" for item in root.findall("Object")]
        if len(keys) > 1000:
            raise ObsFailure(400, "MalformedXML", "More than 1000 objects in one request")
        quiet = (root.findtext("Quiet") or "false").lower() == "true"
        for key in keys:
            objects.pop(key, None)
        inner = "" if quiet else "".join(f"<Deleted><Key>{escape(k)}</Key></Deleted>" for k in keys)
        self._send(200, _xml("DeleteResult", inner))
        return 200

    def _copy(self, objects: dict[str, StoredObject], key: str, source: str) -> int:
        source_bucket, _, source_key = unquote(source).lstrip("/").partition("/")
        source_obj = self._objects(source_bucket).get(source_key)
        if source_obj is None:
            raise ObsFailure(404, "NoSuchKey", "The specified key does not exist.")
        replace = self.headers.get(self._prefix() + "metadata-directive", "COPY").upper() == "REPLACE"
        obj = StoredObject(
            source_obj.data,
            source_obj.etag,
            source_obj.content_type,
            self._metadata_from_request() if replace else dict(source_obj.metadata),
            datetime.now(UTC),
        )
        objects[key] = obj
        inner = f'<LastModified>{_iso(obj.last_modified)}</LastModified><ETag>"{obj.etag}"</ETag>'
        self._send(200, _xml("CopyObjectResult", inner))
        return 200

    def _list_uploads(self, bucket: str, prefix: str) -> int:
        """All uploads in progress under ``prefix``, one page (enough for the tests)."""
        with self.obs.lock:
            found = sorted((u.key, upload_id) for upload_id, u in self.obs.uploads.items() if u.bucket == bucket)
        inner = f"<Bucket>{escape(bucket)}</Bucket><Prefix>{escape(prefix)}</Prefix><IsTruncated>false</IsTruncated>"
        for key, upload_id in found:
            if key.startswith(prefix):
                inner += f"<Upload><Key>{escape(key)}</Key><UploadId>{upload_id}</UploadId></Upload>"
        self._send(200, _xml("ListMultipartUploadsResult", inner))
        return 200

    def _multipart(self, bucket: str, key: str, query: dict[str, str | None], body: bytes) -> int:
        upload = self.obs.uploads.get(query["uploadId"] or "")
        if upload is None or (upload.bucket, upload.key) != (bucket, key):
            raise ObsFailure(404, "NoSuchUpload", "The specified upload does not exist.")
        upload_id = query["uploadId"] or ""
        method = self.command
        if method == "PUT":
            number = int(query.get("partNumber") or 0)
            if not 1 <= number <= 10000:
                raise ObsFailure(400, "InvalidArgument", "Part number must be an integer between 1 and 10000")
            self._check_md5(body)
            etag = hashlib.md5(body).hexdigest()
            upload.parts[number] = (body, etag)
            self._send(200, b"", {"ETag": f'"{etag}"'})
            return 200
        if method == "DELETE":
            del self.obs.uploads[upload_id]
            self._send(204, b"")
            return 204
        if method == "GET":
            parts = "".join(
                f"<Part><PartNumber>{n}</PartNumber><LastModified>{_iso(datetime.now(UTC))}</LastModified>"
                f'<ETag>"{etag}"</ETag><Size>{len(data)}</Size></Part>'
                for n, (data, etag) in sorted(upload.parts.items())
            )
            inner = (
                f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key><UploadId>{upload_id}</UploadId>"
                f"<PartNumberMarker>0</PartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>"
                + parts
            )
            self._send(200, _xml("ListPartsResult", inner))
            return 200
        if method == "POST":
            try:
                root = ET.fromstring(body)
            except ET.ParseError:
                raise ObsFailure(400, "MalformedXML", "The XML you provided was not well-formed") from None
            chosen = [(int(p.findtext("PartNumber") or 0), (p.findtext("ETag") or "").strip('"')) for p in root]
            numbers = [n for n, _ in chosen]
            if numbers != sorted(numbers):
                raise ObsFailure(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
            data = b""
            for index, (number, etag) in enumerate(chosen):
                part = upload.parts.get(number)
                if part is None or part[1] != etag:
                    raise ObsFailure(400, "InvalidPart", "One or more of the specified parts could not be found.")
                if index < len(chosen) - 1 and len(part[0]) < MIN_PART_SIZE:
                    raise ObsFailure(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum size.")
                data += part[0]
            digest = hashlib.md5(b"".join(binascii.unhexlify(upload.parts[n][1]) for n in numbers)).hexdigest()
            etag = f"{digest}-{len(chosen)}"
            self.obs.buckets[bucket][key] = StoredObject(
                data, etag, upload.content_type, upload.metadata, datetime.now(UTC)
            )
            del self.obs.uploads[upload_id]
            inner = (
                f"<Location>http://{bucket}.{self.obs.base_host}/{escape(key)}</Location><Bucket>{escape(bucket)}</Bucket>"
                f'<Key>{escape(key)}</Key><ETag>"{etag}"</ETag>'
            )
            self._send(200, _xml("CompleteMultipartUploadResult", inner))
            return 200
        raise ObsFailure(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
