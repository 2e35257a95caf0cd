"""Corpus statistics: the paper's table from episodes (:mod:`.corpus`), with the diversity of their
intents measured by :mod:`isetrace.diversity` and what they took in tokens and money (:mod:`.cost`),
computed and written as JSON by :func:`stats_report`.

Importing this package loads numpy only; torch and sentence-transformers are imported when a model
embedder is made.
"""

from __future__ import annotations

from isetrace.stats.corpus import (
    ISE_REFERENCE,
    ISE_REFERENCE_EMBEDDER,
    CorpusStats,
    IntentDiversity,
    StatRow,
    corpus_stats,
)
from isetrace.stats.report import StatsReport, stats_report

__all__ = [
    "ISE_REFERENCE",
    "ISE_REFERENCE_EMBEDDER",
    "CorpusStats",
    "IntentDiversity",
    "StatRow",
    "StatsReport",
    "corpus_stats",
    "stats_report",
]
