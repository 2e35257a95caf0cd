"""A run's opener: sessions started ahead are ready when asked for, and none outlive the run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.sandbox.backends import BEST_BACKEND

from isetrace.config import SandboxConfig
from isetrace.errors import ConfigError
from isetrace.sandbox import SandboxHome, SessionOpener


def _sessions(home: Path) -> set[str]:
    return {p.name for p in (home / "sessions").iterdir()} if (home / "sessions").is_dir() else set()


async def test_spares_are_started_ahead_handed_out_whole_and_closed_at_the_end(sandbox_home: Path) -> None:
    config = SandboxConfig(backend=BEST_BACKEND, home=str(sandbox_home))
    before = _sessions(sandbox_home)
    async with SessionOpener(config, spares=2) as opener:
        first = await opener()  # the spares start while the first does
        assert len(_sessions(sandbox_home) - before) == 3
        second = await opener()  # a spare: already running, and a session of its own
        assert second.info.session_id != first.info.session_id
        assert (await second.run("echo ready")).stdout.strip() == b"ready"
        await first.close()
        await second.close()
    assert _sessions(sandbox_home) == before


async def test_stale_sessions_are_cleaned_at_the_first_open_only(sandbox_home: Path) -> None:
    config = SandboxConfig(backend=BEST_BACKEND, home=str(sandbox_home))
    home = SandboxHome(sandbox_home)
    dead = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True).stdout.strip()
    stale, _ = home.new_session()
    (home.sessions / stale / ".owner").write_text(dead)
    async with SessionOpener(config) as opener:
        box = await opener()
        assert not (home.sessions / stale).exists()
        later, _ = home.new_session()
        (home.sessions / later / ".owner").write_text(dead)
        await box.close()
        await (await opener()).close()
        assert (home.sessions / later).exists()  # left for the next run's first open
    home.clean_stale_sessions()


async def test_a_spare_that_cannot_start_fails_its_taker_and_not_the_close(sandbox_home: Path) -> None:
    config = SandboxConfig(backend=BEST_BACKEND, home=str(sandbox_home), template="no-such-template")
    async with SessionOpener(config, spares=1) as opener:
        with pytest.raises(ConfigError, match="no-such-template"):
            await opener()
        with pytest.raises(ConfigError, match="no-such-template"):
            await opener()
