"""A model endpoint reachable from inside a session whose network is off: one socket, one way.

An agent runtime that runs inside the sandbox (OpenClaw) must call the agent's model, yet the session
has no network: that is the point of it. The bridge opens exactly one door. On the host,
:func:`endpoint_bridge` listens on a unix socket in a directory of its own and forwards every connection
to the endpoint's host and port; the directory is given to sessions as a read-only mount
(``sandbox.mounts``). Inside, :data:`RELAY_SOURCE` (run by the sandbox's own ``python3``, see
:func:`relay_argv`) listens on the session's private loopback and forwards to the socket, so the
runtime's ``baseUrl`` is ``http://127.0.0.1:PORT/v1``. Nothing else is reachable: the socket leads to the
endpoint only, whatever is sent down it, and the session's loopback is its own.

The bridge copies bytes; what comes back from the endpoint is the runtime's to judge, as it would be
over a network. One thing it can read on the way: given a :class:`FirstRequest`, it parses the requests
going up (HTTP/1.1, with ``h11``) until it has the body of the first chat completion request, which is
what the runtime offered the model before anything in the session could speak for it (the tools, the
system prompt). Only the first is read: every later request may come from a command the agent ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import h11

from isetrace.errors import ConfigError

__all__ = ["RELAY_SOURCE", "SOCKET_NAME", "EndpointBridge", "FirstRequest", "endpoint_bridge", "relay_argv"]

SOCKET_NAME = "endpoint.sock"
_CHUNK = 64 * 1024
MAX_RECORDED_BODY = 8 * 1024 * 1024
"""The largest request body :class:`FirstRequest` keeps (a runtime's prompt and tools are far smaller)."""
_MAX_HEADERS = 64 * 1024

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


@dataclass
class FirstRequest:
    """The body of the first chat completion request that crossed the bridge, once it has (else ``None``).

    ``problem`` says why none was kept when the first one could not be read (too large, not HTTP/1.1);
    the first request decides either way, and later ones are never read.
    """

    body: bytes | None = None
    problem: str = ""
    _decided: bool = field(default=False, repr=False)

    @property
    def decided(self) -> bool:
        return self._decided

    def parser(self) -> _RequestParser | None:
        """A parser for one connection's upward bytes, or ``None`` once the first request is decided."""
        return None if self._decided else _RequestParser(self)

    def decide(self, body: bytes | None, problem: str = "") -> None:
        if not self._decided:
            self.body, self.problem, self._decided = body, problem, True


class _RequestParser:
    """Reads the requests of one connection until a chat completion request's body is whole."""

    def __init__(self, record: FirstRequest) -> None:
        self.record = record
        self.connection = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEADERS)
        self.target = b""
        self.body = bytearray()

    def feed(self, data: bytes) -> bool:
        """Take more bytes; ``False`` once nothing more needs reading on this connection."""
        if self.record.decided:
            return False
        try:
            self.connection.receive_data(data)
            return self._events()
        except h11.RemoteProtocolError as exc:
            self.record.decide(None, f"the first request was not HTTP/1.1 ({exc})")
            return False

    def _events(self) -> bool:
        while True:
            event = self.connection.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return event is h11.NEED_DATA
            if isinstance(event, h11.Request):
                self.target, self.body = bytes(event.target), bytearray()
            elif isinstance(event, h11.Data):
                self.body += event.data
                if len(self.body) > MAX_RECORDED_BODY:
                    self.record.decide(None, f"the first request's body is over {MAX_RECORDED_BODY} bytes")
                    return False
            elif isinstance(event, h11.EndOfMessage):
                if self.target.split(b"?")[0].endswith(b"/chat/completions"):
                    self.record.decide(bytes(self.body))
                    return False
                # another request first (a model listing): read on, the next request of this connection
                leftover, _ = self.connection.trailing_data
                self.connection = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEADERS)
                self.connection.receive_data(leftover)
            elif isinstance(event, h11.ConnectionClosed):
                return False


# The same loop as the relay's: the relay runs under the sandbox's python3 with nothing of ours importable.
async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                parser: _RequestParser | None = None) -> None:
    try:
        while data := await reader.read(_CHUNK):
            if parser is not None and not parser.feed(data):
                parser = None
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
async def endpoint_bridge(base_url: str, first_request: FirstRequest | None = None) -> AsyncIterator[EndpointBridge]:
    """Forward a unix socket (in a fresh directory, traversable and connectable by session users) to the
    host and port of ``base_url`` while the context is open; the directory is removed on exit.

    With ``first_request``, the first chat completion request's body is kept there (see the module
    docstring); give such a bridge to one session only, so its first request is that session's.
    """
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
        parser = first_request.parser() if first_request is not None else None
        await asyncio.gather(_pipe(reader, up_writer, parser), _pipe(up_reader, writer))

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
