"""Every backend available here passes every conformance check, each in a fresh session."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from tests.sandbox.backends import backend_params

from isetrace.sandbox.conformance import CHECKS


@pytest.mark.parametrize("backend", backend_params())
@pytest.mark.parametrize("check", list(CHECKS))
async def test_backend_conforms(backend: str, check: str, open_session: Callable[[str], Any],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISE_HOST_CANARY", "leaked-from-host")  # the environment check must not see it
    box = await open_session(backend)()
    try:
        await CHECKS[check](box)
    finally:
        await box.close()
    assert os.environ["ISE_HOST_CANARY"] == "leaked-from-host"
