"""Shared fixtures: the toy data folder and a running scripted endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from isetrace_scripted.faults import FaultSettings
from isetrace_scripted.server import ScriptedServer, scripted_server

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
def sandbox_home() -> Iterator[Path]:
    """A sandbox home the unprivileged sandbox user can traverse (pytest's own tmp is 0700), removed after
    the run: sessions first, as the sandbox removes its own (a view left mounted, read-only directories,
    files of the session uids), then the rest."""
    import tempfile

    from isetrace.sandbox.templates import remove_session_dir

    path = Path(tempfile.mkdtemp(prefix="ise-test-home-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    sessions = path / "sessions"
    for session in sessions.iterdir() if sessions.is_dir() else ():
        remove_session_dir(session)
    remove_session_dir(path)
    assert not path.exists(), f"the test sandbox home {path} could not be removed"


@pytest.fixture(scope="session", autouse=True)
def ray_temp_dir() -> Iterator[Path]:
    """Where the Ray clusters that ``ise run --executor ray`` starts keep their session files (logs, sockets,
    spilled objects): a directory of this test run, removed after it, instead of ``/tmp/ray`` for good."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="ise-test-ray-", dir="/tmp"))  # short: Ray's socket paths live in it
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_TMPDIR", str(path))
        yield path
    shutil.rmtree(path, ignore_errors=True)
