"""What a GET may ask beyond the object: a byte range, conditions on its ETag or date, and header overrides.

- ``Range: bytes=a-b | a- | -n`` (one range): ``206`` with ``Content-Range``; a start at or past the end is
  ``416 InvalidRange``; anything else (several ranges, a malformed one) is ignored, as OBS ignores it: ``200``
  with the whole object.
- ``If-Match`` / ``If-Unmodified-Since`` that fail: ``412 PreconditionFailed``; ``If-None-Match`` /
  ``If-Modified-Since`` that fail: ``304 Not Modified``.
- ``response-content-type`` and the other ``response-*`` query parameters (signed sub-resources) replace the
  answer's headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import unquote

from . import errors
from .bodies import quoted_etag
from .objects import ObjectInfo

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")

#: Query parameter -> the answer header it sets.
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte a ``Range`` header asks for, None for the whole object; InvalidRange if it starts
    at or past the end."""
    match = _RANGE.match(header or "")
    if match is None or not (match.group(1) or match.group(2)):
        return None
    first_text, last_text = match.groups()
    if not first_text:  # the last n bytes
        suffix = int(last_text)
        if suffix == 0:
            raise _unsatisfiable(size)
        return max(0, size - suffix), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None  # not a valid range: ignored
    if first >= size:
        raise _unsatisfiable(size)
    return first, min(int(last_text), size - 1) if last_text else size - 1


def check_conditions(headers: Mapping[str, str], info: ObjectInfo) -> None:
    """PreconditionFailed or NotModified when the request's conditions do not hold for this object."""
    etag = info.etag
    if_match = headers.get("if-match")
    if if_match is not None and not _etag_matches(if_match, etag):
        raise errors.PreconditionFailed(extra={"Condition": "If-Match"})
    since = _date(headers.get("if-unmodified-since"))
    if if_match is None and since is not None and int(info.last_modified) > since:
        raise errors.PreconditionFailed(extra={"Condition": "If-Unmodified-Since"})
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None and _etag_matches(if_none_match, etag):
        raise errors.NotModified(quoted_etag(etag), http_date(info.last_modified))
    since = _date(headers.get("if-modified-since"))
    if if_none_match is None and since is not None and int(info.last_modified) <= since:
        raise errors.NotModified(quoted_etag(etag), http_date(info.last_modified))


def overrides(query: Mapping[str, str | None]) -> dict[str, str]:
    """The answer headers ``response-*`` query parameters set."""
    return {header: value for name, header in RESPONSE_OVERRIDES.items() if (value := query.get(name)) is not None}


def _unsatisfiable(size: int) -> errors.ObsError:
    return errors.InvalidRange(extra={"ActualObjectSize": str(size)})


def _etag_matches(condition: str, etag: str) -> bool:
    # The official SDK %-quotes the header values it builds: '"abc"' arrives as '%22abc%22'.
    wanted = [unquote(item).strip().removeprefix("W/").strip('"') for item in condition.split(",")]
    return "*" in wanted or etag in wanted


def _date(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(parsedate_to_datetime(value).timestamp())
    except (TypeError, ValueError, IndexError):
        return None  # an unreadable date is no condition
