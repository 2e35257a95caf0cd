"""Corpus statistics: the paper's table from episodes, the diversity of intents (Vendi, Distinct-N, 4D
coverage) and the embedders behind it.

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
from isetrace.stats.diversity import (
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
from isetrace.stats.embeddings import (
    MINILM_NAME,
    Embedder,
    MiniLMEmbedder,
    SentenceTransformerEmbedder,
    TfidfEmbedder,
    make_embedder,
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
