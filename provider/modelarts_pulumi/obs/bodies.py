"""OBS's XML documents: the request bodies we send and the answers we read, as small dataclasses.

Request bodies are written as the SDK writes them (``obs/convertor.py``): no XML declaration, no namespace.
Answers may carry a default namespace (``xmlns="http://obs.<region>.myhuaweicloud.com/doc/2015-06-30/"``); it is
ignored, as the SDK does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ET.Element, name: str, default: str = "") -> str:
    for child in element:
        if _local(child.tag) == name:
            return child.text or ""
    return default


def _root(body: bytes, expected: str) -> ET.Element:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"OBS answered with malformed XML where {expected} was expected: {exc}") from None
    if _local(root.tag) != expected:
        raise ValueError(f"OBS answered with <{_local(root.tag)}> where <{expected}> was expected")
    return root


def unquote_etag(etag: str) -> str:
    """An ETag without its quotes: ``"abc"`` -> ``abc``."""
    return etag.strip().strip('"')


# --- answers ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectSummary:
    """One ``<Contents>`` of a listing. ``etag`` is unquoted (``d41d...`` or ``<hex>-<parts>``)."""

    key: str
    size: int
    etag: str
    last_modified: str

    @property
    def is_multipart(self) -> bool:
        return "-" in self.etag


@dataclass(frozen=True)
class ObjectListing:
    """One page of ``GET /bucket?prefix=...``."""

    bucket: str
    prefix: str
    objects: list[ObjectSummary]
    common_prefixes: list[str]
    is_truncated: bool
    next_marker: str | None


def parse_list_objects(body: bytes) -> ObjectListing:
    root = _root(body, "ListBucketResult")
    objects = [
        ObjectSummary(
            key=_text(item, "Key"),
            size=int(_text(item, "Size", "0") or 0),
            etag=unquote_etag(_text(item, "ETag")),
            last_modified=_text(item, "LastModified"),
        )
        for item in _children(root, "Contents")
    ]
    prefixes = [_text(item, "Prefix") for item in _children(root, "CommonPrefixes")]
    return ObjectListing(
        bucket=_text(root, "Name"),
        prefix=_text(root, "Prefix"),
        objects=objects,
        common_prefixes=prefixes,
        is_truncated=_text(root, "IsTruncated").lower() == "true",
        next_marker=_text(root, "NextMarker") or None,
    )


@dataclass(frozen=True)
class PartInfo:
    """One uploaded part: its number, unquoted ETag and size."""

    part_number: int
    etag: str
    size: int = 0


@dataclass(frozen=True)
class PartListing:
    """One page of ``GET /bucket/key?uploadId=...``."""

    upload_id: str
    parts: list[PartInfo]
    is_truncated: bool
    next_part_number_marker: int | None


def parse_list_parts(body: bytes) -> PartListing:
    root = _root(body, "ListPartsResult")
    parts = [
        PartInfo(
            part_number=int(_text(item, "PartNumber")),
            etag=unquote_etag(_text(item, "ETag")),
            size=int(_text(item, "Size", "0") or 0),
        )
        for item in _children(root, "Part")
    ]
    marker = _text(root, "NextPartNumberMarker")
    return PartListing(
        upload_id=_text(root, "UploadId"),
        parts=parts,
        is_truncated=_text(root, "IsTruncated").lower() == "true",
        next_part_number_marker=int(marker) if marker else None,
    )


@dataclass(frozen=True)
class MultipartUpload:
    """A multipart upload in progress: its object key and upload id."""

    key: str
    upload_id: str


@dataclass(frozen=True)
class MultipartUploadListing:
    """One page of ``GET /bucket?uploads``."""

    uploads: list[MultipartUpload]
    is_truncated: bool
    next_key_marker: str | None
    next_upload_id_marker: str | None


def parse_list_multipart_uploads(body: bytes) -> MultipartUploadListing:
    root = _root(body, "ListMultipartUploadsResult")
    uploads = [MultipartUpload(_text(item, "Key"), _text(item, "UploadId")) for item in _children(root, "Upload")]
    return MultipartUploadListing(
        uploads=uploads,
        is_truncated=_text(root, "IsTruncated").lower() == "true",
        next_key_marker=_text(root, "NextKeyMarker") or None,
        next_upload_id_marker=_text(root, "NextUploadIdMarker") or None,
    )


def parse_initiate_multipart_upload(body: bytes) -> str:
    """The ``UploadId`` of ``POST /bucket/key?uploads``."""
    upload_id = _text(_root(body, "InitiateMultipartUploadResult"), "UploadId")
    if not upload_id:
        raise ValueError("OBS answered InitiateMultipartUpload without an UploadId")
    return upload_id


def parse_complete_multipart_upload(body: bytes) -> str:
    """The unquoted ``ETag`` of the assembled object."""
    return unquote_etag(_text(_root(body, "CompleteMultipartUploadResult"), "ETag"))


def parse_copy_object(body: bytes) -> str:
    """The unquoted ``ETag`` of the copy."""
    return unquote_etag(_text(_root(body, "CopyObjectResult"), "ETag"))


@dataclass(frozen=True)
class DeleteFailure:
    key: str
    code: str
    message: str


@dataclass(frozen=True)
class DeleteResult:
    """``POST /bucket?delete``: the keys deleted and the per-key failures (a 200 answer may carry both)."""

    deleted: list[str] = field(default_factory=list)
    failures: list[DeleteFailure] = field(default_factory=list)


def parse_delete_objects(body: bytes) -> DeleteResult:
    if not body.strip():
        return DeleteResult()
    root = _root(body, "DeleteResult")
    return DeleteResult(
        deleted=[_text(item, "Key") for item in _children(root, "Deleted")],
        failures=[
            DeleteFailure(_text(item, "Key"), _text(item, "Code"), _text(item, "Message"))
            for item in _children(root, "Error")
        ],
    )


# --- requests -----------------------------------------------------------------------------------------------


def delete_objects_body(keys: Iterable[str], *, quiet: bool) -> bytes:
    """``<Delete><Quiet>..</Quiet><Object><Key>..</Key></Object>...</Delete>``, as the SDK writes it."""
    root = ET.Element("Delete")
    ET.SubElement(root, "Quiet").text = "true" if quiet else "false"
    for key in keys:
        ET.SubElement(ET.SubElement(root, "Object"), "Key").text = key
    return bytes(ET.tostring(root, "UTF-8"))


def complete_multipart_body(parts: Iterable[PartInfo]) -> bytes:
    """``<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"..."</ETag></Part>...``, sorted by
    number, ETags quoted as the SDK sends them back."""
    root = ET.Element("CompleteMultipartUpload")
    for part in sorted(parts, key=lambda p: p.part_number):
        element = ET.SubElement(root, "Part")
        ET.SubElement(element, "PartNumber").text = str(part.part_number)
        ET.SubElement(element, "ETag").text = f'"{part.etag}"'
    return bytes(ET.tostring(root, "UTF-8"))


__all__ = [
    "DeleteFailure",
    "DeleteResult",
    "ObjectListing",
    "ObjectSummary",
    "PartInfo",
    "PartListing",
    "complete_multipart_body",
    "delete_objects_body",
    "parse_complete_multipart_upload",
    "parse_copy_object",
    "parse_delete_objects",
    "parse_initiate_multipart_upload",
    "parse_list_objects",
    "parse_list_parts",
    "unquote_etag",
]
