"""Opening the sandboxes of one run: one home, stale sessions cleaned once, a few started ahead.

A sandbox takes tens of milliseconds to start on a busy machine (namespaces, mounts, the supervisor's
Python). With ``spares``, the opener keeps that many sessions started ahead of need, so an episode takes
a ready one and the next is started while the episode runs: the start leaves the episode's critical
path. Sessions nobody took are closed by :meth:`SessionOpener.aclose` (or leaving ``async with``);
after a crash, ``--die-with-parent`` ends them and the next run's first open removes what they left.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from types import TracebackType

from isetrace.config import SandboxConfig
from isetrace.errors import ConfigError, SandboxUnavailable
from isetrace.registry import load
from isetrace.sandbox.base import Sandbox
from isetrace.sandbox.templates import SandboxHome, default_home

__all__ = ["SessionOpener", "open_in_home"]


async def open_in_home(config: SandboxConfig, home: SandboxHome) -> Sandbox:
    """One session with ``config.backend`` in ``home``; raises ``SandboxUnavailable`` when it cannot start
    and ``ConfigError`` for an unknown backend or template."""
    opener = load("sandbox", config.backend)
    sandbox: Sandbox = await opener(config, home)
    return sandbox


class SessionOpener:
    """``await opener()`` gives a new session of the run; ``spares`` sessions are kept started ahead."""

    def __init__(self, config: SandboxConfig, *, spares: int = 0) -> None:
        self.config = config
        self.spares = spares
        self.home = SandboxHome(default_home(config.home))
        self._cleaned = False
        self._ready: deque[asyncio.Task[Sandbox]] = deque()

    async def __call__(self) -> Sandbox:
        """A session of its own for the caller; raises what :func:`open_in_home` raises."""
        if not self._cleaned:  # once is enough: a run's own sessions are never stale while it runs
            self.home.clean_stale_sessions()
            self._cleaned = True
        started = self._ready.popleft() if self._ready else self._start()
        while len(self._ready) < self.spares:
            self._ready.append(self._start())
        return await started

    def _start(self) -> asyncio.Task[Sandbox]:
        return asyncio.ensure_future(open_in_home(self.config, self.home))

    async def aclose(self) -> None:
        """Close the sessions started ahead that nobody took."""
        while self._ready:
            task = self._ready.popleft()
            with contextlib.suppress(SandboxUnavailable, ConfigError):  # one that never started: nothing to close
                sandbox = await task
                await sandbox.close()

    async def __aenter__(self) -> SessionOpener:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        await self.aclose()
