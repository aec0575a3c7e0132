"""Running the server: the main port and, with ``--obs-port``, the OBS port, as two uvicorn servers in one
process and one event loop over one backend, with the ticker beside them.

Both sockets are bound before anything is served (a taken port fails the start at once). Once both
accept connections, ``DATA_DIR/server.json`` is written and one ``modelarts-local ready: <url> (...)``
line is printed, with the OBS endpoint in it when there is one. SIGTERM / SIGINT stop both servers
gracefully; the backend is closed after both have stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import socket
from collections.abc import Callable, Generator
from dataclasses import dataclass
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from .app import create_app, create_obs_app
from .backend import Backend
from .clock import Ticker, now_ms
from .config import ServerConfig


@dataclass(frozen=True)
class Listen:
    """Where to listen: ``port`` 0 picks a free port; ``obs_port`` None serves no OBS port."""

    host: str
    port: int
    obs_port: int | None
    log_level: str


class _Server(uvicorn.Server):
    """A uvicorn server that passes its exit signal on to the servers that follow it."""

    def __init__(self, config: uvicorn.Config, followers: list[uvicorn.Server]) -> None:
        super().__init__(config)
        self._followers = followers

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        for follower in self._followers:
            follower.should_exit = True


class _FollowerServer(uvicorn.Server):
    """A uvicorn server stopped by the main one: it leaves the signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class BindError(OSError):
    """A port could not be listened on; the message says which and why."""


def run(config: ServerConfig, listen: Listen) -> bool:
    """Serve until stopped; whether the servers had started. Raises BindError before serving anything."""
    sockets = [_bind(listen.host, listen.port)]
    if listen.obs_port is not None:
        try:
            sockets.append(_bind(listen.host, listen.obs_port))
        except BindError:
            sockets[0].close()
            raise
    backend = Backend.open(config)
    followers: list[uvicorn.Server] = []
    if listen.obs_port is not None:
        followers.append(_FollowerServer(_uvicorn_config(create_obs_app(backend), listen)))
    servers: list[uvicorn.Server] = [_Server(_uvicorn_config(create_app(backend), listen), followers), *followers]
    # What exists now (modules, apps, the backend) lives as long as the server: keep it out of the cyclic
    # garbage collector's full passes, which otherwise pause every request for tens of milliseconds.
    gc.collect()
    gc.freeze()

    def tick(now: int) -> None:
        backend.housekeeping.tick(now)
        backend.store.checkpoint()

    ticker = Ticker(config.tick_seconds, tick)
    ticker.start()
    try:
        return asyncio.run(_serve(servers, sockets, lambda: _announce(config, listen.host, sockets)))
    finally:
        ticker.stop()
        try:
            backend.housekeeping.shutdown(now_ms)
        finally:
            backend.close()
            (config.data_dir / "server.json").unlink(missing_ok=True)


def _bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (0: a free port), as uvicorn binds one; serving starts later.

    The protocol must be named: asyncio turns Nagle's algorithm off only on sockets whose ``proto`` is TCP,
    and with it on, an answer written in two parts (head, body) waits for the client's delayed ACK (40 ms).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BindError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def _uvicorn_config(app: Starlette, listen: Listen) -> uvicorn.Config:
    # host and port only name the server in uvicorn's logs: it serves the socket bound by _bind.
    return uvicorn.Config(
        app,
        host=listen.host,
        log_level=listen.log_level,
        server_header=False,
        timeout_graceful_shutdown=5,
        lifespan="off",
    )


async def _serve(servers: list[uvicorn.Server], sockets: list[socket.socket], on_ready: Callable[[], None]) -> bool:
    tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in zip(servers, sockets, strict=True)]
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            break
        await asyncio.sleep(0.01)
    started = all(server.started for server in servers)
    if started:
        on_ready()
    else:  # one did not come up: stop the others
        for server in servers:
            server.should_exit = True
    await asyncio.gather(*tasks)
    return started


def _announce(config: ServerConfig, host: str, sockets: list[socket.socket]) -> None:
    ports = [sock.getsockname()[1] for sock in sockets]
    url = f"http://{host}:{ports[0]}"
    info: dict[str, object] = {"url": url, "host": host, "port": ports[0], "pid": os.getpid(), "mode": config.mode}
    obs = ""
    if len(ports) > 1:
        info["obs_url"] = f"http://{host}:{ports[1]}"
        info["obs_port"] = ports[1]
        obs = f", obs {info['obs_url']}"
    (config.data_dir / "server.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    project = config.accounts[0].projects[0]
    print(
        f"modelarts-local ready: {url} (mode {config.mode}{obs}, project {project.name} {project.id}, "
        f"data dir {config.data_dir}, admin secret in {config.data_dir / 'admin-secret'})",
        flush=True,
    )
