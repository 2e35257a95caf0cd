"""Stage E's isolated workspaces: one contract (:mod:`.base`), backends by name, templates.

``open_sandbox(config)`` opens a session with the configured backend; see :mod:`.bwrap` (default),
:mod:`.docker` and :mod:`.local` (development only).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from isetrace.config import SandboxConfig
from isetrace.registry import load
from isetrace.sandbox.base import CommandResult, DirEntry, ProcessStatus, Sandbox, SessionInfo
from isetrace.sandbox.templates import SandboxHome, default_home

__all__ = [
    "CommandResult",
    "DirEntry",
    "ProcessStatus",
    "Sandbox",
    "SandboxHome",
    "SessionInfo",
    "default_home",
    "open_sandbox",
    "session_opener",
]


async def open_sandbox(config: SandboxConfig, home: SandboxHome | None = None) -> Sandbox:
    """Open one session with ``config.backend``, first removing what a crash left in the home; raises
    ``SandboxUnavailable`` when it cannot start and ``ConfigError`` for an unknown backend or template."""
    home = home or SandboxHome(default_home(config.home))
    home.clean_stale_sessions()
    return await _open(config, home)


def session_opener(config: SandboxConfig) -> Callable[[], Awaitable[Sandbox]]:
    """Open sessions of one run, all in the configured home; the first open cleans what a crash left
    (once is enough: a run's own sessions are never stale while it runs)."""
    home = SandboxHome(default_home(config.home))
    cleaned = False

    async def open_one() -> Sandbox:
        nonlocal cleaned
        if not cleaned:
            home.clean_stale_sessions()
            cleaned = True
        return await _open(config, home)

    return open_one


async def _open(config: SandboxConfig, home: SandboxHome) -> Sandbox:
    opener = load("sandbox", config.backend)
    sandbox: Sandbox = await opener(config, home)
    return sandbox
