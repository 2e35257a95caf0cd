"""A backend's check of the machine: run until it passes once, never again after."""

from __future__ import annotations

import pytest

from isetrace.errors import SandboxUnavailable
from isetrace.sandbox.preflight import Preflight


def test_a_failing_check_runs_again_and_a_passing_one_is_remembered() -> None:
    answers = [["bwrap is not installed"], [], ["never asked"]]
    asked: list[int] = []

    def problems() -> list[str]:
        asked.append(1)
        return answers[len(asked) - 1]

    preflight = Preflight("bwrap", problems)
    with pytest.raises(SandboxUnavailable, match="the bwrap sandbox cannot run here: bwrap is not installed"):
        preflight.require()
    preflight.require()
    preflight.require()
    assert len(asked) == 2
