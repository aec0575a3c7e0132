"""Request bodies on the OBS port: streamed into a staged file (never whole in memory), bounded by OBS's size
limit, checked against ``Content-MD5``; small XML bodies read whole; and what is left of a refused body
drained, so that the client reads the error instead of a reset connection."""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Mapping

from starlette.requests import ClientDisconnect, Request

from ..http import call
from . import errors
from .bodies import MAX_REQUEST_XML_BYTES
from .staging import StagedFile

#: Bytes handed to the file in one go (off the event loop).
_WRITE_BATCH = 1024 * 1024
#: How much of a refused body is read and thrown away before answering; beyond it the connection is closed.
_DRAIN_LIMIT = 64 * 1024 * 1024


def expected_md5(headers: Mapping[str, str]) -> bytes | None:
    """The digest ``Content-MD5`` announces (None without one); InvalidDigest unless it is base64 of 16 bytes."""
    value = headers.get("content-md5")
    if value is None:
        return None
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise errors.InvalidDigest(extra={"Content-MD5": value})
    return digest


def check_md5(expected: bytes | None, received: bytes) -> None:
    if expected is not None and expected != received:
        raise errors.BadDigest(
            extra={
                "ExpectedDigest": base64.b64encode(expected).decode(),
                "CalculatedDigest": base64.b64encode(received).decode(),
            }
        )


def too_large(size: int, limit: int) -> errors.ObsError:
    return errors.EntityTooLarge(extra={"ProposedSize": str(size), "MaxSizeAllowed": str(limit)})


async def receive_into(request: Request, staged: StagedFile, limit: int) -> None:
    """The whole body into ``staged``; EntityTooLarge as soon as it (or its ``Content-Length``) exceeds ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(int(declared), limit)
    batch = bytearray()
    async for chunk in request.stream():
        batch += chunk
        if staged.size + len(batch) > limit:
            raise too_large(staged.size + len(batch), limit)
        if len(batch) >= _WRITE_BATCH:
            await call(staged.write, bytes(batch))
            batch.clear()
    if batch:
        await call(staged.write, bytes(batch))


async def read_small(request: Request) -> bytes:
    """A body that is an XML document: read whole, MalformedXML when larger than any such document."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_REQUEST_XML_BYTES:
        raise errors.MalformedXml()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_XML_BYTES:
            raise errors.MalformedXml()
    return bytes(body)


async def drain(request: Request) -> None:
    """Read and drop what is left of a body the answer refused (up to a bound)."""
    received = 0
    with contextlib.suppress(ClientDisconnect, RuntimeError):  # RuntimeError: the body was consumed already
        async for chunk in request.stream():
            received += len(chunk)
            if received > _DRAIN_LIMIT:
                return
