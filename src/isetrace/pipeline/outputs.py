"""What a run makes of its episodes once they are recorded: the training exports and the corpus statistics.

Both are pure functions of the episodes (no model is called; the embedder behind the Vendi score is the
only model that may load) and write into the run directory, or wherever the caller says. They return
what they did and print nothing: ``ise run``, ``ise stats`` and a notebook render it each their own way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from isetrace.config import RunConfig
from isetrace.export import ExportSummary, export_episodes, get_format
from isetrace.jsonl import LineError, iter_jsonl, load_jsonl
from isetrace.pipeline.layout import RunPaths
from isetrace.records import Episode, Intent
from isetrace.stats import CorpusStats, corpus_stats

__all__ = ["StatsReport", "export_run", "stats_report"]

log = logging.getLogger(__name__)


def export_run(config: RunConfig, paths: RunPaths, episodes: Iterable[Episode], *,
               environ: Mapping[str, str] | None = None) -> dict[str, ExportSummary]:
    """Write every format of ``config.run.exports`` into ``paths.exports``; what each wrote and left out,
    by format name, in the config's order. ``environ`` is what the secret scan looks for (default:
    ``os.environ``); a secret stops the export with :class:`~isetrace.errors.DataError`."""
    rows = list(episodes)
    paths.exports.mkdir(parents=True, exist_ok=True)
    written: dict[str, ExportSummary] = {}
    for spec in config.run.exports:
        form = get_format(spec.format)
        include = None if spec.include is None else set(spec.include)
        written[form.name] = export_episodes(rows, form.name, paths.exports / f"{form.name}{form.suffix}",
                                             include=include, environ=environ)
    return written


@dataclass(frozen=True)
class StatsReport:
    """The corpus statistics of some episodes, and where they went."""

    stats: CorpusStats
    embedder: str | None
    """The embedder behind the intents' Vendi score (``None``: skipped)."""
    path: Path | None
    """Where the figures were written as JSON (``None``: nowhere, or there was no episode)."""


def _log_skipped(error: LineError) -> None:
    log.warning("skipped %s", error)


def stats_report(
    episodes: Path,
    *,
    intents: Path | None = None,
    embedder: str = "auto",
    json_path: Path | None = None,
    on_skipped: Callable[[LineError], None] | None = None,
) -> StatsReport:
    """The statistics of the episodes file ``episodes`` (read once, streaming), beside the intent pool
    ``intents`` when given; written to ``json_path`` as JSON when given and there was an episode.

    ``embedder`` names the embedder for the Vendi score (``auto``, ``minilm``, ``tfidf``, a local
    sentence-transformers model), or ``none`` to skip it. Each line of either file that is not a valid
    record is handed to ``on_skipped`` (default: logged) and left out.
    """
    skipped = on_skipped or _log_skipped
    pool = None
    if intents is not None:
        pool, errors = load_jsonl(intents, Intent)
        for error in errors:
            skipped(error)
    use = None
    if embedder.strip().lower() != "none":
        from isetrace.diversity.embeddings import make_embedder  # loads torch only for a model embedder

        use = make_embedder(embedder)
    stats = corpus_stats(iter_jsonl(episodes, Episode, skipped), intents=pool, embedder=use)
    target = json_path if stats.trajectories else None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(stats.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return StatsReport(stats, use.name if use is not None else None, target)
