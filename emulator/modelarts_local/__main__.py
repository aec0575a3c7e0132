"""Command line: ``python -m modelarts_local serve --host 127.0.0.1 --port 8770 --data-dir DIR
[--config FILE.json] [--mode local|simulated] [--bucket NAME=DIR ...] [--log-level LEVEL]``.

Prints one ``modelarts-local ready: <url> ...`` line on stdout once it accepts connections, and
writes ``DATA_DIR/server.json`` (url, port, pid) for scripts; ``--port 0`` picks a free port.
SIGTERM / SIGINT stop it gracefully (exit status 0).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from . import __version__
from .app import create_app
from .backend import Backend
from .config import ConfigError, ServerConfig, load_config, parse_bucket_option


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m modelarts_local", description="A local Huawei Cloud ModelArts.")
    parser.add_argument("--version", action="version", version=f"modelarts-local {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8770, help="port to listen on (default 8770; 0 = any free port)")
    serve.add_argument("--data-dir", type=Path, required=True, help="state directory (SQLite, logs, buckets)")
    serve.add_argument("--config", type=Path, help="JSON config file (see modelarts_local.config)")
    serve.add_argument("--mode", choices=["local", "simulated"], help="how jobs run (default: config, else local)")
    serve.add_argument(
        "--bucket", action="append", default=[], metavar="NAME=DIR", help="map OBS bucket NAME to folder DIR"
    )
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    return parser


class _Server(uvicorn.Server):
    """Announces readiness once the socket listens."""

    def __init__(self, config: uvicorn.Config, server_config: ServerConfig, backend: Backend) -> None:
        super().__init__(config)
        self._server_config = server_config
        self._backend = backend

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.started:
            return
        port = self.config.port
        for server in self.servers:
            for sock in server.sockets:
                port = sock.getsockname()[1]
        host = self.config.host
        url = f"http://{host}:{port}"
        cfg = self._server_config
        info = {"url": url, "host": host, "port": port, "pid": os.getpid(), "mode": cfg.mode}
        (cfg.data_dir / "server.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        project = cfg.accounts[0].projects[0]
        print(
            f"modelarts-local ready: {url} (mode {cfg.mode}, project {project.name} {project.id}, "
            f"data dir {cfg.data_dir}, admin secret in {cfg.data_dir / 'admin-secret'})",
            flush=True,
        )


def serve(args: argparse.Namespace) -> int:
    try:
        buckets = dict(parse_bucket_option(value) for value in args.bucket)
        config = load_config(args.data_dir, config_file=args.config, mode=args.mode, buckets=buckets)
    except ConfigError as exc:
        print(f"modelarts-local: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    backend = Backend.open(config)
    app = create_app(backend)
    uv_config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        server_header=False,
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    server = _Server(uv_config, config, backend)

    # uvicorn re-raises the signal it stopped for once it is done; a quiet handler turns that into exit 0.
    received: list[int] = []

    def remember(sig: int, frame: FrameType | None) -> None:
        received.append(sig)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, remember)
    try:
        server.run()
    finally:
        with_file = config.data_dir / "server.json"
        with_file.unlink(missing_ok=True)
    print("modelarts-local stopped", flush=True)
    return 0 if server.started else 1


def main(argv: list[str] | None = None) -> int:
    args: Any = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse enforces the command


if __name__ == "__main__":
    sys.exit(main())
