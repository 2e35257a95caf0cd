"""``ise export``: episodes → a training file in one of the export formats, filtered by termination.

Reads the episodes once, streaming (bad lines are named as ``file:line`` and skipped), never calls a
model, and scans every row for secrets before writing: a secret stops the export with the episode and
the kind of secret named, and nothing is written. Training formats keep only episodes that ended in
``success`` unless ``--include`` says otherwise; every export says how many episodes it left out and why.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from isetrace.cli.console import err, report_skipped
from isetrace.cli.console import out as console
from isetrace.cli.inputs import episodes_source, output_file
from isetrace.export.files import PARALLEL_MIN_BYTES, export_file
from isetrace.export.writer import FORMATS, ExportSummary, get_format
from isetrace.pipeline.layout import RunPaths
from isetrace.records import Termination

__all__ = ["default_note", "export_command", "export_line", "left_out_by_default", "parse_terminations"]

_FORMATS_HELP = "One of: " + "; ".join(f"{f.name} ({f.description})" for f in FORMATS.values()) + "."

_REASONS = ", ".join(t.value for t in Termination)
_TRAINING = ", ".join(f.name for f in FORMATS.values() if f.training)


def parse_terminations(values: list[str] | None, option: str) -> set[Termination] | None:
    """``["success", "step_limit,budget"]`` → the set of terminations (``all``: every one); ``None`` when the
    option was not given."""
    if not values:
        return None
    chosen: set[Termination] = set()
    for value in values:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name == "all":
                chosen.update(Termination)
                continue
            try:
                chosen.add(Termination(name))
            except ValueError:
                raise typer.BadParameter(f"unknown termination {name!r} (known: all, {_REASONS})",
                                         param_hint=option) from None
    return chosen


def export_line(fmt: str, summary: ExportSummary) -> str:
    """``export sharegpt: 12 rows → PATH (left out 3: agent_endpoint_failure 2, …)``: the one line every
    export prints, from ``ise export`` and from ``ise run`` alike."""
    return f"export {fmt}: {summary.written} rows → {summary.path} ({summary.left_out()})"


def left_out_by_default(summary: ExportSummary) -> frozenset[Termination] | None:
    """The format's default include when it (not the caller) left episodes out for how they ended, else ``None``."""
    if not {t.value for t in Termination} & set(summary.skipped_by_reason):
        return None
    return summary.kept_by_default


def default_note(formats: list[str], kept: frozenset[Termination], how_to_keep_others: str) -> str:
    """Why failed episodes are missing from ``formats``: a training format keeps only ``kept`` by default."""
    names = ", ".join(sorted(t.value for t in kept))
    if len(formats) == 1:
        which = f"{formats[0]} is a training format and keeps"
    else:
        which = f"{', '.join(formats)} are training formats and keep"
    return f"note: {which} only {names} episodes by default; {how_to_keep_others}"


def export_command(
    episodes: Annotated[Path, typer.Argument(
        help=f"An episodes JSONL file, or a run directory (reads DIR/{RunPaths(Path()).episodes.name}).",
        show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", callback=output_file, help="The file to write (replaced only on "
                                      "success; a device, FIFO or /dev/stdout is written through).",
                                           show_default=False)],
    fmt: Annotated[str, typer.Option("--format", "-f", help=_FORMATS_HELP)] = "ise-openai",
    include: Annotated[list[str] | None, typer.Option(
        "--include", help=f"Keep only episodes that ended so (repeatable or comma-separated), or all: {_REASONS}. "
        f"Default: success for the training formats ({_TRAINING}), all for the others.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(
        "--exclude", help="Drop episodes that ended so (repeatable or comma-separated).")] = None,
    verified: Annotated[bool, typer.Option(
        "--verified", help="Keep only episodes whose work is verified (by their checks, reference answer or "
        "judge; never by the simulated user's word alone).")] = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Processes that convert and scan rows (default: one per core; files under "
        f"{PARALLEL_MIN_BYTES >> 20} MB are done in one). The output is the same with any number.",
        show_default=False)] = None,
) -> None:
    """Export episodes as training data: ise-openai (ISE OpenAI JSONL), openai-strict (spec-exact JSONL),
    sharegpt (LLaMA-Factory JSONL) or hf (Parquet for Hugging Face datasets). Every row carries the system
    prompt and the tools offered; rows are scanned for secrets first. The training formats keep only
    episodes that ended in success unless --include says otherwise; ise-openai keeps all, each with its
    status."""
    form = get_format(fmt)
    wanted = parse_terminations(include, "--include")
    unwanted = parse_terminations(exclude, "--exclude")
    source = episodes_source(episodes)
    summary = export_file(source, form.name, out, on_error=report_skipped, include=wanted, exclude=unwanted,
                          verified_only=verified, environ=os.environ, workers=workers)
    if summary.written == 0 and summary.skipped == 0:  # and so nothing was written
        err.print(f"no episodes in {source}; {out} was not written", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(export_line(form.name, summary), markup=False, soft_wrap=True)
    kept = left_out_by_default(summary)
    if kept is not None:
        err.print(default_note([form.name], kept, "--include all keeps every one"), markup=False, soft_wrap=True)
