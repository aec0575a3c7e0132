"""Fault injection: the local ModelArts misbehaves on demand, the way a cloud API does.

A real API throttles, fails, is slow, resets connections, and sometimes does the work but never answers.
This module makes the local server do all of that at configurable rates, so that client retries and
"create without duplicates" logic are tested rather than hoped for. It is one ASGI middleware
(:class:`FaultMiddleware`, installed by ``app.create_app`` right after the request id and before the
routing) and one :class:`FaultInjector` that holds the configuration, the random source and the counters.

Configuration: the config-file key ``faults``, or at run time ``PUT /_local/faults`` with the same object
(admin secret required; ``GET`` shows the configuration and the counters, ``DELETE`` turns faults off).
Every key is optional::

    {
      "seed": 42,                 # replay a run: same seed, same sequence of requests -> same faults
      "include_iam": false,       # IAM (/v3/...) calls are fault-free unless this is true
      "rules": [                  # checked in order; the first rule that injects a fault wins
        {
          "methods": ["POST"],                    # default: every method
          "paths": ["/v2/*/training-jobs"],       # shell-style globs on the path; default: every path
          "throttle_rate": 0.1,                   # 429, with Retry-After
          "throttle_codes": ["APIGW.0308", "ModelArts.2799"],
          "retry_after_seconds": 1,
          "error_rate": 0.2,                      # 5xx
          "error_statuses": [500, 502, 503],
          "reset_rate": 0.0,                      # connection reset (RST) before the request is handled
          "drop_rate": 0.05,                      # handled and committed, then closed without an answer
          "token_expiry_rate": 0.0,               # token requests answered 401 APIGW.0301 "token expires"
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

The sum of a rule's throttle, error, reset, drop and token-expiry rates must not exceed 1: one number is
drawn per request and rule, and it picks at most one of them. ``/_local/*`` is never faulted.

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
- latency: ``asyncio.sleep`` before the request goes on.

Reset and drop need the connection itself, which ASGI does not expose: uvicorn's ``send`` callable is a
bound method of its request/response cycle, which holds the asyncio transport. ``app.py`` captures it
(:func:`capture_connection`) before Starlette wraps ``send``. Under a server that does not expose it (the
test client), a reset or drop raises :class:`ConnectionDropped` instead.

Replay: the decision for a request is drawn from a generator seeded by (seed, rule, method, normalised
path, how many such requests came before), so it does not depend on how requests to *other* endpoints
interleave. With ``"seed": null`` (the default) a seed is chosen and reported by ``GET /_local/faults``.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("modelarts_local.faults")

KINDS = ("throttle", "error", "reset", "drop", "token_expiry", "latency", "job_outcome")
"""Every kind of fault, as counted by ``GET /_local/faults``."""

THROTTLE_CODES = ("APIGW.0308", "ModelArts.2799")
ERROR_STATUSES = (500, 502, 503, 504)
JOB_OUTCOME_PHASES = ("Failed", "Abnormal")
CONNECTION_KEY = "modelarts_local.connection"
_REQUEST_ID_KEY = "modelarts_local.request_id"  # set by middleware.RequestIdMiddleware

_RATE_KEYS = ("throttle_rate", "error_rate", "reset_rate", "drop_rate", "token_expiry_rate")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


class FaultConfigError(ValueError):
    """The fault configuration is invalid; the message names the key."""


class ConnectionDropped(Exception):
    """A reset or drop under a server whose connection cannot be reached (e.g. Starlette's test client)."""


# --- configuration ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultRule:
    """Which requests (methods, path globs) get which faults, at which rates."""

    methods: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    throttle_rate: float = 0.0
    throttle_codes: tuple[str, ...] = THROTTLE_CODES
    retry_after_seconds: int = 1
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    reset_rate: float = 0.0
    drop_rate: float = 0.0
    token_expiry_rate: float = 0.0
    latency_rate: float = 0.0
    latency_seconds: tuple[float, float] = (0.05, 0.5)
    max_faults: int | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return not self.paths or any(fnmatch.fnmatchcase(path, pattern) for pattern in self.paths)


@dataclass(frozen=True)
class JobOutcomeRule:
    """Simulated jobs whose name matches ``name`` (a glob) end ``phase``, with probability ``rate``."""

    name: str = "*"
    phase: str = "Failed"
    rate: float = 1.0
    after_seconds: float = 0.0
    exit_code: int = 1
    message: str = "injected failure (local ModelArts fault injection)"


@dataclass(frozen=True)
class FaultConfig:
    """The whole fault configuration; the default injects nothing."""

    seed: int | None = None
    include_iam: bool = False
    rules: tuple[FaultRule, ...] = ()
    job_outcomes: tuple[JobOutcomeRule, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.rules or self.job_outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "include_iam": self.include_iam,
            "rules": [_jsonable(asdict(rule)) for rule in self.rules],
            "job_outcomes": [asdict(rule) for rule in self.job_outcomes],
        }


def parse_faults(raw: Any) -> FaultConfig:
    """Validate the ``faults`` object (config file or admin PUT body); raises FaultConfigError."""
    if raw is None:
        return FaultConfig()
    if not isinstance(raw, Mapping):
        raise FaultConfigError("faults must be an object")
    _no_unknown(raw, {"seed", "include_iam", "rules", "job_outcomes"}, "faults")
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise FaultConfigError("faults.seed must be an integer or null")
    include_iam = raw.get("include_iam", False)
    if not isinstance(include_iam, bool):
        raise FaultConfigError("faults.include_iam must be true or false")
    rules = tuple(_rule(item, f"faults.rules[{i}]") for i, item in enumerate(_items(raw, "rules")))
    outcomes = tuple(
        _outcome_rule(item, f"faults.job_outcomes[{i}]") for i, item in enumerate(_items(raw, "job_outcomes"))
    )
    return FaultConfig(seed=seed, include_iam=include_iam, rules=rules, job_outcomes=outcomes)


def _rule(raw: Any, where: str) -> FaultRule:
    if not isinstance(raw, Mapping):
        raise FaultConfigError(f"{where} must be an object")
    known = set(FaultRule.__dataclass_fields__)
    _no_unknown(raw, known, where)
    values: dict[str, Any] = {}
    if "methods" in raw:
        methods = _strings(raw["methods"], f"{where}.methods")
        values["methods"] = tuple(m.upper() for m in methods)
    if "paths" in raw:
        values["paths"] = _strings(raw["paths"], f"{where}.paths")
    for key in (*_RATE_KEYS, "latency_rate"):
        if key in raw:
            values[key] = _rate(raw[key], f"{where}.{key}")
    total = sum(values.get(key, 0.0) for key in _RATE_KEYS)
    if total > 1.0 + 1e-9:
        raise FaultConfigError(f"{where}: {' + '.join(_RATE_KEYS)} add up to {total:g}, more than 1")
    if "throttle_codes" in raw:
        codes = _strings(raw["throttle_codes"], f"{where}.throttle_codes")
        bad = [code for code in codes if code not in THROTTLE_CODES]
        if bad or not codes:
            raise FaultConfigError(f"{where}.throttle_codes: choose among {', '.join(THROTTLE_CODES)}")
        values["throttle_codes"] = codes
    if "error_statuses" in raw:
        statuses = raw["error_statuses"]
        if (
            not isinstance(statuses, list)
            or not statuses
            or any(isinstance(s, bool) or s not in ERROR_STATUSES for s in statuses)
        ):
            raise FaultConfigError(f"{where}.error_statuses: a non-empty list among {list(ERROR_STATUSES)}")
        values["error_statuses"] = tuple(statuses)
    if "retry_after_seconds" in raw:
        values["retry_after_seconds"] = _int(raw["retry_after_seconds"], f"{where}.retry_after_seconds", minimum=0)
    if "latency_seconds" in raw:
        value = raw["latency_seconds"]
        if isinstance(value, list) and len(value) == 2:
            low = _number(value[0], f"{where}.latency_seconds[0]")
            high = _number(value[1], f"{where}.latency_seconds[1]")
            if high < low:
                raise FaultConfigError(f"{where}.latency_seconds: [min, max] with min <= max")
            values["latency_seconds"] = (low, high)
        else:
            seconds = _number(value, f"{where}.latency_seconds")
            values["latency_seconds"] = (seconds, seconds)
    if raw.get("max_faults") is not None:
        values["max_faults"] = _int(raw["max_faults"], f"{where}.max_faults", minimum=1)
    return FaultRule(**values)


def _outcome_rule(raw: Any, where: str) -> JobOutcomeRule:
    if not isinstance(raw, Mapping):
        raise FaultConfigError(f"{where} must be an object")
    _no_unknown(raw, set(JobOutcomeRule.__dataclass_fields__), where)
    values: dict[str, Any] = {}
    if "name" in raw:
        values["name"] = _strings([raw["name"]], f"{where}.name")[0]
    if "phase" in raw:
        if raw["phase"] not in JOB_OUTCOME_PHASES:
            raise FaultConfigError(f"{where}.phase must be one of {', '.join(JOB_OUTCOME_PHASES)}")
        values["phase"] = raw["phase"]
    if "rate" in raw:
        values["rate"] = _rate(raw["rate"], f"{where}.rate")
    if "after_seconds" in raw:
        values["after_seconds"] = _number(raw["after_seconds"], f"{where}.after_seconds")
    if "exit_code" in raw:
        values["exit_code"] = _int(raw["exit_code"], f"{where}.exit_code", minimum=None)
    if "message" in raw:
        values["message"] = _strings([raw["message"]], f"{where}.message")[0]
    return JobOutcomeRule(**values)


def _no_unknown(raw: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise FaultConfigError(f"unknown key(s) in {where}: {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def _items(raw: Mapping[str, Any], key: str) -> list[Any]:
    value = raw.get(key) or []
    if not isinstance(value, list):
        raise FaultConfigError(f"faults.{key} must be a list")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise FaultConfigError(f"{where} must be a list of non-empty strings")
    return tuple(value)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise FaultConfigError(f"{where} must be a number >= 0")
    return float(value)


def _rate(value: Any, where: str) -> float:
    number = _number(value, where)
    if number > 1:
        raise FaultConfigError(f"{where} must be between 0 and 1")
    return number


def _int(value: Any, where: str, *, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        raise FaultConfigError(f"{where} must be an integer" + (f" >= {minimum}" if minimum is not None else ""))
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# --- decisions and counters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What to do with one request: an optional delay, then at most one fault."""

    kind: str | None = None  # throttle | error | reset | drop | token_expiry
    latency: float = 0.0
    status: int = 0  # for error
    code: str = ""  # for throttle
    retry_after: int = 0


@dataclass
class _State:
    config: FaultConfig
    seed: int
    counters: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    sequence: Counter[str] = field(default_factory=Counter)
    rule_faults: Counter[int] = field(default_factory=Counter)
    since: float = field(default_factory=time.time)


class FaultInjector:
    """The current fault configuration, its random source and the counters of what was injected.

    Thread-safe: the admin API replaces the configuration while requests are being decided.
    """

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._state = self._fresh(config or FaultConfig())
        self._pending: set[asyncio.Task[None]] = set()
        if self._state.config.active:
            log.warning("fault injection on (seed %d): %s", self._state.seed, json.dumps(self._state.config.to_dict()))

    @staticmethod
    def _fresh(config: FaultConfig) -> _State:
        seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**31)
        return _State(config=config, seed=seed)

    @property
    def config(self) -> FaultConfig:
        return self._state.config

    def configure(self, config: FaultConfig) -> None:
        """Replace the configuration; counters and sequences start again from zero."""
        with self._lock:
            self._state = self._fresh(config)
        log.warning("fault injection %s (seed %d)", "configured" if config.active else "off", self._state.seed)

    def disable(self) -> None:
        """No more faults; the counters so far stay readable."""
        with self._lock:
            self._state.config = FaultConfig(seed=self._state.seed)

    def snapshot(self) -> dict[str, Any]:
        """``GET /_local/faults``: the configuration (with the seed in use) and the counters."""
        with self._lock:
            state = self._state
            config = state.config.to_dict()
            config["seed"] = state.seed
            return {
                "enabled": state.config.active,
                "config": config,
                "seed": state.seed,
                "since": state.since,
                "counters": {kind: state.counters.get(kind, 0) for kind in KINDS},
                "by_detail": {k: v for k, v in sorted(state.counters.items()) if k not in KINDS},
                "requests": dict(sorted(state.requests.items())),
            }

    def count(self, kind: str, detail: str | None = None) -> None:
        with self._lock:
            self._state.counters[kind] += 1
            if detail:
                self._state.counters[detail] += 1

    def decide(self, method: str, path: str, *, has_token: bool) -> Decision:
        """Draw the fault (if any) for one request; counts the request and the fault."""
        if path.startswith("/_local/"):
            return Decision()
        with self._lock:
            state = self._state
            config = state.config
            key = f"{method} {_normalise(path)}"
            state.requests[key] += 1
            if not config.rules or (path.startswith("/v3/") and not config.include_iam):
                return Decision()
            n = state.sequence[key]
            state.sequence[key] += 1
            latency = 0.0
            for index, rule in enumerate(config.rules):
                if not rule.matches(method, path):
                    continue
                if rule.max_faults is not None and state.rule_faults[index] >= rule.max_faults:
                    continue
                rng = random.Random(f"{state.seed}/{index}/{key}/{n}")
                if rule.latency_rate and rng.random() < rule.latency_rate:
                    low, high = rule.latency_seconds
                    latency = max(latency, rng.uniform(low, high))
                decision = self._draw(rule, rng, has_token=has_token)
                if decision is not None:
                    state.rule_faults[index] += 1
                    state.counters[decision.kind or ""] += 1
                    if decision.status:
                        state.counters[f"{decision.kind}.{decision.status}"] += 1
                    if decision.code:
                        state.counters[f"{decision.kind}.{decision.code}"] += 1
                    if latency:
                        state.counters["latency"] += 1
                    return Decision(decision.kind, latency, decision.status, decision.code, decision.retry_after)
            if latency:
                state.counters["latency"] += 1
            return Decision(latency=latency)

    @staticmethod
    def _draw(rule: FaultRule, rng: random.Random, *, has_token: bool) -> Decision | None:
        u = rng.random()
        edge = 0.0
        for kind, rate in (
            ("throttle", rule.throttle_rate),
            ("error", rule.error_rate),
            ("reset", rule.reset_rate),
            ("drop", rule.drop_rate),
            ("token_expiry", rule.token_expiry_rate if has_token else 0.0),
        ):
            edge += rate
            if rate and u < edge:
                if kind == "throttle":
                    return Decision(kind, code=rng.choice(rule.throttle_codes), retry_after=rule.retry_after_seconds)
                if kind == "error":
                    return Decision(kind, status=rng.choice(rule.error_statuses))
                return Decision(kind)
        return None

    # --- simulated job outcomes ---------------------------------------------------------------------------

    def outcome_for(self, job_name: str, job_id: str) -> JobOutcomeRule | None:
        """The outcome rule (if any) that picks this new job."""
        with self._lock:
            state = self._state
            for index, rule in enumerate(state.config.job_outcomes):
                if not fnmatch.fnmatchcase(job_name, rule.name):
                    continue
                rng = random.Random(f"{state.seed}/outcome/{index}/{job_name}")
                if rng.random() < rule.rate:
                    return rule
        return None

    def schedule(self, delay: float, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` after ``delay`` seconds on the server's loop (kept alive until it ran)."""

        async def later() -> None:
            await asyncio.sleep(delay)
            await action()

        task = asyncio.get_running_loop().create_task(later())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


def _normalise(path: str) -> str:
    """``/v2/<project>/training-jobs/<uuid>`` -> ``/v2/{project_id}/training-jobs/{id}``: counter keys."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "v2":
        parts[2] = "{project_id}"
    return "/".join("{id}" if _UUID.match(part) else part for part in parts)


# --- the connection ---------------------------------------------------------------------------------------


class ServerConnection:
    """The client's TCP connection, for faults that must break it (reset, drop)."""

    def __init__(self, transport: asyncio.Transport, cycle: Any) -> None:
        self._transport = transport
        self._cycle = cycle

    def reset(self) -> None:
        """Abort with RST: SO_LINGER 0, then close without flushing."""
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # already gone: aborting is all there is left to do
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._transport.abort()

    def close(self) -> None:
        """Close (FIN) without having written a byte of the response."""
        self._transport.close()

    async def settle(self) -> None:
        """Let the server notice the closed connection, so it does not try to answer with a 500 itself."""
        for _ in range(20):
            if getattr(self._cycle, "disconnected", True):
                return
            await asyncio.sleep(0)


def capture_connection(scope: Scope, send: Send) -> None:
    """Remember the connection of ``send`` (uvicorn's raw send, before any middleware wraps it)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if isinstance(transport, asyncio.Transport):
        scope[CONNECTION_KEY] = ServerConnection(transport, cycle)


# --- the middleware ---------------------------------------------------------------------------------------


class FaultMiddleware:
    """Delays, fails, resets or swallows requests as the :class:`FaultInjector` decides."""

    def __init__(self, app: ASGIApp, injector: FaultInjector, on_job_created: JobHook | None = None) -> None:
        self.app = app
        self.injector = injector
        self.on_job_created = on_job_created

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.injector.config.active:
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET")).upper()
        path = str(scope.get("path", "/"))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        decision = self.injector.decide(method, path, has_token="x-auth-token" in headers)
        if decision.latency > 0:
            await asyncio.sleep(decision.latency)
        if decision.kind in ("throttle", "error", "token_expiry"):
            await _answer(scope, send, decision)
            return
        if decision.kind == "reset":
            log.info("fault: reset %s %s", method, path)
            await _break(scope, reset=True)
            return
        watch = self._watches_job_creation(method, path)
        if decision.kind == "drop":
            log.info("fault: drop the answer of %s %s", method, path)
            captured = _Captured()
            await self.app(scope, receive, captured.send)
            if watch:
                await self._job_created(captured)
            await _break(scope, reset=False)
            return
        if watch:
            captured = _Captured(forward=send)
            await self.app(scope, receive, captured.send)
            await self._job_created(captured)
            return
        await self.app(scope, receive, send)

    def _watches_job_creation(self, method: str, path: str) -> bool:
        return (
            self.on_job_created is not None
            and bool(self.injector.config.job_outcomes)
            and method == "POST"
            and fnmatch.fnmatchcase(path, "/v2/*/training-jobs")
        )

    async def _job_created(self, captured: _Captured) -> None:
        if not (200 <= captured.status < 300) or self.on_job_created is None:
            return
        try:
            doc = json.loads(bytes(captured.body))
            job_id, name = doc["metadata"]["id"], doc["metadata"]["name"]
        except (ValueError, KeyError, TypeError):
            return
        rule = self.injector.outcome_for(str(name), str(job_id))
        if rule is None:
            return
        hook = self.on_job_created

        async def apply() -> None:
            try:
                await hook(str(job_id), rule)
                self.injector.count("job_outcome", f"job_outcome.{rule.phase}")
            except Exception as exc:  # the job may be gone or already ended: nothing to inject then
                log.info("fault: job outcome for %s not applied: %s", job_id, exc)

        if rule.after_seconds > 0:
            self.injector.schedule(rule.after_seconds, apply)
        else:
            await apply()


JobHook = Callable[[str, JobOutcomeRule], Awaitable[None]]


class _Captured:
    """A ``send`` that records the status and body, and forwards them unless it swallows them."""

    def __init__(self, forward: Send | None = None) -> None:
        self.forward = forward
        self.status = 0
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        elif message["type"] == "http.response.body":
            self.body.extend(message.get("body", b""))
        if self.forward is not None:
            await self.forward(message)


async def _break(scope: Scope, *, reset: bool) -> None:
    connection = scope.get(CONNECTION_KEY)
    if not isinstance(connection, ServerConnection):
        raise ConnectionDropped("reset" if reset else "drop")
    if reset:
        connection.reset()
    else:
        connection.close()
    await connection.settle()


async def _answer(scope: Scope, send: Send, decision: Decision) -> None:
    request_id = str(scope.get(_REQUEST_ID_KEY) or "")
    headers: list[tuple[bytes, bytes]] = [(b"x-request-id", request_id.encode())]
    status = 429
    content_type = b"application/json"
    body: Any
    if decision.kind == "throttle":
        headers.append((b"retry-after", str(decision.retry_after).encode()))
        if decision.code == "APIGW.0308":
            message = "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute"
            body = {"error_code": "APIGW.0308", "error_msg": message, "request_id": request_id}
        else:
            body = {"error_code": "ModelArts.2799", "error_msg": "services too many requests"}
    elif decision.kind == "token_expiry":
        status = 401
        message = "Incorrect IAM authentication information: token expires"
        body = {"error_code": "APIGW.0301", "error_msg": message, "request_id": request_id}
    else:
        status = decision.status
        if status == 500:
            body = {"error_code": "ModelArts.2950", "error_msg": "Unknown error: injected fault"}
        elif status == 502:
            body = {"error_code": "APIG.0202", "error_msg": "Backend unavailable", "request_id": request_id}
        elif status == 504:
            body = {"error_code": "APIG.0203", "error_msg": "Backend timeout", "request_id": request_id}
        else:
            content_type = b"text/html"
            body = None
    if body is None:
        data = (
            b"<html><head><title>503 Service Temporarily Unavailable</title></head>"
            b"<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
        )
    else:
        data = json.dumps(body).encode()
    headers += [(b"content-type", content_type), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
