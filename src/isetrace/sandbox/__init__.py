"""Stage E's isolated workspaces: one contract (:mod:`.base`), backends by name, templates.

``open_sandbox(config)`` opens a session with the configured backend, a :class:`SessionOpener` the
sessions of a run; see :mod:`.bwrap` (default), :mod:`.docker` and :mod:`.local` (development only).
"""

from __future__ import annotations

from isetrace.config import SandboxConfig
from isetrace.sandbox.base import CommandResult, DirEntry, ProcessStatus, Sandbox, SessionInfo
from isetrace.sandbox.opener import SessionOpener, open_in_home
from isetrace.sandbox.templates import SandboxHome, default_home

__all__ = [
    "CommandResult",
    "DirEntry",
    "ProcessStatus",
    "Sandbox",
    "SandboxHome",
    "SessionInfo",
    "SessionOpener",
    "default_home",
    "open_sandbox",
]


async def open_sandbox(config: SandboxConfig, home: SandboxHome | None = None) -> Sandbox:
    """Open one session with ``config.backend``, first removing what a crash left in the home; raises
    ``SandboxUnavailable`` when it cannot start and ``ConfigError`` for an unknown backend or template."""
    home = home or SandboxHome(default_home(config.home))
    home.clean_stale_sessions()
    return await open_in_home(config, home)

