# mypy: disable-error-code="import-untyped"
"""Multipart uploads on the local OBS, driven by the official OBS SDK: initiate, parts, list, complete (OBS's
multipart ETag), abort, the SDK's own ``uploadFile``, and the errors (``NoSuchUpload``, ``InvalidPart``,
``InvalidPartOrder``, ``EntityTooSmall``, ``InvalidArgument``). Parts stay out of the bucket folder until the
upload completes."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from obs import CompleteMultipartUploadRequest, CompletePart

from tests.emulator.obs_helpers import BUCKET, ObsLocal, signed, xml_fields

MIN_PART = 100 * 1024  # OBS: every part but the last is at least 100 KiB


def multipart_etag(parts: list[bytes]) -> str:
    """OBS's (the S3 convention): MD5 of the parts' binary MD5s, then -<count>."""
    joined = b"".join(hashlib.md5(part).digest() for part in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_multipart_upload_from_start_to_end(obs_local: ObsLocal):
    sdk = obs_local.sdk()
    key = "mp/model weights.bin"
    before = files_under(obs_local.bucket_dir)
    init = sdk.initiateMultipartUpload(BUCKET, key, metadata={"sha": "abc"}, contentType="application/x-model")
    assert init.status == 200
    upload_id = init.body.uploadId
    assert len(upload_id) == 32

    rng = random.Random(3)
    parts = [rng.randbytes(MIN_PART), rng.randbytes(MIN_PART + 7), rng.randbytes(10)]
    etags = []
    for number, part in enumerate(parts, start=1):
        result = sdk.uploadPart(BUCKET, key, number, upload_id, object=part)
        assert result.status == 200
        assert result.body.etag == f'"{hashlib.md5(part).hexdigest()}"'
        etags.append(result.body.etag)
    again = sdk.uploadPart(BUCKET, key, 3, upload_id, object=parts[2])  # the same number again replaces it
    assert again.status == 200
    assert files_under(obs_local.bucket_dir) == before  # nothing of the upload is visible yet

    listed = sdk.listParts(BUCKET, key, upload_id, maxParts=2)
    assert listed.status == 200 and listed.body.isTruncated
    assert [(p.partNumber, p.size, p.etag) for p in listed.body.parts] == [
        (1, len(parts[0]), etags[0]),
        (2, len(parts[1]), etags[1]),
    ]
    rest = sdk.listParts(BUCKET, key, upload_id, partNumberMarker=listed.body.nextPartNumberMarker)
    assert [p.partNumber for p in rest.body.parts] == [3] and not rest.body.isTruncated

    in_progress = signed(obs_local, "GET", BUCKET, query={"uploads": None, "prefix": "mp/"})
    assert in_progress.status_code == 200 and upload_id.encode() in in_progress.content

    complete = sdk.completeMultipartUpload(
        BUCKET, key, upload_id, CompleteMultipartUploadRequest([CompletePart(i + 1, e) for i, e in enumerate(etags)])
    )
    assert complete.status == 200
    assert complete.body.etag == multipart_etag(parts)
    assert (obs_local.bucket_dir / key).read_bytes() == b"".join(parts)
    meta = sdk.getObjectMetadata(BUCKET, key)
    assert (meta.body.etag, meta.body.contentType, meta.body.contentLength) == (
        multipart_etag(parts),
        "application/x-model",
        sum(map(len, parts)),
    )
    assert ("sha", "abc") in meta.header
    listing = sdk.listObjects(BUCKET, prefix="mp/").body.contents
    assert [(c.key, c.etag) for c in listing] == [(key, multipart_etag(parts))]
    assert not any((obs_local.server.data_dir / "obs-work" / "uploads").iterdir())  # the parts are gone

    for gone in (
        sdk.completeMultipartUpload(
            BUCKET, key, upload_id, CompleteMultipartUploadRequest([CompletePart(1, etags[0])])
        ),
        sdk.uploadPart(BUCKET, key, 1, upload_id, object=b"late"),
        sdk.listParts(BUCKET, key, upload_id),
        sdk.abortMultipartUpload(BUCKET, key, upload_id),
    ):
        assert (gone.status, gone.errorCode) == (404, "NoSuchUpload")


def test_completion_errors(obs_local: ObsLocal):
    sdk = obs_local.sdk()
    key = "mp/errors.bin"
    upload_id = sdk.initiateMultipartUpload(BUCKET, key).body.uploadId
    small = sdk.uploadPart(BUCKET, key, 1, upload_id, object=b"s" * 1000).body.etag
    big = sdk.uploadPart(BUCKET, key, 2, upload_id, object=b"b" * MIN_PART).body.etag
    last = sdk.uploadPart(BUCKET, key, 3, upload_id, object=b"l").body.etag

    def complete(*chosen: tuple[int, str]) -> tuple[int, str | None]:
        request = CompleteMultipartUploadRequest([CompletePart(n, e) for n, e in chosen])
        result = sdk.completeMultipartUpload(BUCKET, key, upload_id, request)
        return result.status, result.errorCode

    unordered = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in ((2, big), (3, last), (1, small))
    )  # the SDK sorts the parts it is given: sent as written here
    body = f"<CompleteMultipartUpload>{unordered}</CompleteMultipartUpload>".encode()
    refused = signed(obs_local, "POST", BUCKET, key, query={"uploadId": upload_id}, body=body)
    assert (refused.status_code, xml_fields(refused.content)["Code"]) == (400, "InvalidPartOrder")
    assert complete((2, big), (2, big)) == (400, "InvalidPartOrder")
    assert complete((2, big), (4, last)) == (400, "InvalidPart")  # never uploaded
    assert complete((2, '"00000000000000000000000000000000"'), (3, last)) == (400, "InvalidPart")
    assert complete((1, small), (3, last)) == (400, "EntityTooSmall")  # a part that is not the last, < 100 KiB
    assert not (obs_local.bucket_dir / key).exists()
    assert complete((2, big), (3, last)) == (200, None)  # the same upload still completes, with parts chosen
    assert (obs_local.bucket_dir / key).read_bytes() == b"b" * MIN_PART + b"l"

    bad_xml = signed(obs_local, "POST", BUCKET, "mp/other.bin", query={"uploadId": "X"}, body=b"<oops")
    assert (bad_xml.status_code, xml_fields(bad_xml.content)["Code"]) == (404, "NoSuchUpload")
    other = sdk.initiateMultipartUpload(BUCKET, "mp/other.bin").body.uploadId
    for body in (b"<oops", b"<CompleteMultipartUpload></CompleteMultipartUpload>", b"<Other/>"):
        malformed = signed(obs_local, "POST", BUCKET, "mp/other.bin", query={"uploadId": other}, body=body)
        assert (malformed.status_code, xml_fields(malformed.content)["Code"]) == (400, "MalformedXML")
    for number in ("0", "10001", "one"):
        refused = signed(
            obs_local, "PUT", BUCKET, "mp/other.bin", query={"partNumber": number, "uploadId": other}, body=b"x"
        )
        assert (refused.status_code, xml_fields(refused.content)["Code"]) == (400, "InvalidArgument"), number
    wrong_key = sdk.uploadPart(BUCKET, "mp/not-this-one.bin", 1, other, object=b"x")
    assert (wrong_key.status, wrong_key.errorCode) == (404, "NoSuchUpload")  # an upload belongs to its key
    assert sdk.abortMultipartUpload(BUCKET, "mp/other.bin", other).status == 204
    assert sdk.abortMultipartUpload(BUCKET, "mp/other.bin", other).errorCode == "NoSuchUpload"
    folder_key = sdk.initiateMultipartUpload(BUCKET, "mp/folder/")
    assert (folder_key.status, folder_key.errorCode) == (400, "InvalidArgument")


def test_the_sdks_upload_file_is_multipart_and_lands_in_the_bucket_folder(obs_local: ObsLocal, tmp_path: Path):
    source = tmp_path / "dataset.bin"
    data = random.Random(5).randbytes(3 * MIN_PART + 123)
    source.write_bytes(data)
    result = obs_local.sdk().uploadFile(BUCKET, "data/dataset.bin", str(source), partSize=MIN_PART, taskNum=3)
    assert result.status == 200
    assert result.body.etag.endswith('-4"')
    assert (obs_local.bucket_dir / "data" / "dataset.bin").read_bytes() == data

    target = tmp_path / "back.bin"
    assert obs_local.sdk().downloadFile(BUCKET, "data/dataset.bin", str(target), partSize=MIN_PART).status == 200
    assert target.read_bytes() == data
