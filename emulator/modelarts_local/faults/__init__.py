"""Fault injection: the local ModelArts misbehaves on demand, the way a cloud API does.

A real API throttles, fails, is slow, resets connections, and sometimes does the work but never answers.
This package makes the local server do all of that at configurable rates, so that client retries and
"create without duplicates" logic are tested rather than hoped for, on every port it serves:

- ``config.py``: the configuration below, checked (``parse_faults``);
- ``injector.py``: :class:`FaultInjector`, the configuration in force, the random draw and the counters;
- ``middleware.py``: :class:`FaultMiddleware`, installed by ``app.py`` right after the request id; it
  asks the injector and answers in the port's own error vocabulary (:class:`FaultAnswers`);
- ``connection.py``: breaking the TCP connection (reset, drop).

Failing simulated jobs (``job_outcomes``) is the training service's part: ``training/injected_outcomes.py``.

Configuration: the config-file key ``faults``, or at run time ``PUT /_local/faults`` with the same object
(admin secret required; ``GET`` shows the configuration and the counters, ``DELETE`` turns faults off).
Every key is optional::

    {
      "seed": 42,                 # replay a run: same seed, same sequence of requests -> same faults
      "include_iam": false,       # IAM (/v3/...) calls are fault-free unless this is true
      "count_requests": false,    # count (and date) every request even when no rule or outcome is set
      "rules": [                  # checked in order; the first rule that injects a fault wins
        {
          "methods": ["POST"],                    # default: every method
          "paths": ["/v2/*/training-jobs"],       # shell-style globs on the path; default: every path
          "queries": ["uploads"],                 # globs on the raw query string; default: any
          "ports": ["obs"],                       # "main" and/or "obs"; default: both
          "throttle_rate": 0.1,                   # 429, with Retry-After
          "throttle_codes": ["APIGW.0308", "ModelArts.2799"],
          "retry_after_seconds": 1,
          "error_rate": 0.2,                      # 5xx
          "error_statuses": [500, 502, 503],
          "reset_rate": 0.0,                      # connection reset (RST) before the request is handled
          "drop_rate": 0.05,                      # handled and committed, then closed without an answer
          "token_expiry_rate": 0.0,               # token requests answered 401 APIGW.0301 "token expires"
          "truncate_rate": 0.0,                   # a successful answer's body cut short, then the connection closed
          "truncate_after_bytes": 0,              # ... after this many body bytes
          "latency_rate": 0.0,                    # extra delay before handling (combines with the rest)
          "latency_seconds": [0.05, 0.5],         # a number, or [min, max] drawn uniformly
          "max_faults": null                      # the rule goes quiet after injecting this many faults
        }
      ],
      "job_outcomes": [           # simulated jobs whose name matches end Failed / Abnormal
        {"name": "flaky-*", "phase": "Failed", "rate": 1.0, "after_seconds": 0, "exit_code": 1,
         "message": "injected failure"}
      ]
    }

The sum of a rule's throttle, error, reset, drop, token-expiry and truncate rates must not exceed 1: one
number is drawn per request and rule, and it picks at most one of them. ``/_local/*`` is never faulted.
On the OBS port, ``paths`` see ``/<bucket>/<key>`` in either addressing style (the bucket of a virtual-host
request is put in front), and the query names the operation (``uploads``, ``*uploadId=*``, ``delete``).

What each fault looks like on the wire:

- throttle: 429 with ``Retry-After: <retry_after_seconds>``, either the gateway's ``APIGW.0308`` "The
  throttling threshold has been reached: policy user over ratelimit,limit:N,time:1 minute" (with
  ``request_id``, as gateway errors carry it) or the service's ``ModelArts.2799`` "services too many
  requests"; which one is drawn among ``throttle_codes``;
- error: 500 ``ModelArts.2950`` "Unknown error" (the service's catch-all), 502 ``APIG.0202`` "Backend
  unavailable" and 504 ``APIG.0203`` "Backend timeout" (the API gateway's table), 503 a load balancer's
  HTML page without any error code (clients must fall back to the status);
- reset: the TCP connection is aborted with RST before the handler runs: nothing was done, but the client
  cannot know that;
- drop: the handler runs to the end (the create is committed), its answer is discarded and the connection
  closed (FIN) without a byte of response: the client sees "connection closed without response";
- token_expiry: 401 ``APIGW.0301`` "Incorrect IAM authentication information: token expires", only for
  requests that carry ``X-Auth-Token`` (AK/SK-signed requests have no token to expire);
- truncate: the handler runs to the end; a 2xx answer goes out with its full headers (``Content-Length``
  included) but only ``truncate_after_bytes`` of its body, then the connection is closed (FIN): a download
  cut off mid-way; error answers go out whole;
- latency: ``asyncio.sleep`` before the request goes on.

That is the ModelArts port (and IAM's, with ``include_iam``). The OBS port answers in OBS's XML instead:
throttle as 503 ``SlowDown`` (OBS's throttling answer; no ``Retry-After``), 5xx as ``InternalError`` /
``ServiceUnavailable`` (``obs/errors.py``).

Replay: the decision for a request is drawn from a generator seeded by (seed, rule, method, normalised
path, how many such requests came before), so it does not depend on how requests to *other* endpoints
interleave. With ``"seed": null`` (the default) a seed is chosen and reported by ``GET /_local/faults``.
"""

from .config import FaultConfig, FaultConfigError, FaultRule, JobOutcomeRule, parse_faults
from .connection import ConnectionDropped, capture_connection
from .injector import KINDS, Decision, FaultInjector
from .middleware import FaultAnswers, FaultMiddleware

__all__ = [
    "KINDS",
    "ConnectionDropped",
    "Decision",
    "FaultAnswers",
    "FaultConfig",
    "FaultConfigError",
    "FaultInjector",
    "FaultMiddleware",
    "FaultRule",
    "JobOutcomeRule",
    "capture_connection",
    "parse_faults",
]
