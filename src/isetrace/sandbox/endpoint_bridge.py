"""A model endpoint reachable from inside a session whose network is off: one socket, one way.

An agent runtime that runs inside the sandbox (OpenClaw) must call the agent's model, yet the session
has no network: that is the point of it. The bridge opens exactly one door. On the host,
:func:`endpoint_bridge` listens on a unix socket in a directory of its own and forwards every connection
to the endpoint's host and port; the directory is given to sessions as a read-only mount
(``sandbox.mounts``). Inside, :data:`RELAY_SOURCE` (run by the sandbox's own ``python3``, see
:func:`relay_argv`) listens on the session's private loopback and forwards to the socket, so the
runtime's ``baseUrl`` is ``http://127.0.0.1:PORT/v1``. Nothing else is reachable: the socket leads to the
endpoint only, whatever is sent down it, and the session's loopback is its own.

The bridge copies bytes and reads none of them; what comes back from the endpoint is the runtime's to
judge, as it would be over a network.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from isetrace.errors import ConfigError

__all__ = ["RELAY_SOURCE", "SOCKET_NAME", "EndpointBridge", "endpoint_bridge", "relay_argv"]

SOCKET_NAME = "endpoint.sock"
_CHUNK = 64 * 1024

RELAY_SOURCE = """
import asyncio, sys
SOCKET, PORT = sys.argv[1], int(sys.argv[2])
async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
async def serve(reader, writer):
    try:
        up_reader, up_writer = await asyncio.open_unix_connection(SOCKET)
    except OSError:
        writer.close()
        return
    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", PORT)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""
"""The relay inside a session: TCP on the session's loopback → the bridge's unix socket (stdlib only)."""


def relay_argv(socket_path: str, port: int) -> list[str]:
    """The command that runs the relay inside a session (it prints ``ready`` once it listens)."""
    return ["python3", "-I", "-S", "-c", RELAY_SOURCE, socket_path, str(port)]


@dataclass(frozen=True)
class EndpointBridge:
    """A running bridge: the directory to mount into sessions, and the socket in it."""

    directory: Path
    socket: Path


# The same loop as the relay's: the relay runs under the sandbox's python3 with nothing of ours importable.
async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


def _target(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname:
        raise ConfigError(f"the endpoint bridge forwards to plain http endpoints, not {base_url!r}")
    return parts.hostname, parts.port or 80


@contextlib.asynccontextmanager
async def endpoint_bridge(base_url: str) -> AsyncIterator[EndpointBridge]:
    """Forward a unix socket (in a fresh directory, traversable and connectable by session users) to the
    host and port of ``base_url`` while the context is open; the directory is removed on exit."""
    host, port = _target(base_url)
    directory = Path(tempfile.mkdtemp(prefix="ise-bridge-"))
    directory.chmod(0o755)  # session uids are not ours: they must reach the socket
    socket = directory / SOCKET_NAME

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_unix_server(serve, path=str(socket))
    try:
        os.chmod(socket, 0o666)
        yield EndpointBridge(directory, socket)
    finally:
        server.close()
        await server.wait_closed()
        with contextlib.suppress(OSError):
            socket.unlink()
        with contextlib.suppress(OSError):
            directory.rmdir()
