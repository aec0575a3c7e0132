"""Errors that read well in ``pulumi up``. The dynamic-provider server reports a failed operation as
``traceback.format_exc()`` (``_abort_with_traceback`` in ``pulumi/dynamic/__main__.py``): the traceback first,
the message last, and the engine's progress line shows only the first line, ``Traceback (most recent call
last):``.

So an operation that fails with one of our errors (a job that failed, an API error, a settings problem: the
failures a user must act on) raises a short :class:`OperationFailed` *from* that error, stripped of its
traceback. ``format_exc`` then prints the error's own message first, whole (the job's phase, exit code and log
tail), and after it a traceback of three frames (the server's two and the operation's), ending with a line
that points back up. Any other exception is a bug, and keeps its full traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import ModelArtsError

Operation = TypeVar("Operation", bound=Callable[..., Any])


class OperationFailed(Exception):
    """The last line of a failed operation's error: which operation, and that the reason is above."""


def readable_errors(what: str) -> Callable[[Operation], Operation]:
    """Decorate a provider operation (``check``, ``create``, ...) of ``what`` (``training job``)."""

    def decorate(operation: Operation) -> Operation:
        @functools.wraps(operation)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return operation(*args, **kwargs)
            except ModelArtsError as exc:
                raise OperationFailed(
                    f"{operation.__name__} of the {what} failed: the error above says why"
                ) from _alone(exc)

        return run  # type: ignore[return-value]

    return decorate


def _alone(error: ModelArtsError) -> ModelArtsError:
    """The error without its traceback and the chain behind it: printed, it is its message alone."""
    error.__traceback__ = None
    error.__cause__ = None
    error.__context__ = None
    error.__suppress_context__ = True
    return error
