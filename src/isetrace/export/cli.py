"""``ise export``: episodes → a training file in one of the export formats, filtered by termination.

Reads the episodes once, streaming (bad lines are named as ``file:line`` and skipped), never calls a
model, and scans every row for secrets before writing: a secret stops the export with the episode and
the kind of secret named, and nothing is written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from isetrace._cli_common import episodes_source, err, report_skipped
from isetrace._cli_common import out as console
from isetrace.export._export import FORMATS, export_episodes, get_format
from isetrace.jsonl import iter_jsonl
from isetrace.pipeline.layout import RunPaths
from isetrace.records import Episode, Termination

__all__ = ["export_command", "parse_terminations"]

_FORMATS_HELP = "One of: " + "; ".join(f"{f.name} ({f.description})" for f in FORMATS.values()) + "."
"""The episodes file inside a run directory."""

_REASONS = ", ".join(t.value for t in Termination)


def parse_terminations(values: list[str] | None, option: str) -> set[Termination] | None:
    """``["success", "step_limit,budget"]`` → the set of terminations; ``None`` when the option was not given."""
    if not values:
        return None
    chosen: set[Termination] = set()
    for value in values:
        for name in (part.strip() for part in value.split(",")):
            if not name:
                continue
            try:
                chosen.add(Termination(name.lower()))
            except ValueError:
                raise typer.BadParameter(f"unknown termination {name!r} (known: {_REASONS})",
                                         param_hint=option) from None
    return chosen


def export_command(
    episodes: Annotated[Path, typer.Argument(
        help=f"An episodes JSONL file, or a run directory (reads DIR/{RunPaths(Path()).episodes.name}).",
        show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write (replaced only on success).",
                                           show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help=_FORMATS_HELP)] = "ise-openai",
    include: Annotated[list[str] | None, typer.Option(
        "--include", help=f"Keep only episodes that ended so (repeatable or comma-separated): {_REASONS}.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(
        "--exclude", help="Drop episodes that ended so (repeatable or comma-separated).")] = None,
) -> None:
    """Export episodes as training data: ise-openai (ISE OpenAI JSONL), openai-strict (spec-exact JSONL),
    sharegpt (LLaMA-Factory JSONL) or hf (Parquet for Hugging Face datasets). Every row carries the system
    prompt and the tools offered; rows are scanned for secrets first."""
    form = get_format(fmt)
    wanted = parse_terminations(include, "--include")
    unwanted = parse_terminations(exclude, "--exclude")
    source = episodes_source(episodes)
    summary = export_episodes(iter_jsonl(source, Episode, report_skipped), form.name, out, include=wanted,
                              exclude=unwanted, environ=os.environ)
    for reason, count in sorted(summary.skipped_by_reason.items()):
        err.print(f"skipped {count}: {reason}", markup=False, soft_wrap=True)
    console.print(f"wrote {summary.written} {form.name} rows → {summary.path}", markup=False, soft_wrap=True)
    if summary.written == 0 and summary.skipped == 0:
        err.print(f"no episodes in {source}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
