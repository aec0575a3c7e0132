"""What one benchmark run measured: samples of seconds and request counts per named measurement.

Keys are ``<operation>.<variant>.<who>``, e.g. ``up.submitted.ours``, ``up.submitted.sdk``, ``preview.trivial``.
A repetition adds one sample to each key it measures, so the i-th samples of two keys were taken side by
side, in the same repetition (their ratio is a paired ratio).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from benchmarks.polling import PollingResult
from benchmarks.state_size import StateSize
from benchmarks.waits import WaitSample


@dataclass(frozen=True)
class Sample:
    seconds: float
    requests: Counter[str]
    repetition: int


@dataclass(frozen=True)
class TokenCount:
    """IAM token requests made during one command, and the dynamic-provider processes it ran."""

    command: str
    token_requests: int
    provider_processes: int


@dataclass
class Measurements:
    jobs: int
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    job_states: dict[str, StateSize] = field(default_factory=dict)  # when measured -> sizes
    trivial_state: StateSize | None = None
    tokens: list[TokenCount] = field(default_factory=list)
    polling: PollingResult | None = None
    waits: list[WaitSample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, key: str, seconds: float, requests: Counter[str], repetition: int) -> None:
        self.samples.setdefault(key, []).append(Sample(seconds, requests, repetition))

    def has(self, key: str) -> bool:
        return bool(self.samples.get(key))

    def seconds(self, key: str) -> list[float]:
        return [s.seconds for s in self.samples.get(key, [])]

    def median(self, key: str) -> float:
        return float(statistics.median(self.seconds(key)))

    def paired_ratio(self, ours: str, reference: str) -> float:
        """Median over repetitions of ours / reference, each pair taken in the same repetition."""
        refs: dict[int, list[float]] = {}
        for sample in self.samples.get(reference, []):
            refs.setdefault(sample.repetition, []).append(sample.seconds)
        ratios = [
            s.seconds / statistics.median(refs[s.repetition])
            for s in self.samples.get(ours, [])
            if s.repetition in refs
        ]
        return float(statistics.median(ratios))

    def per_job(self, key: str, jobs: int | None = None) -> Counter[str]:
        """Requests per job, averaged over the samples of ``key`` (each sample dealt with ``jobs`` jobs)."""
        found = self.samples.get(key, [])
        total: Counter[str] = Counter()
        for sample in found:
            total.update(sample.requests)
        divisor = (jobs or self.jobs) * max(1, len(found))
        return Counter({k: v / divisor for k, v in total.items()})

    def total_per_sample(self, key: str) -> Counter[str]:
        """Requests per sample of ``key`` (averaged)."""
        return self.per_job(key, jobs=1)

    def to_json(self) -> dict[str, Any]:
        return {
            "jobs": self.jobs,
            "samples": {
                key: [{"seconds": s.seconds, "repetition": s.repetition, "requests": dict(s.requests)} for s in found]
                for key, found in self.samples.items()
            },
            "job_states": {when: size.to_json() for when, size in self.job_states.items()},
            "trivial_state": self.trivial_state.to_json() if self.trivial_state else None,
            "tokens": [t.__dict__ for t in self.tokens],
            "polling": self.polling.to_json() if self.polling else None,
            "waits": [sample.to_json() for sample in self.waits],
            "errors": self.errors,
        }
