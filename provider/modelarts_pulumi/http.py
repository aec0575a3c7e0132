"""The HTTP transport: one method builds the URL, authenticates, retries and maps errors.

Retries are urllib3's :class:`~urllib3.util.Retry` (mounted through a requests ``HTTPAdapter``), not a loop of
ours, and *whether* to retry is :mod:`~modelarts_pulumi.retry_policy`'s decision. :class:`BudgetRetry` plugs
that policy into urllib3 and adds:

- a time budget per call (``retry_budget_seconds``): a retry whose wait would end past the budget is not made,
  and the last answer is returned (and mapped to an error) instead;
- the idempotency of the *call* rather than of the method alone (``idempotent=True`` for job searches and IAM
  tokens), which the policy needs to tell a safe re-send from a possible duplicate;
- the policy's backoff, and ``Retry-After`` honoured; each retry is logged at DEBUG (logger
  ``modelarts_pulumi.http``) with its attempt number, never with headers.

Counters: :data:`STATS` counts calls, retries (by cause), budget stops and transport errors in this process
(tests and benchmarks read it). ``MODELARTS_PULUMI_LOG=debug`` shows the attempts of every call (see
:mod:`~modelarts_pulumi.log`).

The call's policy reaches the Retry object through a context variable set around the call
(:func:`call_policy`): urllib3 runs the whole retry loop in the calling thread, inside ``requests.Session.send``.

Failures: any non-2xx answer (and a 204 that carries an error code, as ModelArts' "not ready" 2776/2777 do)
raises :class:`~modelarts_pulumi.errors.ModelArtsApiError`; no answer at all raises
:class:`~modelarts_pulumi.errors.ModelArtsTransportError` (a subclass with status 0).
"""

from __future__ import annotations

import json as jsonlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from importlib import metadata
from itertools import takewhile
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import InvalidHeader, MaxRetryError, ProtocolError, ReadTimeoutError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from . import retry_policy
from .auth import Identity
from .errors import ERROR_CODE_HEADER, ModelArtsTransportError, api_error_from_response, parse_error_body
from .log import log_to_stderr_if_asked
from .settings import CONCURRENT_CALLS, Settings

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self is Python 3.11+

logger = logging.getLogger("modelarts_pulumi.http")

STATS: Counter[str] = Counter()
"""What the transport did in this process: ``calls``, ``retries``, ``retries.<cause>`` (``HTTP 503``,
``ProtocolError``, ...), ``budget_spent`` (a retry not made because of the time budget) and
``transport_errors`` (calls that got no answer at all). Updated under a lock; tests may ``clear()`` it."""
_stats_lock = threading.Lock()


def _count(*keys: str) -> None:
    with _stats_lock:
        for key in keys:
            STATS[key] += 1


log_to_stderr_if_asked()


def _user_agent() -> str:
    # Not `from . import __version__`: the package __init__ imports this module before defining it.
    try:
        return f"modelarts-pulumi/{metadata.version('modelarts-pulumi')}"
    except metadata.PackageNotFoundError:
        return "modelarts-pulumi"


USER_AGENT = _user_agent()


@dataclass(frozen=True)
class _CallPolicy:
    idempotent: bool
    started: float  # time.monotonic() when the call began


_policy: ContextVar[_CallPolicy | None] = ContextVar("modelarts_call_policy", default=None)


@contextmanager
def call_policy(idempotent: bool) -> Iterator[_CallPolicy]:
    """Around one call through a session mounted with :func:`build_retry`: whether it is idempotent, and when
    its retry budget started."""
    policy = _CallPolicy(idempotent=idempotent, started=time.monotonic())
    reset = _policy.set(policy)
    try:
        yield policy
    finally:
        _policy.reset(reset)


class BudgetRetry(Retry):
    """urllib3 Retry bounded by a time budget per call, with the call's idempotency rule (see module doc)."""

    def __init__(self, *args: Any, budget_seconds: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget_seconds = budget_seconds
        self.planned_sleep = 0.0

    def new(self, **kw: Any) -> Self:
        kw.setdefault("budget_seconds", self.budget_seconds)
        return super().new(**kw)

    def _is_method_retryable(self, method: str) -> bool:
        # urllib3 asks this after a read error (the request was sent): only an idempotent call may go again.
        policy = _policy.get()
        return policy.idempotent if policy is not None else retry_policy.is_idempotent(method)

    def is_retry(self, method: str, status_code: int, _has_retry_after: bool = False) -> bool:
        # Retry-After decides how long to wait (increment()), never whether to send again.
        return retry_policy.may_resend(status_code, idempotent=self._is_method_retryable(method))

    def get_backoff_time(self) -> float:
        failures = len(list(takewhile(lambda h: h.redirect_location is None, reversed(self.history))))
        return retry_policy.backoff(failures)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        # The base class counts and raises MaxRetryError when out of retries or the method may not retry.
        nxt = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = nxt.get_backoff_time()
        if response is not None and self.respect_retry_after_header:
            try:
                retry_after = nxt.get_retry_after(response)
            except InvalidHeader:
                retry_after = None
            if retry_after is not None:
                wait = retry_after
        attempt = len(nxt.history)
        cause = f"HTTP {response.status}" if response is not None else type(error).__name__
        policy = _policy.get()
        if policy is not None and self.budget_seconds is not None:
            elapsed = time.monotonic() - policy.started
            if elapsed + wait > self.budget_seconds:
                logger.debug(
                    "%s %s: attempt %d failed (%s); no retry: waiting %.1fs would pass the %.0fs budget",
                    method,
                    url,
                    attempt,
                    cause,
                    wait,
                    self.budget_seconds,
                )
                _count("budget_spent")
                reason = error or ResponseError(f"retry budget of {self.budget_seconds:g}s spent ({cause})")
                raise MaxRetryError(_pool, url, reason) from reason  # type: ignore[arg-type]
        _count("retries", f"retries.{cause}")
        logger.debug("%s %s: attempt %d failed (%s); retrying in %.2fs", method, url, attempt, cause, wait)
        nxt.planned_sleep = wait
        return nxt

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        # increment() already chose the wait (Retry-After or backoff) and checked it against the budget.
        if self.planned_sleep > 0:
            retry_policy.pause(self.planned_sleep)


def build_retry(settings: Settings) -> BudgetRetry:
    """The retry policy for these settings; a last retryable answer is returned, so its body gets mapped."""
    return BudgetRetry(
        total=settings.max_retries,
        connect=settings.max_retries,
        read=settings.max_retries,
        status=settings.max_retries,
        other=0,  # TLS and proxy failures do not heal by retrying
        redirect=False,
        allowed_methods=retry_policy.IDEMPOTENT_METHODS,
        status_forcelist=retry_policy.RETRY_STATUSES,
        backoff_factor=retry_policy.BACKOFF_FACTOR,
        backoff_jitter=retry_policy.BACKOFF_JITTER,
        backoff_max=retry_policy.BACKOFF_MAX,
        respect_retry_after_header=True,
        raise_on_status=False,
        budget_seconds=settings.retry_budget_seconds,
    )


def _query(params: Mapping[str, Any] | None) -> list[tuple[str, str]] | None:
    """Query pairs as ModelArts expects them: lists repeated, booleans ``true``/``false``, None dropped."""
    if not params:
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else (value,):
            if item is None:
                continue
            pairs.append((key, ("true" if item else "false") if isinstance(item, bool) else str(item)))
    return pairs


def _transport_error(exc: requests.RequestException, method: str, url: str) -> ModelArtsTransportError:
    # Could the request have reached the service? Not if the connection never opened.
    exceptions = requests.exceptions
    maybe_processed = isinstance(exc, exceptions.ReadTimeout | exceptions.ChunkedEncodingError)
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError
    ):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        maybe_processed = isinstance(reason, ProtocolError | ReadTimeoutError)
    return ModelArtsTransportError(
        type(exc).__name__, str(exc), method=method, url=url, maybe_processed=maybe_processed
    )


def raise_for_answer(response: requests.Response) -> None:
    """Raise ``ModelArtsApiError`` for a non-2xx answer, or a 204 that carries an error code.

    ModelArts answers "not ready yet" (logs, metrics) with a 204 and an error object; HTTP clients never read a
    204's body, so the local ModelArts puts the code in ``X-Error-Code`` instead.
    """
    request = response.request
    method = request.method or ""
    url = request.url or response.url
    status = response.status_code
    if status == 204 and (response.headers.get(ERROR_CODE_HEADER) or parse_error_body(response.text)[0]):
        raise api_error_from_response(status, response.text, response.headers, method=method, url=url)
    if not 200 <= status < 300:
        raise api_error_from_response(status, response.text, response.headers, method=method, url=url)


class ApiSession:
    """Authenticated, retrying HTTP access to one ModelArts project (and to IAM for tokens and project ids).

    Thread-safe: the dynamic provider's worker threads may share one instance. Nothing touches the network
    until the first call (or the first :attr:`project_id`). A ``session`` passed in is configured in place
    (retrying adapters for http/https, default headers, no cookies).
    """

    def __init__(self, settings: Settings, *, session: requests.Session | None = None) -> None:
        self.settings = settings
        self._session = session or requests.Session()
        adapter = HTTPAdapter(max_retries=build_retry(settings), pool_maxsize=CONCURRENT_CALLS)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        # Every header present is signed: keep the set small and end-to-end (no hop-by-hop Connection).
        self._session.headers.pop("Connection", None)
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["Accept"] = "application/json"
        self._session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # stateless: no cookies

        self.identity = Identity(settings, self.send)

    @property
    def project_id(self) -> str:
        """The settings' project id, or the one IAM gives for the region (looked up once, then cached)."""
        return self.identity.project_id

    # --- calls ---------------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Call ModelArts: ``path`` is absolute on the endpoint (``/v2/{project_id}/...``), already URL-safe.

        ``idempotent`` overrides the method's default (True for GET/PUT/DELETE/HEAD, False for POST): only
        idempotent calls are retried after a read error or a 429/5xx answer.
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        return self.send(
            method,
            self.settings.modelarts_endpoint + path,
            auth=self.identity.modelarts_auth(),
            params=params,
            json=json,
            headers=headers,
            idempotent=idempotent,
        )

    def send(
        self,
        method: str,
        url: str,
        *,
        auth: AuthBase | None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """The one place that performs HTTP: TLS, timeout, retries and error mapping, for any absolute URL."""
        method = method.upper()
        all_headers: dict[str, str] = {}
        data: bytes | None = None
        if json is not None:
            # Serialised here so the signed bytes are exactly the sent bytes; the SDK's content type.
            data = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            all_headers["Content-Type"] = "application/json;charset=UTF-8"
        all_headers.update(headers or {})
        _count("calls")
        with call_policy(retry_policy.is_idempotent(method, idempotent)) as policy:
            response = self._request(policy, method, url, params, data, all_headers, auth)
        retried = getattr(getattr(response.raw, "retries", None), "history", ())
        logger.debug(
            "%s %s -> %d in %.2fs (attempt %d)",
            method,
            urlsplit(url).path,
            response.status_code,
            time.monotonic() - policy.started,
            len(retried) + 1,
        )
        raise_for_answer(response)
        return response

    def _request(
        self,
        policy: _CallPolicy,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: bytes | None,
        headers: Mapping[str, str],
        auth: AuthBase | None,
    ) -> requests.Response:
        try:
            return self._session.request(
                method,
                url,
                params=_query(params),
                data=data,
                headers=headers,
                auth=auth,
                timeout=self.settings.timeout_seconds,
                verify=self.settings.verify,
                allow_redirects=False,  # a redirect would invalidate the signature; report it instead
            )
        except requests.RequestException as exc:
            _count("transport_errors")
            logger.debug(
                "%s %s: no answer (%s) after %.2fs", method, urlsplit(url).path, exc, time.monotonic() - policy.started
            )
            raise _transport_error(exc, method, url) from exc

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ApiSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["STATS", "USER_AGENT", "ApiSession", "BudgetRetry", "build_retry", "call_policy", "raise_for_answer"]
