"""The original recipe's published example files, the ground truth for its formats.

They live outside the repository, in ``../shared/upstream/`` beside the project root (``$ISETRACE_UPSTREAM``
overrides the place), as they do where CI runs. A clone elsewhere (a scratch directory) has none beside
it; there a test that needs them skips, naming the path it looked at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["UPSTREAM", "upstream_file"]

UPSTREAM = Path(os.environ.get("ISETRACE_UPSTREAM") or Path(__file__).resolve().parents[2] / "shared" / "upstream")


def upstream_file(name: str) -> Path:
    """The example file ``name``; skips the calling test where the examples are absent."""
    __tracebackhide__ = True
    path = UPSTREAM / name
    if not path.is_file():
        pytest.skip(f"the original recipe's example {name} is not at {path} (set ISETRACE_UPSTREAM to its folder)")
    return path
