"""Reading an object for ``read``: a refresh drops what is gone, a first read by ID reports it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..errors import ModelArtsApiError, ModelArtsError

Found = TypeVar("Found")


def fetch_for_read(fetch: Callable[[], Found], *, first_read: bool, missing: str) -> Found | None:
    """The object for ``read``, or None when it is gone, so that a refresh drops it.

    A first read (``Resource.get``, which has never seen the object) of a missing ID fails with ``missing``
    instead: the engine would drop the read resource without a word.
    """
    try:
        return fetch()
    except ModelArtsApiError as exc:
        if not exc.is_not_found:
            raise
        if first_read:
            raise ModelArtsError(missing) from exc
        return None
