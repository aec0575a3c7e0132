"""The client's TCP connection, for the faults that break it (reset, drop).

ASGI does not expose the connection: uvicorn's ``send`` callable is a bound method of its request/response
cycle, which holds the asyncio transport. ``app.py`` captures it (:func:`capture_connection`) before
Starlette wraps ``send``. Under a server that does not expose it (a test client), breaking the connection
raises :class:`ConnectionDropped` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

from starlette.types import Scope, Send

CONNECTION_KEY = "modelarts_local.connection"


class ConnectionDropped(Exception):
    """A reset or drop under a server whose connection cannot be reached (e.g. Starlette's test client)."""


class ServerConnection:
    """The client's TCP connection, for faults that must break it (reset, drop)."""

    def __init__(self, transport: asyncio.Transport, cycle: Any) -> None:
        self._transport = transport
        self._cycle = cycle

    def reset(self) -> None:
        """Abort with RST: SO_LINGER 0, then close without flushing."""
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):  # already gone: aborting is all there is left to do
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._transport.abort()

    def close(self) -> None:
        """Close (FIN) without having written a byte of the response."""
        self._transport.close()

    async def settle(self) -> None:
        """Let the server notice the closed connection, so it does not try to answer with a 500 itself."""
        for _ in range(20):
            if getattr(self._cycle, "disconnected", True):
                return
            await asyncio.sleep(0)


def capture_connection(scope: Scope, send: Send) -> None:
    """Remember the connection of ``send`` (uvicorn's raw send, before any middleware wraps it)."""
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if isinstance(transport, asyncio.Transport):
        scope[CONNECTION_KEY] = ServerConnection(transport, cycle)


async def break_connection(scope: Scope, *, reset: bool) -> None:
    """Reset (RST) or close (FIN) the request's connection without an answer."""
    connection = scope.get(CONNECTION_KEY)
    if not isinstance(connection, ServerConnection):
        raise ConnectionDropped("reset" if reset else "drop")
    if reset:
        connection.reset()
    else:
        connection.close()
    await connection.settle()
