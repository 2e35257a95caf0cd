"""Stage I: the 4D library, seeded sampling, and rendering into first-person requests."""

from __future__ import annotations
