"""``ise stats DIR``: the corpus table of a run directory (or of an episodes file), beside the published one.

Reads ``DIR/episodes.jsonl`` once, streaming, plus the intent pool ``DIR/intents/intents.jsonl`` when it
exists; writes the full figures to ``DIR/stats/corpus.json``. No language model is called; the embedder
behind the Vendi score is the only model that may load, and ``--embedder none`` skips it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from isetrace.cli.console import err, out, report_skipped
from isetrace.cli.inputs import episodes_source
from isetrace.pipeline.layout import RunPaths
from isetrace.stats import StatsReport, stats_report
from isetrace.stats.corpus import CorpusStats

__all__ = ["print_stats", "stats_command"]


def _table(stats: CorpusStats) -> Table:
    table = Table(title=f"corpus statistics ({stats.trajectories:,} trajectories)")
    table.add_column("measure")
    table.add_column("this corpus", justify="right")
    table.add_column("ISE (published)", justify="right")
    for row in stats.table_rows():
        table.add_row(*(Text(cell) for cell in row))  # tool and model names are data, not markup
    return table


def print_stats(report: StatsReport) -> None:
    """The embedder used, the table beside the published one (stdout), and where the figures went."""
    if report.embedder is not None:
        err.print(f"embeddings: {report.embedder}", markup=False)
    out.print(_table(report.stats))
    if report.path is not None:
        err.print(f"statistics → {report.path}", markup=False, soft_wrap=True)


def stats_command(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (reads DIR/episodes.jsonl), or an episodes JSONL "
                                                 "file.", show_default=False)],
    intents_file: Annotated[Path | None, typer.Option(
        "--intents", help="The intent pool (JSONL). Default: DIR/intents/intents.jsonl when it exists.")] = None,
    embedder: Annotated[str, typer.Option(
        help="Embedder for the intents' Vendi score: auto, minilm, tfidf, a local sentence-transformers model, "
        "or none to skip it.")] = "auto",
    json_file: Annotated[Path | None, typer.Option(
        "--json", help="Write the figures here. Default: DIR/stats/corpus.json for a run directory.")] = None,
) -> None:
    """Corpus statistics like the original paper's table: intents, trajectories, user turns, messages, tool
    calls, distinct tools, domains × tasks × tools per intent, complexity, Vendi, Distinct-N, terminations,
    tool errors and recoveries, tool co-occurrence — with the published ISE values beside them."""
    is_run_dir = run_dir.is_dir()
    files = RunPaths(run_dir)
    episodes_path = episodes_source(run_dir)
    if intents_file is None and is_run_dir and files.intents.intents.is_file():
        intents_file = files.intents.intents
    target = json_file if json_file is not None else (files.corpus_stats if is_run_dir else None)
    report = stats_report(episodes_path, intents=intents_file, embedder=embedder, json_path=target,
                          on_skipped=report_skipped)
    if report.stats.trajectories == 0:
        if report.embedder is not None:
            err.print(f"embeddings: {report.embedder}", markup=False)
        err.print(f"no episodes in {episodes_path}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    print_stats(report)
