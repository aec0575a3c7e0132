"""Creating without duplicates.

ModelArts' POSTs take no idempotency key, so a create whose answer was lost (timeout, reset connection, 5xx
after the work was done) must not simply be sent again. Before and after every ambiguous attempt we look the
object up by its name and adopt it when it is what we asked for. The same lookup makes an ``up`` that was
killed between the create call and the state write converge on the next run instead of failing or making a
twin.

Throttling (429) is retried by the transport itself, after ``Retry-After``: nothing was done, so sending again
is safe. What reaches this loop is what the transport may not retry for a POST: a 5xx or a lost answer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import requests

from ..errors import ModelArtsApiError, ModelArtsConfigError, ModelArtsError
from .common import progress

T = TypeVar("T")

MAX_ATTEMPTS = 8
"""POSTs at most per create; the backoff between them adds up to half a minute at most."""


def _sleep(seconds: float) -> None:
    # Module-level so tests can shorten the waits.
    time.sleep(seconds)


def create_once(
    *,
    kind: str,
    name: str,
    post: Callable[[], T],
    find: Callable[[], T | None],
    matches: Callable[[T], bool],
    duplicate_codes: tuple[str, ...],
    describe: Callable[[T], str] = lambda found: "",
) -> T:
    """POST once in effect: adopt a matching object of the same name, refuse a different one."""

    def adopt_or_refuse(found: T) -> T:
        if matches(found):
            progress(f"adopting the existing {kind} {name!r} {describe(found)}".rstrip())
            return found
        raise ModelArtsError(
            f"a {kind} named {name!r} already exists {describe(found)} with a different specification; "
            f"delete it, choose another name, or take it over with adopt_id"
        )

    existing = find()
    if existing is not None:
        return adopt_or_refuse(existing)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return post()
        except (ModelArtsError, requests.RequestException) as exc:
            status = getattr(exc, "status", 0) or 0
            code = getattr(exc, "error_code", "") or ""
            if isinstance(exc, ModelArtsConfigError) or attempt == MAX_ATTEMPTS:
                raise
            if status == 429:
                # Throttled before the service did anything: sending again cannot duplicate.
                progress(f"create {kind} {name!r}: throttled, retrying (attempt {attempt})")
            elif code in duplicate_codes or status == 0 or status >= 500:
                # The service may have done the work: look before sending again.
                found = find()
                if found is not None:
                    return adopt_or_refuse(found)
                if code in duplicate_codes:
                    raise
                what = f"HTTP {status} {code}" if status else f"no answer ({code or type(exc).__name__})"
                progress(f"create {kind} {name!r}: {what}; nothing was created, retrying (attempt {attempt})")
            elif isinstance(exc, ModelArtsApiError) or not isinstance(exc, requests.RequestException):
                raise
            _sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))
    raise AssertionError("unreachable")
