"""When to send a call again: one policy for the transport, the create path and the polls.

What a failure means is on the error (:class:`~modelarts_pulumi.errors.ModelArtsApiError`: gone, not ready,
throttled, transient, maybe processed). This module decides what follows from it, for every caller:

- The transport (:mod:`~modelarts_pulumi.http`) sends a request again when :func:`may_resend` says so: a
  throttled request always (it was refused before anything was done), a server error only when sending twice
  does no harm (GET, PUT, DELETE, or a POST the caller marks idempotent, such as a search or an IAM token).
  A request that never left (connection refused) is sent again whatever its method; one whose answer was lost
  only when it is idempotent. It waits :func:`backoff` (or the answer's ``Retry-After``) and stops after
  ``modelarts:maxRetries`` retries, or when the next wait would pass the call's ``retryBudgetSeconds``.
- A create, which the transport does not send twice after a server error or a lost answer, asks
  :func:`look_up_before_resending`: if the service may have done the work, the object is looked up by name
  and adopted, and the create is only sent again when nothing is there (``providers/create.py``).
- Polls and deletes that outlive the transport's retries (``providers/job_lifecycle.py``) try a transient
  failure (:attr:`~modelarts_pulumi.errors.ModelArtsApiError.is_transient`) again at their next interval.
"""

from __future__ import annotations

import random
import time

from .errors import SERVER_ERROR_STATUSES, THROTTLED_STATUS, ModelArtsApiError, ModelArtsError

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
"""Methods that may be sent twice by default; a call may say otherwise (``idempotent=``)."""
RETRY_STATUSES = SERVER_ERROR_STATUSES | {THROTTLED_STATUS}
"""Answers that may be worth sending the request again for (see :func:`may_resend`)."""

BACKOFF_FACTOR = 0.5
BACKOFF_JITTER = 0.5
BACKOFF_MAX = 10.0


def is_idempotent(method: str, idempotent: bool | None = None) -> bool:
    """Whether sending this call twice does no harm: the caller's word, else the method's."""
    return idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS


def may_resend(status: int, *, idempotent: bool) -> bool:
    """Whether a request answered with ``status`` may be sent again as it is."""
    if status == THROTTLED_STATUS:
        return True  # nothing was done, whatever the method
    return idempotent and status in SERVER_ERROR_STATUSES


def backoff(failures: int) -> float:
    """Seconds to wait after ``failures`` failed attempts: 0.5 s doubling, plus up to 0.5 s of jitter, at most
    10 s; 0 before the first failure."""
    if failures <= 0:
        return 0.0
    return float(min(BACKOFF_MAX, BACKOFF_FACTOR * 2.0 ** (failures - 1) + random.random() * BACKOFF_JITTER))


def look_up_before_resending(error: ModelArtsError) -> bool:
    """Whether a create that failed with ``error`` must be looked up by name, and sent again only if nothing is
    there: the service may have done the work (a server error, a lost answer), or says the name is taken
    (perhaps by an earlier attempt whose answer was lost). Any other failure is final."""
    return isinstance(error, ModelArtsApiError) and (error.maybe_processed or error.is_duplicate_name)


def pause(seconds: float) -> None:
    """Wait before a retry. Module-level so that tests can shorten the waits (or record them)."""
    time.sleep(seconds)
