"""``ise run``: the whole pipeline into one run directory, resumable at any moment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from isetrace.cli.console import err, out
from isetrace.cli.export import default_note, export_line, left_out_by_default
from isetrace.cli.inputs import ConfigOption, SetOption, resolve_config
from isetrace.cli.run_summary import summary_lines
from isetrace.cli.stats import print_stats
from isetrace.errors import AuthenticationFailed
from isetrace.export import ExportSummary
from isetrace.pipeline.layout import RunPaths
from isetrace.pipeline.rundir import STOPPED_BY_REQUEST, RunDir, RunSummary, require_run_directory
from isetrace.pipeline.stages import STAGES, run_pipeline
from isetrace.progress import Progress, make_progress
from isetrace.records import Termination

__all__ = ["run_command"]


class _BarPerJob:
    """A fresh progress display for each job the pipeline starts (rendering intents, then episodes)."""

    def __init__(self) -> None:
        self._bar: Progress | None = None

    def start(self, label: str, total: int) -> None:
        self._bar = make_progress()
        self._bar.start(label, total)

    def advance(self, ok: bool = True) -> None:
        if self._bar is not None:
            self._bar.advance(ok)

    def note(self, *, in_flight: int | None = None, tokens: int | None = None) -> None:
        if self._bar is not None:
            self._bar.note(in_flight=in_flight, tokens=tokens)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _say(line: str) -> None:
    err.print(line, markup=False, soft_wrap=True)


def _print_exports(exports: dict[str, ExportSummary]) -> None:
    """Each format's line, saying how many episodes it left out and why; then why by default, once."""
    by_default: dict[frozenset[Termination], list[str]] = {}
    for name, summary in exports.items():
        _say(export_line(name, summary))
        kept = left_out_by_default(summary)
        if kept is not None:
            by_default.setdefault(kept, []).append(name)
    for kept, names in by_default.items():
        hint = f"to keep others, say so in run.exports, e.g. {{format: {names[0]}, include: all}}"
        _say(default_note(names, kept, hint))


def _print_summary(root: Path, summary: RunSummary) -> None:
    for line in summary_lines(RunPaths(root), summary):
        out.print(line, markup=False, soft_wrap=True, highlight=False)


def run_command(
    config: ConfigOption = None,
    overrides: SetOption = None,
    resume: Annotated[Path | None, typer.Option("--resume", help="Continue the run in this directory.")] = None,
    force: Annotated[bool, typer.Option(help="Resume even though the config changed.")] = False,
    stage: Annotated[str, typer.Option(help="Run only one stage: intents, episodes, export or stats.")] = "all",
    executor: Annotated[str | None, typer.Option(help="local (asyncio) or ray.")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (with --executor ray).")] = None,
) -> None:
    """Run the pipeline — intents → episodes → export → statistics — into run.dir, resumable at any moment.

    It always ends with a summary: intents sampled, kept and not kept (with the reasons), episodes by
    termination, and episode failures; a stage that came up empty is named there, and the steps after it
    are skipped. The training exports keep only successful episodes unless run.exports says otherwise.

    \b
    Exit codes:
      0    the run finished (also when episodes failed, or a budget stopped it)
      2    unusable config or input
      3    an endpoint refused the API key; fix it, then ise run --resume DIR
      130  interrupted (SIGINT or SIGTERM); ise run --resume DIR goes on
    """
    if stage not in ("all", *STAGES):
        raise typer.BadParameter(f"--stage takes one of all, {', '.join(STAGES)}")
    extra = list(overrides or [])
    extra += [f"run.executor={executor}"] if executor else []
    extra += [f"run.ray_address={address}"] if address else []
    if resume is not None:
        require_run_directory(resume)
        if config is None and not extra:
            resolved = RunDir.load_config(resume)
        else:
            resolved = resolve_config(config or str(resume / "config.yaml"), extra)
    else:
        resolved = resolve_config(config, extra)
    root = resume if resume is not None else Path(resolved.run.dir)
    resume_hint = f"resume with: ise run --resume {root}"
    try:
        summary = run_pipeline(resolved, root, resume=resume is not None, force=force, stages=stage,
                               progress=_BarPerJob(), notify=_say, handle_signals=True)
    except AuthenticationFailed as exc:
        # the pipeline closed the episodes in flight and recorded nothing partial: the run resumes
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        _print_summary(root, RunSummary.read(root))
        _say(f"{resume_hint} once the key is fixed")
        raise typer.Exit(3) from None
    if summary.stopped is not None:
        _say(f"stopped ({summary.stopped}); {summary.interrupted} episodes in flight were closed and will run again.")
        _print_summary(root, summary)
        _say(resume_hint)
        raise typer.Exit(130 if summary.stopped == STOPPED_BY_REQUEST else 0)
    _print_exports(summary.exports)
    if summary.stats is not None:
        print_stats(summary.stats)
    _print_summary(root, summary)
