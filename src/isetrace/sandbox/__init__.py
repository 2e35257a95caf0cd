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
    """Open one session with ``config.backend``; raises ``SandboxUnavailable`` when it cannot start and
    ``ConfigError`` for an unknown backend or template."""
    opener = load("sandbox", config.backend)
    home = home or SandboxHome(default_home(config.home))
    home.clean_stale_sessions()
    sandbox: Sandbox = await opener(config, home)
    return sandbox


def session_opener(config: SandboxConfig) -> Callable[[], Awaitable[Sandbox]]:
    """Open sessions of one run, all in the configured home (each open cleans what a crash left)."""
    home = SandboxHome(default_home(config.home))

    async def open_one() -> Sandbox:
        return await open_sandbox(config, home)

    return open_one
