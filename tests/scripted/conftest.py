"""Fixtures of the scripted endpoint's tests: real workspaces for its agent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.scripted.workspace import Workspaces


@pytest.fixture
async def workspaces(sandbox_home: Path) -> AsyncIterator[Workspaces]:
    """``await workspaces.open("claude-code")``: a fresh session with that dialect's tools, closed after the test."""
    opened = Workspaces(sandbox_home)
    yield opened
    await opened.close()
