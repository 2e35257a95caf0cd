"""How diverse a pool of texts is, and the embedders behind the scores: the Vendi score, Distinct-N and
coverage of the 4D space (:mod:`.scores`), and sentence embedders (:mod:`.embeddings`).

Stage I measures the intents it keeps with these, and corpus statistics measure the episodes' intents;
both sit above this package, which depends on records and errors only. Importing it loads numpy only;
torch and sentence-transformers are imported when a model embedder is made.
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
    LibraryAxes,
    coverage,
    distinct_n,
    distinct_scores,
    diversity_report,
    vendi_curve,
    vendi_score,
    word_tokens,
)

__all__ = [
    "MINILM_NAME",
    "AxisCoverage",
    "Coverage",
    "DiversityReport",
    "Embedder",
    "LibraryAxes",
    "MiniLMEmbedder",
    "SentenceTransformerEmbedder",
    "TfidfEmbedder",
    "coverage",
    "distinct_n",
    "distinct_scores",
    "diversity_report",
    "make_embedder",
    "vendi_curve",
    "vendi_score",
    "word_tokens",
]
