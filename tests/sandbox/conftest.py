"""Sandbox fixtures: every backend this machine can run, each skipped with the reason when it cannot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.backends import BWRAP_PROBLEM

from isetrace.config import SandboxConfig
from isetrace.sandbox import Sandbox, SandboxHome, open_sandbox
from isetrace.sandbox.conformance import check_config

Opener = Callable[..., Awaitable[Sandbox]]


@pytest.fixture
def open_session(sandbox_home: Path) -> Callable[[str], Opener]:
    """``opener = open_session('bwrap'); box = await opener(network=True)``."""

    def for_backend(backend: str) -> Opener:
        async def opener(**settings: Any) -> Sandbox:
            base = check_config(SandboxConfig(backend=backend, home=str(sandbox_home))).model_dump()
            limits = {**base["limits"], **settings.pop("limits", {})}
            config = SandboxConfig.model_validate({**base, **settings, "limits": limits})
            return await open_sandbox(config, SandboxHome(sandbox_home))

        return opener

    return for_backend


@pytest.fixture
async def bwrap_box(open_session: Callable[[str], Opener]) -> AsyncIterator[Sandbox]:
    if BWRAP_PROBLEM:
        pytest.skip(f"bubblewrap cannot run here: {BWRAP_PROBLEM}")
    box = await open_session("bwrap")()
    yield box
    await box.close()
