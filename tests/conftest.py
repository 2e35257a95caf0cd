"""Shared fixtures: the toy data folder and a running scripted endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from isetrace.llm.scripted.faults import FaultSettings
from isetrace.llm.scripted.server import ScriptedServer, scripted_server

DATA = Path(__file__).parent / "data"

ServerFactory = Callable[..., AbstractAsyncContextManager[tuple[str, ScriptedServer]]]


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def scripted() -> ServerFactory:
    """Start a scripted endpoint: ``async with scripted(rate_limit={...}, retry_after_s=0.01) as (url, server)``."""

    def start(*, latency_ms: int = 0, api_key: str | None = None, context_tokens: int | None = None,
              **faults: Any) -> AbstractAsyncContextManager[tuple[str, ScriptedServer]]:
        return scripted_server(FaultSettings.model_validate(faults), latency_ms=latency_ms, api_key=api_key,
                               context_tokens=context_tokens)

    return start


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[str, ScriptedServer]]:
    """A fault-free scripted endpoint."""
    async with scripted_server() as running:
        yield running


@pytest.fixture(scope="session")
def sandbox_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sandbox home the unprivileged sandbox user can traverse (pytest's own tmp is 0700)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="ise-test-home-", dir="/tmp"))
    path.chmod(0o755)
    return path
