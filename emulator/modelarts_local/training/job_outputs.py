"""What a training job produced: its tasks, task logs (pre-signed URL, preview, and by line), metrics and
events."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import ServerConfig
from ..obs.paths import ObsMapper
from ..obs.signing import UrlSigner
from . import errors, validation
from .execution import METRIC_NAMES, log_object
from .job_model import TrainingJob
from .job_store import JobStore
from .jobs import TrainingJobService
from .log_lines import LineIndex, LinePage
from .phase_machine import PhaseMachine
from .phases import TERMINAL, Phase

EVENT_LEVELS = ("Info", "Warning", "Error")


def iso_ms(ms: int) -> str:
    """ISO-8601 with milliseconds and the UTC offset, as the events API writes times."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class JobOutputs:
    """Reads of a job's outputs; each reads (and so advances) the job first."""

    config: ServerConfig
    jobs: TrainingJobService
    store: JobStore
    machine: PhaseMachine
    mapper: ObsMapper
    signer: UrlSigner
    lines: LineIndex = field(default_factory=LineIndex)

    def tasks(self, project_id: str, job_id: str, query: Mapping[str, str], now_ms: int) -> list[dict[str, Any]]:
        job = self.jobs.read(project_id, job_id, now_ms)
        if job.start_time is None:
            return []  # not scheduled yet
        wanted = query.get("schedule_count")
        if wanted not in (None, "", "0"):
            return []
        return [{"task": t, "ip": "127.0.0.1", "host_ip": "127.0.0.1", "schedule_count": 0} for t in job.tasks]

    def log_url(
        self, project_id: str, job_id: str, task: str, download: bool, endpoint: str, now: float
    ) -> dict[str, Any]:
        """A pre-signed GET of the task's log under ``endpoint``, valid for ``log_url_expiry_seconds``."""
        job, path = self._log_file(project_id, job_id, task, int(now * 1000))
        expires = int(now + self.config.log_url_expiry_seconds)
        sub = {"response-content-disposition": f"attachment; filename={path.name}"} if download else {}
        return {"obs_url": self.signer.sign(endpoint, log_object(job, task), expires, sub)}

    def log_preview(self, project_id: str, job_id: str, task: str, now_ms: int) -> dict[str, Any]:
        _, path = self._log_file(project_id, job_id, task, now_ms)
        full_size = path.stat().st_size
        cap = self.config.log_preview_max_bytes
        with path.open("rb") as handle:
            if full_size > cap:
                handle.seek(full_size - cap)
            data = handle.read(cap)
        return {
            "content": data.decode("utf-8", errors="replace"),
            "current_size": len(data),
            "full_size": full_size,
        }

    def log_lines(
        self, project_id: str, job_id: str, task: str, query: Mapping[str, str], now_ms: int
    ) -> dict[str, Any]:
        """A page of the task's log by line (see ``log_lines.py``)."""
        page = LinePage.from_query(query)
        job, path = self._log_file(project_id, job_id, task, now_ms)
        return self.lines.page(path, page, include_partial=job.phase in TERMINAL)

    def _log_file(self, project_id: str, job_id: str, task: str, now_ms: int) -> tuple[TrainingJob, Path]:
        job = self.jobs.read(project_id, job_id, now_ms)
        if task not in job.tasks:
            raise errors.InvalidParam("task_id")
        if job.start_time is None:
            raise errors.NotReadyToFetchLog()
        path = self.mapper.local_path(log_object(job, task))
        if not path.is_file():
            raise errors.NotReadyToFetchLog()
        return job, path

    def metrics(self, project_id: str, job_id: str, task: str, now_ms: int) -> dict[str, Any]:
        job = self.jobs.read(project_id, job_id, now_ms)
        if task not in job.tasks:
            raise errors.InvalidParam("task_id")
        start = job.start_time
        if start is None:
            raise errors.NotReadyToFetchMetric()
        end = job.end_time or now_ms
        minutes = max(1, math.ceil((end - start) / 60000))
        executor = self.machine.executor(job)
        if job.phase is Phase.RUNNING and executor.real_processes:
            # Make sure the current minute has a sample even if the ticker has not taken one yet.
            executor.sample(job, now_ms)
        values = executor.metric_values(job, task, minutes)
        return {"metrics": [{"metric": name, "value": values[name]} for name in METRIC_NAMES]}

    def events(self, project_id: str, job_id: str, query: Mapping[str, str], now_ms: int) -> dict[str, Any]:
        job = self.jobs.read(project_id, job_id, now_ms)
        offset = validation.query_int(query, "offset", 0, minimum=0)
        limit = validation.query_int(query, "limit", 50, minimum=1, maximum=100)
        order = query.get("order") or "desc"
        if order not in ("asc", "desc"):
            raise errors.QueryParamsError("order")
        start_raw, end_raw = query.get("start_time"), query.get("end_time")
        if bool(start_raw) != bool(end_raw):
            raise errors.QueryParamsError("start_time/end_time")
        start = validation.query_int(query, "start_time", job.create_time, minimum=0)
        end = validation.query_int(query, "end_time", now_ms, minimum=0)
        level = query.get("level")
        if level and level not in EVENT_LEVELS:
            raise errors.QueryParamsError("level")
        pattern = query.get("pattern") or ""
        if len(pattern) > 256:
            raise errors.QueryParamsError("pattern")
        events = [
            e
            for e in self.store.events(job.id)
            if start <= e.time_ms <= end
            and (not level or e.level == level)
            and (not pattern or pattern.lower() in e.message.lower())
        ]
        if order == "desc":
            events.reverse()
        page = events[offset * limit : offset * limit + limit]
        return {
            "total": len(events),
            "limit": limit,
            "offset": offset,
            "order": order,
            "start_time": iso_ms(start),
            "end_time": iso_ms(end),
            "events": [
                {"time": iso_ms(e.time_ms), "level": e.level, "message": e.message, "source": e.source} for e in page
            ],
        }
