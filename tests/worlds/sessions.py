"""Sessions with worlds, as an episode opens them: the run's sandbox config, the session, its world host."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from isetrace.config import RunConfig, load_config
from isetrace.records import Intent
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.worlds.host import WorldHost
from isetrace.worlds.sessions import open_worlds, session_sandbox_config

__all__ = ["world_config", "world_session"]


def world_config(sandbox_home: Path, *settings: str) -> RunConfig:
    """The offline config on bwrap in ``sandbox_home`` with ``settings`` (``worlds.web=true``…) applied."""
    return load_config("offline", [f"sandbox.home={sandbox_home}", "sandbox.backend=bwrap", *settings], environ={})


@contextlib.asynccontextmanager
async def world_session(config: RunConfig, intents: Sequence[Intent] = (), episode: str = "ep-1",
                        ) -> AsyncIterator[tuple[Sandbox, WorldHost]]:
    """One session of ``config`` with its worlds started, both closed after the block."""
    box = await open_sandbox(session_sandbox_config(config), SandboxHome(Path(str(config.sandbox.home))))
    try:
        async with open_worlds(box, config, intents or [Intent(id="i-1", natural_language_intent="x")],
                               episode) as host:
            assert host is not None
            yield box, host
    finally:
        await box.close()
