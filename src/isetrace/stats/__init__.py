"""Corpus statistics: diversity of intents (Vendi, Distinct-N, 4D coverage) and the embedders behind it.

Importing this package loads numpy only; torch and sentence-transformers are imported when a model
embedder is made.
"""

from __future__ import annotations

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
    "MINILM_NAME",
    "AxisCoverage",
    "Coverage",
    "DiversityReport",
    "Embedder",
    "MiniLMEmbedder",
    "SentenceTransformerEmbedder",
    "TfidfEmbedder",
    "coverage",
    "distinct_n",
    "diversity_report",
    "make_embedder",
    "vendi_curve",
    "vendi_score",
    "word_tokens",
]
