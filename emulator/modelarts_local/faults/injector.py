"""The fault injector: the configuration in force, the deterministic draw of each request's fault, the
counters of what was injected and of the requests (``GET /_local/faults``), and when each request came
(``GET /_local/faults/requests``)."""

from __future__ import annotations

import fnmatch
import json
import logging
import random
import re
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from typing import Any

from .config import FaultConfig, FaultRule, JobOutcomeRule

log = logging.getLogger("modelarts_local.faults")

KINDS = ("throttle", "error", "reset", "drop", "token_expiry", "truncate", "latency", "job_outcome")
"""Every kind of fault, as counted by ``GET /_local/faults``."""

REQUEST_LOG_SIZE = 100_000
"""The latest requests whose arrival time is kept (``GET /_local/faults/requests``)."""

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class Decision:
    """What to do with one request: an optional delay, then at most one fault."""

    kind: str | None = None  # throttle | error | reset | drop | token_expiry | truncate
    latency: float = 0.0
    status: int = 0  # for error
    code: str = ""  # for throttle
    retry_after: int = 0
    truncate_after: int = 0  # for truncate: the body bytes sent before the connection is closed


@dataclass
class _State:
    config: FaultConfig
    seed: int
    counters: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    sequence: Counter[str] = field(default_factory=Counter)
    rule_faults: Counter[int] = field(default_factory=Counter)
    since: float = field(default_factory=time.time)
    arrivals: deque[tuple[float, str]] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))


class FaultInjector:
    """The current fault configuration, its random source and the counters of what was injected.

    Thread-safe: the admin API replaces the configuration while requests are being decided.
    """

    def __init__(self, config: FaultConfig | None = None, *, iam_prefixes: tuple[str, ...] = ("/v3/",)) -> None:
        self._iam_prefixes = iam_prefixes  # on the main port: fault-free unless include_iam
        self._lock = threading.Lock()
        self._state = self._fresh(config or FaultConfig())
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

    def arrivals_since(self, since: float) -> list[tuple[float, str]]:
        """``GET /_local/faults/requests``: (epoch seconds, ``METHOD /normalised/path``) of each request counted
        after ``since``, oldest first (the latest ``REQUEST_LOG_SIZE`` at most)."""
        with self._lock:
            return [arrival for arrival in self._state.arrivals if arrival[0] > since]

    def count(self, kind: str, detail: str | None = None) -> None:
        with self._lock:
            self._state.counters[kind] += 1
            if detail:
                self._state.counters[detail] += 1

    def decide(self, method: str, path: str, *, has_token: bool, port: str = "main", query: str = "") -> Decision:
        """Draw the fault (if any) for one request on ``port`` ("main" or "obs"); counts the request and the
        fault. ``query`` is the raw query string, for rules that filter on it."""
        if port == "main" and path.startswith("/_local/"):
            return Decision()
        with self._lock:
            state = self._state
            config = state.config
            key = f"{method} {_normalise(path)}"
            state.requests[key] += 1
            state.arrivals.append((time.time(), key))
            is_iam = port == "main" and path.startswith(self._iam_prefixes)
            if not config.rules or (is_iam and not config.include_iam):
                return Decision()
            n = state.sequence[key]
            state.sequence[key] += 1
            latency = 0.0
            for index, rule in enumerate(config.rules):
                if not rule.matches(method, path, port=port, query=query):
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
                    return replace(decision, latency=latency)
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
            ("truncate", rule.truncate_rate),
        ):
            edge += rate
            if rate and u < edge:
                if kind == "throttle":
                    return Decision(kind, code=rng.choice(rule.throttle_codes), retry_after=rule.retry_after_seconds)
                if kind == "error":
                    return Decision(kind, status=rng.choice(rule.error_statuses))
                if kind == "truncate":
                    return Decision(kind, truncate_after=rule.truncate_after_bytes)
                return Decision(kind)
        return None

    # --- simulated job outcomes ---------------------------------------------------------------------------

    def outcome_for(self, job_name: str) -> JobOutcomeRule | None:
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


def _normalise(path: str) -> str:
    """``/v2/<project>/training-jobs/<uuid>`` -> ``/v2/{project_id}/training-jobs/{id}``: counter keys."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "v2":
        parts[2] = "{project_id}"
    return "/".join("{id}" if _UUID.match(part) else part for part in parts)
