"""The sandbox backends the tests run on: the one list, each backend skipped with the reason this machine
cannot run it. Every test that takes "each backend" or "needs bwrap" takes it from here."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from isetrace.sandbox.bwrap import bwrap_problems

__all__ = ["BEST_BACKEND", "BWRAP_PROBLEM", "backend_params", "docker_problem", "needs_bwrap"]

BWRAP_PROBLEM = "; ".join(bwrap_problems())
"""Why bubblewrap cannot run here ('' when it can)."""

needs_bwrap = pytest.mark.skipif(bool(BWRAP_PROBLEM), reason=f"bubblewrap cannot run here: {BWRAP_PROBLEM}")
"""Mark a test (or ``pytestmark`` a module) that needs the bwrap backend."""


@functools.cache
def docker_problem() -> str | None:
    """Why Docker cannot run sessions here, or ``None`` when it can (asked once: it runs ``docker info``)."""
    from isetrace.sandbox.docker import docker_problems

    problems = docker_problems()
    return "; ".join(problems) if problems else None


def backend_params() -> list[Any]:
    """Every sandbox backend, as ``pytest.param``s to parametrize a test or a fixture with."""
    return [
        pytest.param("bwrap", marks=needs_bwrap),
        pytest.param("docker", marks=[pytest.mark.docker,
                                      pytest.mark.skipif(docker_problem() is not None,
                                                         reason=f"no Docker engine: {docker_problem()}")]),
        pytest.param("local"),
    ]


BEST_BACKEND = "local" if BWRAP_PROBLEM else "bwrap"
"""The most isolating backend this machine runs, for tests that need some sandbox rather than a given one."""
