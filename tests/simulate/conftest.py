"""Episode fixtures: the offline config on the best sandbox this machine has, and the toy intents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.sandbox.backends import BEST_BACKEND as BACKEND

from isetrace.config import RunConfig, load_config
from isetrace.jsonl import load_jsonl
from isetrace.records import Intent


@pytest.fixture
def toy_intents(data_dir: Path) -> list[Intent]:
    intents, errors = load_jsonl(data_dir / "toy_intents.jsonl", Intent)
    assert not errors
    return intents


@pytest.fixture
def make_config(sandbox_home: Path) -> Callable[..., RunConfig]:
    """``make_config('simulate.max_user_turns=2', …)``: the offline config with overrides."""

    def make(*overrides: str) -> RunConfig:
        base = [f"sandbox.backend={BACKEND}", f"sandbox.home={sandbox_home}", "simulate.date=2026-01-15",
                "endpoints.agent.backoff_s=0.01", "endpoints.user.backoff_s=0.01"]
        return load_config("offline", [*base, *overrides], environ={})

    return make
