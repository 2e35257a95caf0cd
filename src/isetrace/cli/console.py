"""The consoles every ``ise`` command prints to: results on stdout, diagnostics on stderr."""

from __future__ import annotations

from rich.console import Console

from isetrace.jsonl import LineError

__all__ = ["err", "out", "report_skipped"]

out = Console()
err = Console(stderr=True)


def report_skipped(error: LineError) -> None:
    """Say which line of an input was left out, and why; the command goes on without it."""
    err.print(f"skipped {error}", markup=False, soft_wrap=True)
