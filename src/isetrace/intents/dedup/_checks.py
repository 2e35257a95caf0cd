"""Argument checks the deduplication passes share."""

from __future__ import annotations

import numbers

__all__ = ["check_num_perm", "check_threshold"]


def check_threshold(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")

def check_num_perm(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 16:
        raise ValueError(f"num_perm must be an integer ≥ 16, got {value!r}")
