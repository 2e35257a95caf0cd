"""Every client a test of this folder opens is closed when the test ends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.llm.clients import OPENED


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    yield
    while OPENED:
        await OPENED.pop().aclose()
