"""Command line: ``python -m modelarts_local serve --host 127.0.0.1 --port 8770 [--obs-port N] --data-dir DIR
[--config FILE.json] [--mode local|simulated] [--bucket NAME=DIR ...] [--log-level LEVEL]``.

Prints one ``modelarts-local ready: <url> (...)`` line on stdout once it accepts connections (with
``obs <url>`` inside the parentheses when ``--obs-port`` is given), and writes ``DATA_DIR/server.json``
(url, port, pid, and obs_url / obs_port) for scripts; port 0 picks a free port. SIGTERM / SIGINT stop
it gracefully (exit status 0).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from . import __version__
from .config import ConfigError, load_config, parse_bucket_option
from .serving import BindError, Listen, run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m modelarts_local", description="A local Huawei Cloud ModelArts.")
    parser.add_argument("--version", action="version", version=f"modelarts-local {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8770, help="port to listen on (default 8770; 0 = any free port)")
    serve.add_argument(
        "--obs-port", type=int, help="also serve the OBS endpoint on this port (0 = any free port; default: none)"
    )
    serve.add_argument("--data-dir", type=Path, required=True, help="state directory (SQLite, logs, buckets)")
    serve.add_argument("--config", type=Path, help="JSON config file (see modelarts_local.config)")
    serve.add_argument("--mode", choices=["local", "simulated"], help="how jobs run (default: config, else local)")
    serve.add_argument(
        "--bucket", action="append", default=[], metavar="NAME=DIR", help="map OBS bucket NAME to folder DIR"
    )
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    return parser


def serve(args: argparse.Namespace) -> int:
    try:
        buckets = dict(parse_bucket_option(value) for value in args.bucket)
        config = load_config(args.data_dir, config_file=args.config, mode=args.mode, buckets=buckets)
    except ConfigError as exc:
        print(f"modelarts-local: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    # uvicorn re-raises the signal it stopped for once it is done; a quiet handler turns that into exit 0.
    received: list[int] = []

    def remember(sig: int, frame: FrameType | None) -> None:
        received.append(sig)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, remember)
    try:
        started = run(config, Listen(args.host, args.port, args.obs_port, args.log_level))
    except BindError as exc:
        print(f"modelarts-local: {exc}", file=sys.stderr)
        return 1
    print("modelarts-local stopped", flush=True)
    return 0 if started else 1


def main(argv: list[str] | None = None) -> int:
    args: Any = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2  # pragma: no cover - argparse enforces the command


if __name__ == "__main__":
    sys.exit(main())
