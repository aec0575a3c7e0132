"""OBS's XML bodies: the answers (``obs-api.md`` §3), and the two request bodies the object API takes (multi-object
delete, complete multipart upload), read without caring for namespaces (clients send none)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from urllib.parse import quote
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from . import errors
from .buckets import BucketInfo
from .multipart import PartsPage, Upload, UploadsListing, UploadsPage
from .objects import Listing, ListPage, ObjectInfo

MAX_DELETE_KEYS = 1000
MAX_REQUEST_XML_BYTES = 4 * 1024 * 1024


def iso_ms(epoch: float) -> str:
    """``2026-01-01T00:00:00.000Z``: how OBS writes times in XML."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def quoted_etag(etag: str) -> str:
    return f'"{etag}"'


class Documents:
    """Answer documents in the namespace of the region's OBS (clients ignore it, as they may)."""

    def __init__(self, region: str) -> None:
        self._namespace = f"http://obs.{region}.myhuaweicloud.com/doc/2015-06-30/"

    def document(self, root: str, inner: str) -> bytes:
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        return f'{head}<{root} xmlns="{self._namespace}">{inner}</{root}>'.encode()

    def list_objects(self, bucket: str, asked: Listing, page: ListPage, *, owner: str, url_encoded: bool) -> bytes:
        def text(value: str) -> str:
            return quote(value, safe="/") if url_encoded else value

        inner = _elements(("Name", bucket), ("Prefix", text(asked.prefix)), ("Marker", text(asked.marker)))
        if asked.delimiter:
            inner += _element("Delimiter", text(asked.delimiter))
        if url_encoded:
            inner += _element("EncodingType", "url")
        inner += _elements(("MaxKeys", str(asked.max_keys)), ("IsTruncated", _bool(page.truncated)))
        if page.next_marker is not None:
            inner += _element("NextMarker", text(page.next_marker))
        for info in page.objects:
            inner += "<Contents>" + _object(info, text(info.key), owner) + "</Contents>"
        for common in page.common_prefixes:
            inner += "<CommonPrefixes>" + _element("Prefix", text(common)) + "</CommonPrefixes>"
        return self.document("ListBucketResult", inner)

    def list_buckets(self, buckets: Iterable[BucketInfo], *, owner: str, region: str) -> bytes:
        items = "".join(
            "<Bucket>"
            + _elements(("Name", bucket.name), ("CreationDate", iso_ms(bucket.created)), ("Location", region))
            + "</Bucket>"
            for bucket in buckets
        )
        return self.document(
            "ListAllMyBucketsResult", f"<Owner>{_element('ID', owner)}</Owner><Buckets>{items}</Buckets>"
        )

    def copy_result(self, info: ObjectInfo) -> bytes:
        return self.document(
            "CopyObjectResult",
            _elements(("LastModified", iso_ms(info.last_modified)), ("ETag", quoted_etag(info.etag))),
        )

    def delete_result(
        self, deleted: Sequence[str], failed: Sequence[tuple[str, errors.ObsError]], quiet: bool
    ) -> bytes:
        inner = "" if quiet else "".join(f"<Deleted>{_element('Key', key)}</Deleted>" for key in deleted)
        inner += "".join(
            f"<Error>{_elements(('Key', key), ('Code', error.code), ('Message', error.message))}</Error>"
            for key, error in failed
        )
        return self.document("DeleteResult", inner)

    def initiate_result(self, upload: Upload) -> bytes:
        return self.document(
            "InitiateMultipartUploadResult",
            _elements(("Bucket", upload.bucket), ("Key", upload.key), ("UploadId", upload.upload_id)),
        )

    def list_uploads(self, bucket: str, asked: UploadsListing, page: UploadsPage, *, owner: str) -> bytes:
        inner = _elements(
            ("Bucket", bucket),
            ("KeyMarker", asked.key_marker),
            ("UploadIdMarker", asked.upload_id_marker),
            ("Prefix", asked.prefix),
        )
        if page.truncated and page.uploads:
            last = page.uploads[-1]
            inner += _elements(("NextKeyMarker", last.key), ("NextUploadIdMarker", last.upload_id))
        inner += _elements(("MaxUploads", str(asked.limit)), ("IsTruncated", _bool(page.truncated)))
        for upload in page.uploads:
            inner += "<Upload>" + _elements(("Key", upload.key), ("UploadId", upload.upload_id))
            inner += f"<Initiator>{_element('ID', owner)}</Initiator><Owner>{_element('ID', owner)}</Owner>"
            inner += _elements(("StorageClass", "STANDARD"), ("Initiated", iso_ms(upload.initiated))) + "</Upload>"
        return self.document("ListMultipartUploadsResult", inner)

    def list_parts(self, upload: Upload, page: PartsPage, *, marker: int, max_parts: int, owner: str) -> bytes:
        inner = _elements(("Bucket", upload.bucket), ("Key", upload.key), ("UploadId", upload.upload_id))
        inner += f"<Initiator>{_element('ID', owner)}</Initiator><Owner>{_element('ID', owner)}</Owner>"
        inner += _elements(("StorageClass", "STANDARD"), ("PartNumberMarker", str(marker)))
        if page.next_marker is not None:
            inner += _element("NextPartNumberMarker", str(page.next_marker))
        inner += _elements(("MaxParts", str(max_parts)), ("IsTruncated", _bool(page.truncated)))
        for part in page.parts:
            inner += "<Part>" + _elements(
                ("PartNumber", str(part.number)),
                ("LastModified", iso_ms(part.modified)),
                ("ETag", quoted_etag(part.etag)),
                ("Size", str(part.size)),
            ) + "</Part>"  # fmt: skip
        return self.document("ListPartsResult", inner)

    def complete_result(self, location: str, bucket: str, info: ObjectInfo) -> bytes:
        return self.document(
            "CompleteMultipartUploadResult",
            _elements(("Location", location), ("Bucket", bucket), ("Key", info.key), ("ETag", quoted_etag(info.etag))),
        )


def parse_delete(body: bytes) -> tuple[bool, list[str]]:
    """``<Delete><Quiet>..</Quiet><Object><Key>..</Key></Object>...</Delete>``: (quiet, keys)."""
    root = _root(body, "Delete")
    keys = [_child_text(item, "Key") for item in root if _tag(item) == "Object"]
    if not keys or len(keys) > MAX_DELETE_KEYS or any(not key for key in keys):
        raise errors.MalformedXml()
    quiet = next((item.text or "" for item in root if _tag(item) == "Quiet"), "false").strip().lower() == "true"
    return quiet, keys


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """``<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"..."</ETag></Part>...``: (number, ETag)."""
    root = _root(body, "CompleteMultipartUpload")
    chosen = []
    for item in root:
        if _tag(item) != "Part":
            continue
        try:
            number = int(_child_text(item, "PartNumber").strip())
        except ValueError:
            raise errors.MalformedXml() from None
        chosen.append((number, _child_text(item, "ETag").strip()))
    if not chosen:
        raise errors.MalformedXml()
    return chosen


def _root(body: bytes, name: str) -> ElementTree.Element:
    if len(body) > MAX_REQUEST_XML_BYTES:
        raise errors.MalformedXml()
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise errors.MalformedXml() from None
    if _tag(root) != name:
        raise errors.MalformedXml()
    return root


def _tag(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _child_text(element: ElementTree.Element, name: str) -> str:
    """The text of the first child named ``name``, as sent (a key may begin or end with a space)."""
    return next((child.text or "" for child in element if _tag(child) == name), "")


def _object(info: ObjectInfo, key: str, owner: str) -> str:
    return (
        _elements(
            ("Key", key),
            ("LastModified", iso_ms(info.last_modified)),
            ("ETag", quoted_etag(info.etag)),
            ("Size", str(info.size)),
        )
        + f"<Owner>{_element('ID', owner)}</Owner>"
        + _element("StorageClass", "STANDARD")
    )


def _element(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>"


def _elements(*pairs: tuple[str, str]) -> str:
    return "".join(_element(name, value) for name, value in pairs)


def _bool(value: bool) -> str:
    return "true" if value else "false"
