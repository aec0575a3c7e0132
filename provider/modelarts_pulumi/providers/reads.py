"""Reading one object by ID: for ``read`` (a refresh drops what is gone) and for adopting it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..errors import ModelArtsApiError, ModelArtsError

Found = TypeVar("Found")


def fetch_existing(fetch: Callable[[], Found], *, missing: str) -> Found:
    """The object; if the service says it does not exist, an error saying ``missing``."""
    try:
        return fetch()
    except ModelArtsApiError as exc:
        if exc.is_not_found:
            raise ModelArtsError(missing) from exc
        raise


def fetch_for_read(fetch: Callable[[], Found], *, first_read: bool, missing: str) -> Found | None:
    """The object for ``read``, or None when it is gone, so that a refresh drops it.

    A first read (``Resource.get``, which has never seen the object) of a missing ID fails with ``missing``
    instead: the engine would drop the read resource without a word.
    """
    if first_read:
        return fetch_existing(fetch, missing=missing)
    try:
        return fetch()
    except ModelArtsApiError as exc:
        if exc.is_not_found:
            return None
        raise
