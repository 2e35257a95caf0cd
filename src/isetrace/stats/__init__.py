"""Corpus statistics: the paper's table from episodes, with the diversity of their intents (Vendi,
Distinct-N, 4D coverage — measured by :mod:`isetrace.diversity`, whose names are exported here too).

Importing this package loads numpy only; torch and sentence-transformers are imported when a model
embedder is made.
"""

from __future__ import annotations

from isetrace.diversity.embeddings import (
    MINILM_NAME,
    Embedder,
    MiniLMEmbedder,
    SentenceTransformerEmbedder,
    TfidfEmbedder,
    make_embedder,
)
from isetrace.diversity.scores import (
    AxisCoverage,
    Coverage,
    DiversityReport,
    coverage,
    distinct_n,
    diversity_report,
    vendi_curve,
    vendi_score,
    word_tokens,
)
from isetrace.stats.corpus import (
    ISE_REFERENCE,
    ISE_REFERENCE_EMBEDDER,
    CorpusStats,
    IntentDiversity,
    StatRow,
    corpus_stats,
)

__all__ = [
    "ISE_REFERENCE",
    "ISE_REFERENCE_EMBEDDER",
    "MINILM_NAME",
    "AxisCoverage",
    "CorpusStats",
    "Coverage",
    "DiversityReport",
    "Embedder",
    "IntentDiversity",
    "MiniLMEmbedder",
    "SentenceTransformerEmbedder",
    "StatRow",
    "TfidfEmbedder",
    "corpus_stats",
    "coverage",
    "distinct_n",
    "diversity_report",
    "make_embedder",
    "vendi_curve",
    "vendi_score",
    "word_tokens",
]
