"""What the ticker does for training jobs between requests: advance the jobs that are due, stop the
processes of terminating jobs, sample running ones, and purge deleted jobs once their linger is over.

Only due jobs are looked at (``JobStore.due_ids``, by ``wake_at``), so a tick costs what changes, not
what is stored. They are advanced a batch per transaction (one commit for many jobs), each job in a
savepoint of its own (a job that fails to advance leaves the others be), and between batches the store
is left to the requests waiting for it. Under a heavy load the ticker so falls behind, which changes
nothing a client sees: reads advance jobs themselves, and transitions are dated at their due times.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..config import ServerConfig
from ..store import Store
from .job_model import TrainingJob
from .job_store import JobStore
from .phase_machine import PhaseMachine
from .phases import TERMINABLE, TERMINAL, Phase

log = logging.getLogger("modelarts_local.training")


class JobHousekeeping:
    """The ticker's work, and the purge of deleted jobs (also asked for by reads)."""

    #: Jobs advanced per transaction: one commit for many, the store held for a few milliseconds at most.
    BATCH = 16
    #: Jobs advanced per tick at most (the most overdue first), so that a tick stays short and what the
    #: ticker does besides (checkpoints) keeps its pace under a heavy load; the rest waits for the next tick.
    PER_TICK = 512

    def __init__(self, config: ServerConfig, store: Store, jobs: JobStore, machine: PhaseMachine) -> None:
        self._config = config
        self._store = store
        self._jobs = jobs
        self._machine = machine
        self._stopping: set[str] = set()  # jobs whose processes a stopper thread is ending
        self._stopping_lock = threading.Lock()
        self._last_sample: dict[str, float] = {}
        # Wake times depend on the configuration, which may differ from the last run's.
        jobs.wake_all()

    def purge_due(self, job: TrainingJob, now_ms: int) -> bool:
        """Whether a deleted job has ended and lingered long enough to be forgotten."""
        if job.deleted_at is None or job.phase not in TERMINAL:
            return False
        return now_ms >= job.deleted_at + int(self._config.delete_linger_seconds * 1000)

    def purge(self, job: TrainingJob) -> None:
        try:
            self._machine.executor(job).discard(job)
        except Exception:
            log.exception("discarding job %s failed", job.id)
        self._jobs.delete(job.id)
        self._last_sample.pop(job.id, None)

    def tick(self, now_ms: int) -> None:
        """Advance every job that is due; stop, sample and purge outside the store lock."""
        due = self._jobs.due_ids(now_ms, limit=self.PER_TICK)
        advanced: list[TrainingJob] = []
        for start in range(0, len(due), self.BATCH):
            with self._store.transaction():
                for job_id in due[start : start + self.BATCH]:
                    job = self._advance(job_id, now_ms)
                    if job is not None:
                        advanced.append(job)
            self._store.step_aside()  # requests first: the ticker's work is background work
        to_stop: list[TrainingJob] = []
        to_sample: list[TrainingJob] = []
        to_purge: list[TrainingJob] = []
        for job in advanced:
            executor = self._machine.executor(job)
            if job.phase is Phase.TERMINATING and executor.needs_stop(job):
                to_stop.append(job)
            elif job.phase is Phase.RUNNING and executor.real_processes:
                to_sample.append(job)
            if self.purge_due(job, now_ms):
                to_purge.append(job)
        for job in to_stop:
            self._stop_in_background(job)
        interval = self._config.local.sample_seconds
        for job in to_sample:
            if now_ms / 1000 - self._last_sample.get(job.id, 0.0) >= interval:
                self._last_sample[job.id] = now_ms / 1000
                self._machine.executor(job).sample(job, now_ms)
        for job in to_purge:
            self.purge(job)

    def _advance(self, job_id: str, now_ms: int) -> TrainingJob | None:
        """Advance one job inside the batch's transaction; None if it is gone or failed to advance."""
        try:
            with self._store.savepoint():
                job = self._jobs.get(job_id)
                if job is not None and self._machine.advance(job, now_ms):
                    self._jobs.save(job)
        except Exception:  # one broken job must not stop the others from advancing
            log.exception("advancing job %s failed", job_id)
            return None
        return job

    def _stop_in_background(self, job: TrainingJob) -> None:
        with self._stopping_lock:
            if job.id in self._stopping:
                return
            self._stopping.add(job.id)

        def stop() -> None:
            try:
                self._machine.executor(job).stop(job, self._config.local.terminate_grace_seconds)
            except Exception:  # the ticker must survive anything a stop does
                log.exception("stopping job %s failed", job.id)
            finally:
                with self._stopping_lock:
                    self._stopping.discard(job.id)

        threading.Thread(target=stop, name=f"modelarts-local-stop-{job.id}", daemon=True).start()

    def shutdown(self, now: Callable[[], int]) -> None:
        """On server stop: stop the local processes if configured so (they outlive the server otherwise)."""
        if not self._config.local.stop_jobs_on_shutdown:
            return
        for job in self._jobs.active():
            executor = self._machine.executor(job)
            if not executor.real_processes:
                continue
            with self._store.transaction():
                if job.phase in TERMINABLE:
                    self._machine.terminate(job, now(), "The local ModelArts is shutting down.")
                    self._jobs.save(job)
            executor.stop(job, self._config.local.terminate_grace_seconds)
            with self._store.transaction():
                if self._machine.advance(job, now()):
                    self._jobs.save(job)
