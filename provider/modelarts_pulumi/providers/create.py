"""Creating without duplicates.

ModelArts' POSTs take no idempotency key, so a create whose answer was lost (timeout, reset connection, 5xx
after the work was done) must not simply be sent again. The object is looked up by its name first, and again
after every failure that may have done the work; it is adopted when it is what we asked for. The same lookup
makes an ``up`` that was killed between the create call and the state write converge on the next run instead
of failing or making a twin.

Which failures those are, and how long to wait before sending again, is the retry policy's to say
(:mod:`~modelarts_pulumi.retry_policy`): the transport has already retried what it safely could (a throttled
create, a connection that never opened), so anything else ends the create.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .. import retry_policy
from ..errors import ModelArtsApiError, ModelArtsError
from .progress import progress

T = TypeVar("T")


def create_once(
    *,
    kind: str,
    name: str,
    post: Callable[[], T],
    find: Callable[[], T | None],
    matches: Callable[[T], bool],
    resends: int,
    describe: Callable[[T], str] = lambda found: "",
) -> T:
    """POST once in effect: adopt a matching object of the same name, refuse a different one. After a failure
    that may have done the work and a lookup that found nothing, the POST is sent again, ``resends`` times at
    most (``modelarts:maxRetries``)."""

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
    for attempt in range(1, resends + 2):
        try:
            return post()
        except ModelArtsApiError as exc:
            if not retry_policy.look_up_before_resending(exc):
                raise
            found = find()
            if found is not None:
                return adopt_or_refuse(found)
            if exc.is_duplicate_name or attempt > resends:
                raise
            what = f"HTTP {exc.status} {exc.error_code}" if exc.status else f"no answer ({exc.error_code})"
            progress(f"create {kind} {name!r}: {what}; nothing was created, retrying (attempt {attempt})")
            retry_policy.pause(retry_policy.backoff(attempt))
    raise AssertionError("unreachable")
