"""The backends a test may run on, each skipped with the reason this machine cannot run it."""

from __future__ import annotations

from typing import Any

import pytest

from isetrace.sandbox.bwrap import bwrap_problems

__all__ = ["backend_params"]


def docker_problem() -> str | None:
    from isetrace.sandbox.docker import docker_problems

    problems = docker_problems()
    return "; ".join(problems) if problems else None


def backend_params() -> list[Any]:
    bwrap_missing = "; ".join(bwrap_problems())
    return [
        pytest.param("bwrap", marks=pytest.mark.skipif(bool(bwrap_missing), reason=bwrap_missing or "ok")),
        pytest.param("docker", marks=[pytest.mark.docker,
                                      pytest.mark.skipif(docker_problem() is not None,
                                                         reason=f"no Docker engine: {docker_problem()}")]),
        pytest.param("local"),
    ]


BEST_BACKEND = "local" if bwrap_problems() else "bwrap"
"""The most isolating backend this machine runs, for tests that need some sandbox rather than a given one."""
