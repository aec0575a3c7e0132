"""The backend of one server: the configuration, the shared parts (store, identities, authentication,
fault injection) and every service's domain objects, wired together once and shared by all ports."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .auth import Authenticator
from .config import ServerConfig
from .faults import FaultInjector
from .iam import PREFIXES as IAM_PREFIXES
from .iam.service import IamService
from .identity import AccessKeys, Directory, TemporaryKeyStore, TokenStore
from .obs.paths import ObsMapper
from .obs.service import ObsService
from .obs.signing import UrlSigner
from .store import Store
from .training.algorithms import AlgorithmService
from .training.catalog import Catalog
from .training.execution import Executor
from .training.housekeeping import JobHousekeeping
from .training.job_outputs import JobOutputs
from .training.job_requests import JobRequestExpander
from .training.job_store import JobStore, MetricSamples
from .training.jobs import TrainingJobService
from .training.local_executor import LocalExecutor
from .training.log_files import LogFiles
from .training.phase_machine import PhaseMachine
from .training.runner import LocalRunner
from .training.simulated import SimulatedExecutor


@dataclass
class Backend:
    """Everything a request handler may use."""

    config: ServerConfig
    store: Store
    directory: Directory
    tokens: TokenStore
    iam: IamService
    auth: Authenticator
    faults: FaultInjector
    catalog: Catalog
    mapper: ObsMapper
    signer: UrlSigner
    obs: ObsService
    algorithms: AlgorithmService
    jobs: TrainingJobService
    job_outputs: JobOutputs
    housekeeping: JobHousekeeping
    admin_secret: str

    @classmethod
    def open(cls, config: ServerConfig) -> Backend:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(config.db_path)
        directory = Directory(config.accounts)
        tokens = TokenStore(store)
        temporary_keys = TemporaryKeyStore(store)
        keys = AccessKeys(directory, temporary_keys)
        catalog = Catalog(config.flavors, config.engines, config.pools)
        mapper = ObsMapper(config.buckets, config.obs_root)
        signer = _url_signer(config)
        algorithms = AlgorithmService(config, store, catalog, mapper)
        # Both executors always exist: a job keeps the mode it was created in across restarts.
        executors: dict[str, Executor] = {
            "simulated": SimulatedExecutor(config, mapper, LogFiles(store, mapper)),
            "local": LocalExecutor(config, mapper, MetricSamples(store), LocalRunner(config.runner_dir)),
        }
        machine = PhaseMachine(config, executors)
        job_store = JobStore(store, machine.wake_at)
        housekeeping = JobHousekeeping(config, store, job_store, machine)
        jobs = TrainingJobService(
            config, store, job_store, machine, housekeeping, JobRequestExpander(catalog, algorithms)
        )
        return cls(
            config=config,
            store=store,
            directory=directory,
            tokens=tokens,
            iam=IamService(config, tokens, directory, temporary_keys),
            auth=Authenticator(config, keys, tokens),
            faults=FaultInjector(config.faults, iam_prefixes=IAM_PREFIXES),
            catalog=catalog,
            mapper=mapper,
            signer=signer,
            obs=ObsService(config, store, keys, mapper),
            algorithms=algorithms,
            jobs=jobs,
            job_outputs=JobOutputs(config, jobs, job_store, machine, mapper, signer),
            housekeeping=housekeeping,
            admin_secret=_admin_secret(config),
        )

    def close(self) -> None:
        self.store.close()


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
