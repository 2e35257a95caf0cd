"""One session's worlds, served from the host: an HTTP server on the session's loopback, a name server,
an audit log, faults on purpose.

The server runs in the isetrace process, not in the session. Its sockets are created inside the session's
network namespace (:mod:`isetrace.sandbox.netns`): port 80 for every world, found by the ``Host`` header,
and port 53 for names, so ``curl http://docs.example.org/``, ``git clone http://git.test/app.git`` and
``pip install`` inside the session reach it as they would reach the real thing, while the state behind it
and the log of every call stay where no command of the agent reaches. The tools that run on the host
(``web_fetch``, ``web_search``, the ``services`` dialect) call the same server over a unix socket of the
host's own; the log tells the two apart by the socket a call came in on, which a request cannot fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from isetrace.sandbox import Sandbox
from isetrace.sandbox.netns import Listeners, listen_in_session
from isetrace.worlds.base import AuditLog, World, host_of, noted
from isetrace.worlds.dns import NameServer
from isetrace.worlds.faults import FaultPlan, respond_with_fault
from isetrace.worlds.office import OfficeWorld
from isetrace.worlds.scheduler import JobRunner

__all__ = ["MAX_REQUEST_BYTES", "WorldHost"]

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 << 20
"""The largest request body a world reads (a ``git push`` of a fair-sized repository)."""
MAX_CONCURRENT_CALLS = 32
"""Calls one session's worlds serve at once; more wait their turn (a loop of ``curl &`` in the session
must not take the host's file descriptors and time from the other sessions)."""
KEEPALIVE_S = 5.0
"""How long an idle connection from the session is kept open."""
_TOOL_SOCKET = "tools.sock"


class WorldHost:
    """The worlds of one session: start them with the session, call them from host-side tools, close them."""

    def __init__(self, worlds: Sequence[World], *, faults: FaultPlan | None = None) -> None:
        self.worlds = list(worlds)
        self.audit = AuditLog()
        self.faults = faults
        self.tool_call: str | None = None
        """The id of the tool call running now (the episode sets it), stamped on every entry."""
        self._listeners: Listeners | None = None
        self._runner: web.AppRunner | None = None
        self._dns: asyncio.DatagramTransport | None = None
        self._tool_dir: Path | None = None
        self._tool_ready = asyncio.Lock()
        self._jobs: JobRunner | None = None
        self._calls = asyncio.Semaphore(MAX_CONCURRENT_CALLS)

    def world(self, name: str) -> World | None:
        return next((w for w in self.worlds if w.name == name), None)

    def answers(self, host: str) -> bool:
        """Whether some world answers ``host`` (what the name server resolves)."""
        return any(w.answers(host) for w in self.worlds)

    async def start(self, sandbox: Sandbox) -> None:
        """Listen in ``sandbox``'s namespace (port 80 for HTTP, 53 for names) and serve."""
        self._listeners = await listen_in_session(sandbox, tcp=[80], udp=[53])
        self._runner = web.AppRunner(self._app(), handle_signals=False, access_log=None,
                                     keepalive_timeout=KEEPALIVE_S)
        await self._runner.setup()
        await web.SockSite(self._runner, self._listeners.tcp[0]).start()
        loop = asyncio.get_running_loop()
        self._dns, _ = await loop.create_datagram_endpoint(lambda: NameServer(self.answers),
                                                           sock=self._listeners.udp[0])
        office = self.world("office")
        if isinstance(office, OfficeWorld):
            self._jobs = JobRunner(office, sandbox, self.audit)
            self._jobs.start()

    async def tool_socket(self) -> str:
        """The host-only unix socket host-side tools call the worlds through (made on first use)."""
        async with self._tool_ready:
            if self._tool_dir is None:
                assert self._runner is not None, "the worlds are not started"
                self._tool_dir = Path(tempfile.mkdtemp(prefix="ise-worlds-"))
                await web.UnixSite(self._runner, str(self._tool_dir / _TOOL_SOCKET)).start()
        return str(self._tool_dir / _TOOL_SOCKET)

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        async with self._calls:
            return await self._serve(request)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        host = host_of(request)
        world = next((w for w in self.worlds if w.answers(host)), None)
        via = "tool" if _is_unix(request) else "http"
        fault = self.faults.draw() if self.faults is not None and world is not None else None
        entry: dict[str, Any] = {"world": world.name if world else "none", "via": via, "method": request.method,
                                 "host": host, "path": request.path_qs[:2000], "fault": fault}
        status = 500
        try:
            if world is None:
                response: web.StreamResponse = web.Response(status=404, text=f"no site answers {host!r}\n")
            elif fault is not None and self.faults is not None:
                response = await respond_with_fault(fault, request, self.faults.timeout_s)
            else:
                response = await world.handle(request)
                if self._jobs is not None and world.name == "office":
                    self._jobs.poke()
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            detail = noted(request)
            if self.tool_call is not None:
                detail["tool_call"] = self.tool_call
            self.audit.append(status=status, detail=detail, **entry)

    async def close(self) -> None:
        """Stop serving and release every world; the session's sockets close with it."""
        if self._jobs is not None:
            await self._jobs.stop()
        if self._dns is not None:
            self._dns.close()
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()
        if self._listeners is not None:
            self._listeners.close()
        for world in self.worlds:
            try:
                await world.close()
            except Exception:  # a world that cannot clean up must not keep the others open
                log.warning("world %s: close failed", world.name, exc_info=True)
        if self._tool_dir is not None:
            shutil.rmtree(self._tool_dir, ignore_errors=True)


def _is_unix(request: web.Request) -> bool:
    transport = request.transport
    sock = transport.get_extra_info("socket") if transport is not None else None
    return sock is not None and sock.family == socket.AF_UNIX
