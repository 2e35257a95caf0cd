"""The statistics of an episodes file, computed and written as JSON: :func:`stats_report`.

A pure function of the episodes (no language model is called; the embedder behind the Vendi score is the
only model that may load). It returns what it computed and where it wrote it, and prints nothing:
``ise run``, ``ise stats`` and a notebook render the table each their own way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from isetrace.jsonl import LineError, iter_jsonl, load_jsonl
from isetrace.outputs import replace_file
from isetrace.records import Episode, Intent
from isetrace.stats.corpus import CorpusStats, corpus_stats

if TYPE_CHECKING:
    from isetrace.config import PricesConfig

__all__ = ["StatsReport", "stats_report"]

log = logging.getLogger(__name__)


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
    prices: Mapping[str, PricesConfig] | None = None,
) -> StatsReport:
    """The statistics of the episodes file ``episodes`` (read once, streaming), beside the intent pool
    ``intents`` when given; written to ``json_path`` as JSON when given and there was an episode.

    ``embedder`` names the embedder for the Vendi score (``auto``, ``minilm``, ``tfidf``, a local
    sentence-transformers model), or ``none`` to skip it. Each line of either file that is not a valid
    record is handed to ``on_skipped`` (default: logged) and left out. ``prices`` (role → prices, as
    :func:`~isetrace.stats.cost.configured_prices` reads them from a config) put a cost on the tokens.
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
    stats = corpus_stats(iter_jsonl(episodes, Episode, skipped), intents=pool, embedder=use, prices=prices)
    target = json_path if stats.trajectories else None
    if target is not None:
        replace_file(target, (json.dumps(stats.as_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return StatsReport(stats, use.name if use is not None else None, target)
