"""The backend of one server: configuration, store and services wired together, plus the ticker."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .algorithms import AlgorithmService
from .auth import Authenticator
from .catalog import Catalog
from .config import ServerConfig
from .execution import Executor, LocalExecutor, SimulatedExecutor
from .iam import Directory, IamService
from .obs import ObsMapper, UrlSigner
from .runner import LocalRunner
from .store import Store
from .training_jobs import TrainingJobService

log = logging.getLogger("modelarts_local.backend")


def now() -> float:
    """The server clock (epoch seconds); one place, so fault injection can skew it later."""
    return time.time()


def now_ms() -> int:
    return int(now() * 1000)


@dataclass
class Backend:
    """Everything a request handler may use."""

    config: ServerConfig
    store: Store
    iam: IamService
    auth: Authenticator
    catalog: Catalog
    mapper: ObsMapper
    signer: UrlSigner
    algorithms: AlgorithmService
    jobs: TrainingJobService
    admin_secret: str
    runner: LocalRunner

    @classmethod
    def open(cls, config: ServerConfig) -> Backend:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(config.db_path)
        directory = Directory(config.accounts)
        iam = IamService(config, store, directory)
        catalog = Catalog(config.flavors, config.engines, config.pools)
        mapper = ObsMapper(config.buckets, config.obs_root)
        signer = _url_signer(config)
        algorithms = AlgorithmService(config, store, catalog, mapper)
        runner = LocalRunner(config.runner_dir)
        # Both executors always exist: a job keeps the mode it was created in across restarts.
        executors: dict[str, Executor] = {
            "simulated": SimulatedExecutor(config, mapper),
            "local": LocalExecutor(config, mapper, store, runner),
        }
        jobs = TrainingJobService(config, store, catalog, algorithms, mapper, signer, executors)
        return cls(
            config=config,
            store=store,
            iam=iam,
            auth=Authenticator(config, iam),
            catalog=catalog,
            mapper=mapper,
            signer=signer,
            algorithms=algorithms,
            jobs=jobs,
            admin_secret=_admin_secret(config),
            runner=runner,
        )

    def close(self) -> None:
        self.store.close()


class Ticker:
    """A daemon thread that advances jobs every ``interval`` seconds (reads also advance them lazily)."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="modelarts-local-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        interval = max(0.02, self._backend.config.tick_seconds)
        while not self._stop.is_set():
            try:
                self._backend.jobs.tick(now_ms())
            except Exception:  # keep ticking: a failed tick is logged and retried at the next one
                log.exception("tick failed")
            self._stop.wait(interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def _admin_secret(config: ServerConfig) -> str:
    """The configured secret, or the one in DATA_DIR/admin-secret (created on first start)."""
    path = config.data_dir / "admin-secret"
    if config.admin_secret:
        _write_private(path, config.admin_secret)
        return config.admin_secret
    if path.is_file():
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text
    secret = secrets.token_urlsafe(32)
    _write_private(path, secret)
    return secret


def _url_signer(config: ServerConfig) -> UrlSigner:
    """Signs log URLs with the first account's first AK/SK, as OBS URLs carry the account's AK."""
    for account in config.accounts:
        for key in account.access_keys:
            if key.security_token is None:
                return UrlSigner(key.access_key, key.secret_key)
    path = config.data_dir / "obs-signing-key"
    if not path.is_file():
        _write_private(path, secrets.token_hex(20))
    return UrlSigner("MODELARTSLOCALOBSKEY", path.read_text(encoding="utf-8").strip())


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
