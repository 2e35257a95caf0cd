"""The OpenClaw runtime this machine has, found once; tests that need it skip, saying how to install it."""

from __future__ import annotations

import pytest

from isetrace.runtimes import locate_openclaw
from isetrace.runtimes.openclaw_install import install_problems

__all__ = ["HERE", "NOT_INSTALLED", "needs_openclaw"]

HERE = locate_openclaw()
NOT_INSTALLED = "; ".join(install_problems(HERE))
"""Why the pinned OpenClaw cannot run here ('' when it is installed)."""

needs_openclaw = pytest.mark.skipif(bool(NOT_INSTALLED), reason=f"OpenClaw is not installed here ({NOT_INSTALLED})")
"""Mark a test that needs ``make install-openclaw`` to have run."""
