"""``ise stats DIR``: the corpus table of a run directory (or of an episodes file), beside the published one.

Reads ``DIR/episodes.jsonl`` once, streaming, plus the intent pool ``DIR/intents/intents.jsonl`` when it
exists; writes the full figures to ``DIR/stats/corpus.json``. No language model is called; the embedder
behind the Vendi score is the only model that may load, and ``--embedder none`` skips it. The prices that
put a cost on the tokens come from the run's ``config.yaml`` (the one beside an episodes file too), or
from ``--config``, with ``ISE_*`` and ``-c`` overrides on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from isetrace.cli.console import err, out, report_skipped
from isetrace.cli.inputs import SetOption, episodes_source, output_file, resolve_config
from isetrace.config import PricesConfig
from isetrace.errors import ConfigError
from isetrace.pipeline.layout import RunPaths
from isetrace.stats import StatsReport, stats_report
from isetrace.stats.corpus import CorpusStats
from isetrace.stats.cost import configured_prices

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


def _prices(source: Path, config: str | None, overrides: list[str] | None) -> dict[str, PricesConfig]:
    """The prices of the config the episodes were made under: ``--config`` when given, else the run's
    ``config.yaml`` (DIR's, or the one beside an episodes file), else ``$ISE_CONFIG``; ``-c`` on top.

    A config the user named that does not load is an error; the run's own that does not (an older
    version's, say) only costs the cost figures, with one line saying why.
    """
    stored = RunPaths(source if source.is_dir() else source.parent).config
    chosen = config if config is not None else (str(stored) if stored.is_file() else None)
    try:
        return configured_prices(resolve_config(chosen, overrides))
    except ConfigError as exc:
        if config is not None or overrides:
            raise
        err.print(f"prices not read from {chosen or '$ISE_CONFIG'}: {exc}", markup=False, soft_wrap=True)
        return {}


def stats_command(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (reads DIR/episodes.jsonl), or an episodes JSONL "
                                                 "file.", show_default=False)],
    intents_file: Annotated[Path | None, typer.Option(
        "--intents", exists=True, dir_okay=False,
        help="The intent pool (JSONL). Default: DIR/intents/intents.jsonl when it exists.")] = None,
    embedder: Annotated[str, typer.Option(
        help="Embedder for the intents' Vendi score: auto, minilm, tfidf, a local sentence-transformers model, "
        "or none to skip it.")] = "auto",
    json_file: Annotated[Path | None, typer.Option(
        "--json", callback=output_file,
        help="Write the figures here. Default: DIR/stats/corpus.json for a run directory.")] = None,
    config: Annotated[str | None, typer.Option(
        "--config", help="The config whose endpoints.ROLE.prices put a cost on the tokens. Default: the run's "
        "config.yaml (DIR's, or the one beside the episodes file), else $ISE_CONFIG.")] = None,
    overrides: SetOption = None,
) -> None:
    """Corpus statistics like the original paper's table: intents, trajectories, user turns, messages, tool
    calls, distinct tools, domains × tasks × tools per intent, complexity, Vendi, Distinct-N, terminations,
    tool errors and recoveries, tool co-occurrence — with the published ISE values beside them.

    Then what it took: prompt and completion tokens per trajectory and per role, the share of prompt tokens
    the server served from its prompt cache, and the cost at the prices of the run's config
    (endpoints.ROLE.prices, USD per 1M tokens), e.g. -c 'endpoints.agent.prices={prompt: 0.15,
    completion: 0.6, cached_prompt: 0.075}'."""
    is_run_dir = run_dir.is_dir()
    files = RunPaths(run_dir)
    episodes_path = episodes_source(run_dir)
    if intents_file is None and is_run_dir and files.intents.intents.is_file():
        intents_file = files.intents.intents
    target = json_file if json_file is not None else (files.corpus_stats if is_run_dir else None)
    prices = _prices(run_dir, config, overrides)
    report = stats_report(episodes_path, intents=intents_file, embedder=embedder, json_path=target,
                          on_skipped=report_skipped, prices=prices)
    if report.stats.trajectories == 0:
        err.print(f"no episodes in {episodes_path}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    print_stats(report)
