"""The fault configuration: the ``faults`` object of the config file and of ``PUT /_local/faults``, checked
into frozen dataclasses (see the package docstring for the format)."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

THROTTLE_CODES = ("APIGW.0308", "ModelArts.2799")
ERROR_STATUSES = (500, 502, 503, 504)
JOB_OUTCOME_PHASES = ("Failed", "Abnormal")
RATE_KEYS = ("throttle_rate", "error_rate", "reset_rate", "drop_rate", "token_expiry_rate", "truncate_rate")
PORTS = ("main", "obs")


class FaultConfigError(ValueError):
    """The fault configuration is invalid; the message names the key."""


@dataclass(frozen=True)
class FaultRule:
    """Which requests (methods, path globs) get which faults, at which rates."""

    methods: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    queries: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    throttle_rate: float = 0.0
    throttle_codes: tuple[str, ...] = THROTTLE_CODES
    retry_after_seconds: int = 1
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    reset_rate: float = 0.0
    drop_rate: float = 0.0
    token_expiry_rate: float = 0.0
    truncate_rate: float = 0.0
    truncate_after_bytes: int = 0
    latency_rate: float = 0.0
    latency_seconds: tuple[float, float] = (0.05, 0.5)
    max_faults: int | None = None

    def matches(self, method: str, path: str, *, port: str = "main", query: str = "") -> bool:
        if self.methods and method not in self.methods:
            return False
        if self.ports and port not in self.ports:
            return False
        if self.queries and not any(fnmatch.fnmatchcase(query, pattern) for pattern in self.queries):
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
    count_requests: bool = False
    rules: tuple[FaultRule, ...] = ()
    job_outcomes: tuple[JobOutcomeRule, ...] = ()

    @property
    def active(self) -> bool:
        """Whether requests go through the injector (and are counted): a fault is configured, or counting."""
        return bool(self.rules or self.job_outcomes or self.count_requests)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "include_iam": self.include_iam,
            "count_requests": self.count_requests,
            "rules": [_jsonable(asdict(rule)) for rule in self.rules],
            "job_outcomes": [asdict(rule) for rule in self.job_outcomes],
        }


def parse_faults(raw: Any) -> FaultConfig:
    """Validate the ``faults`` object (config file or admin PUT body); raises FaultConfigError."""
    if raw is None:
        return FaultConfig()
    if not isinstance(raw, Mapping):
        raise FaultConfigError("faults must be an object")
    _no_unknown(raw, {"seed", "include_iam", "count_requests", "rules", "job_outcomes"}, "faults")
    seed = raw.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise FaultConfigError("faults.seed must be an integer or null")
    include_iam = raw.get("include_iam", False)
    if not isinstance(include_iam, bool):
        raise FaultConfigError("faults.include_iam must be true or false")
    count_requests = raw.get("count_requests", False)
    if not isinstance(count_requests, bool):
        raise FaultConfigError("faults.count_requests must be true or false")
    rules = tuple(_rule(item, f"faults.rules[{i}]") for i, item in enumerate(_items(raw, "rules")))
    outcomes = tuple(
        _outcome_rule(item, f"faults.job_outcomes[{i}]") for i, item in enumerate(_items(raw, "job_outcomes"))
    )
    return FaultConfig(
        seed=seed, include_iam=include_iam, count_requests=count_requests, rules=rules, job_outcomes=outcomes
    )


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
    if "queries" in raw:
        values["queries"] = _strings(raw["queries"], f"{where}.queries")
    if "ports" in raw:
        ports = _strings(raw["ports"], f"{where}.ports")
        if any(port not in PORTS for port in ports):
            raise FaultConfigError(f"{where}.ports: choose among {', '.join(PORTS)}")
        values["ports"] = ports
    for key in (*RATE_KEYS, "latency_rate"):
        if key in raw:
            values[key] = _rate(raw[key], f"{where}.{key}")
    total = sum(values.get(key, 0.0) for key in RATE_KEYS)
    if total > 1.0 + 1e-9:
        raise FaultConfigError(f"{where}: {' + '.join(RATE_KEYS)} add up to {total:g}, more than 1")
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
    if "truncate_after_bytes" in raw:
        values["truncate_after_bytes"] = _int(raw["truncate_after_bytes"], f"{where}.truncate_after_bytes", minimum=0)
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
