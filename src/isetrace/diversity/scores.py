"""How diverse a pool of intents is: the Vendi score, Distinct-N and coverage of the 4D space.

Three views, because each one alone can be gamed. The Vendi score (Friedman & Dieng, 2023) is the
effective number of distinct items under a similarity kernel, here the cosine of sentence embeddings;
the number depends on the embedding model, so the model's name travels with every score. Distinct-N is
lexical and model-free. Coverage says how much of the Persona × Domain × Task × Complexity space the
pool actually touches, which neither text metric can see.

Everything here is a pure function of texts, embeddings and records: no model is called.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # annotations only: computing a score should not load the record models
    from isetrace.records import Intent

__all__ = [
    "NO_LEVEL",
    "AxisCoverage",
    "Coverage",
    "DiversityReport",
    "LibraryAxes",
    "coverage",
    "distinct_n",
    "distinct_scores",
    "diversity_report",
    "level_counts",
    "vendi_curve",
    "vendi_score",
    "word_tokens",
]

NO_LEVEL = "(none)"
"""How intents without a complexity level are counted."""
_WORD = re.compile(r"\w+")
_CHUNK_ROWS = 8192  # rows normalised at a time, so memory stays O(chunk·d + d²) however large the pool


def word_tokens(text: str) -> list[str]:
    """Lowercased word tokens (runs of letters, digits, underscore): the tokeniser Distinct-N and the
    TF-IDF embedder share, so both read the same words."""
    return _WORD.findall(text.lower())


# --------------------------------------------------------------------------------------------- Vendi


def _as_matrix(embeddings: npt.ArrayLike) -> npt.NDArray[np.floating[Any]]:
    matrix = np.asarray(embeddings)
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise ValueError(f"embeddings must be a non-empty 2-D array (items × dimensions), got shape {matrix.shape}")
    if not np.issubdtype(matrix.dtype, np.number):
        raise ValueError(f"embeddings must be numeric, got dtype {matrix.dtype}")
    return matrix


def _unit_rows(rows: npt.NDArray[Any], offset: int) -> npt.NDArray[np.float64]:
    """``rows`` normalised to unit length in float64; a row that is not finite or is all zeros is an error."""
    block = rows.astype(np.float64)
    if not np.all(np.isfinite(block)):
        raise ValueError(f"embeddings contain NaN or infinite values (rows {offset}..{offset + len(rows) - 1})")
    norms = np.linalg.norm(block, axis=1)
    zero = np.flatnonzero(norms == 0.0)
    if zero.size:
        raise ValueError(f"embedding row {offset + int(zero[0])} is all zeros: a cosine kernel needs a direction "
                         f"({zero.size} zero row(s) in this block)")
    block /= norms[:, None]
    return block


def _add_rows(scatter: npt.NDArray[np.float64], rows: npt.NDArray[Any], offset: int) -> None:
    """Add XᵀX of ``rows``, normalised to unit length in float64, to ``scatter`` in place."""
    block = _unit_rows(rows, offset)
    scatter += block.T @ block


def _spectrum(scatter: npt.NDArray[np.float64], count: int, dims: int) -> npt.NDArray[np.float64]:
    """Eigenvalues of ``scatter / count`` (the covariance, or the kernel of fewer rows than ``dims``), as a
    distribution.

    Eigenvalues below ``dims · ε · λ_max`` (numpy's rank tolerance, for the embeddings' dimension either
    way) are rounding noise, not diversity, and are set to zero; left in, they would inflate orders q < 1,
    where tiny weights count.
    """
    values = np.linalg.eigvalsh(scatter / count).astype(np.float64)
    tolerance = float(values.max()) * dims * np.finfo(np.float64).eps
    kept: npt.NDArray[np.float64] = np.where(values > tolerance, values, 0.0)
    return kept / float(kept.sum())  # the trace is 1 by construction; this only removes rounding


def _check_order(q: float) -> None:
    if math.isnan(q) or q <= 0:
        raise ValueError(f"the order q must be > 0 (1 = Shannon, math.inf = min-entropy), got {q}")


def _score_from_spectrum(probabilities: npt.NDArray[np.float64], q: float) -> float:
    """exp of the Rényi entropy of order ``q`` of the eigenvalue distribution."""
    positive = probabilities[probabilities > 0]
    if q == 1:
        return float(np.exp(-np.sum(positive * np.log(positive))))
    if math.isinf(q):
        return float(1.0 / positive.max())
    return float(np.exp(np.log(np.sum(positive**q)) / (1.0 - q)))


def vendi_score(embeddings: npt.ArrayLike, q: float = 1.0) -> float:
    """The Vendi score of order ``q`` with the cosine kernel: the effective number of distinct items.

    Rows are normalised to unit length here (a zero row is a ``ValueError``: it has no direction), so
    the kernel is ``K = X Xᵀ`` and the score is ``exp(H_q(eig(K / n)))``. ``q = 1`` is Shannon entropy
    (the published figure), other ``q > 0`` Rényi, ``q = math.inf`` min-entropy. It ranges from 1 (all
    items alike) to ``min(n, d)`` (mutually orthogonal items).

    Why the covariance route is exact: with ``X = U Σ Vᵀ``, ``X Xᵀ / n = U (Σ²/n) Uᵀ`` and
    ``Xᵀ X / n = V (Σ²/n) Vᵀ`` share their nonzero eigenvalues ``σᵢ² / n``; the extra zeros of the larger
    one carry no entropy (0 · log 0 = 0). So the d×d covariance gives the same score as the n×n kernel,
    in O(n·d² + d³) time and O(d²) memory instead of O(n²·d + n³) and O(n²): 50,000 × 384 embeddings
    need a 384×384 matrix, not a 20 GB one. Fewer rows than dimensions take the n×n kernel, the smaller
    of the two (a pool of 100 under a 2,048-dimension embedder). Arithmetic is float64 whatever the input
    dtype.
    """
    _check_order(q)
    matrix = _as_matrix(embeddings)
    [(_, spectrum)] = _curve_spectra(matrix, [matrix.shape[0]])
    return _score_from_spectrum(spectrum, q)


def _curve_spectra(
    matrix: npt.NDArray[Any], sizes: Iterable[int]
) -> list[tuple[int, npt.NDArray[np.float64]]]:
    """The covariance spectrum of each prefix, accumulating XᵀX once over the rows (not once per size)."""
    wanted = sorted(set(sizes))
    if not wanted:
        return []
    if wanted[0] < 1 or wanted[-1] > matrix.shape[0]:
        raise ValueError(f"curve sizes must lie in 1..{matrix.shape[0]}, got {wanted[0]}..{wanted[-1]}")
    dims = matrix.shape[1]
    scatter: npt.NDArray[np.float64] | None = None  # XᵀX of the rows so far, made once a size reaches dims
    spectra: list[tuple[int, npt.NDArray[np.float64]]] = []
    done = 0
    for size in wanted:
        if size < dims:  # fewer rows than dimensions: the size×size kernel has the same nonzero eigenvalues
            unit = _unit_rows(matrix[:size], 0)
            spectra.append((size, _spectrum(unit @ unit.T, size, dims)))
            continue
        if scatter is None:
            scatter = np.zeros((dims, dims), dtype=np.float64)
        for start in range(done, size, _CHUNK_ROWS):
            _add_rows(scatter, matrix[start:min(start + _CHUNK_ROWS, size)], start)
        done = size
        spectra.append((size, _spectrum(scatter, size, dims)))
    return spectra


def vendi_curve(embeddings: npt.ArrayLike, sizes: Iterable[int], q: float = 1.0) -> list[tuple[int, float]]:
    """``(size, Vendi score)`` for the first ``size`` rows, in ascending size: how diversity grows with
    the pool. A curve that flattens early says more intents of the same kind add little."""
    _check_order(q)
    spectra = _curve_spectra(_as_matrix(embeddings), sizes)
    return [(size, _score_from_spectrum(spectrum, q)) for size, spectrum in spectra]


# --------------------------------------------------------------------------------------------- Distinct-N


def distinct_n(texts: Iterable[str], n: int) -> float:
    """Distinct n-grams over all n-grams (Li et al., 2016), on lowercased word tokens; n-grams never
    span two texts. 0.0 when no text is ``n`` words long."""
    return distinct_scores(texts, (n,))[n]


def distinct_scores(texts: Iterable[str], ns: Iterable[int] = (1, 2, 3)) -> dict[int, float]:
    """:func:`distinct_n` for each of ``ns``, the texts read and tokenised once (the tokenising is most of
    the work: a report asks for Distinct-1, -2 and -3 of the same pool).

    Tokens are numbered and each n-gram is packed into one integer, so a 50,000-text pool is counted
    with a sort of integers instead of a set of millions of string tuples (the fallback when the
    vocabulary is too large to pack).
    """
    sizes = list(ns)
    for n in sizes:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
    vocabulary: dict[str, int] = {}
    documents = [[vocabulary.setdefault(token, len(vocabulary)) for token in word_tokens(text)] for text in texts]
    ids = np.fromiter((token for doc in documents for token in doc), dtype=np.int64)
    lengths = np.fromiter((len(doc) for doc in documents), dtype=np.int64, count=len(documents))
    return {n: _distinct(documents, ids, lengths, len(vocabulary), n) for n in sizes}


def _distinct(documents: list[list[int]], ids: npt.NDArray[np.int64], lengths: npt.NDArray[np.int64],
              vocabulary: int, n: int) -> float:
    """Distinct-``n`` of numbered ``documents`` (``ids``: their tokens end to end; ``lengths``: each one's)."""
    total = int(np.maximum(lengths - n + 1, 0).sum())
    if total == 0:
        return 0.0
    bits = max(1, (vocabulary - 1).bit_length())
    if bits * n > 63:
        unique = {tuple(doc[i:i + n]) for doc in documents for i in range(len(doc) - n + 1)}
        return len(unique) / total
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.arange(ids.size, dtype=np.int64) - starts
    valid = np.flatnonzero(position <= np.repeat(lengths, lengths) - n)
    keys = np.zeros(valid.size, dtype=np.int64)
    for k in range(n):
        keys = (keys << bits) | ids[valid + k]
    return int(np.unique(keys).size) / total


# --------------------------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class AxisCoverage:
    """How much of one axis of the library a pool uses.

    ``unknown`` counts distinct values the intents name that the library does not have (data from
    another library, or a renamed task); they are not in ``used``, so ``share`` never exceeds 1.
    """

    used: int
    total: int
    unknown: int = 0

    @property
    def share(self) -> float:
        return self.used / self.total if self.total else 0.0


@dataclass(frozen=True)
class Coverage:
    """The share of the 4D space (Persona × Domain × Task × Complexity) a pool of intents touches."""

    intents: int
    personas: AxisCoverage
    industries: AxisCoverage
    domains: AxisCoverage
    tasks: AxisCoverage
    complexity: dict[str, int]
    """Intents per complexity level, the library's levels first (zero when unused)."""

    @property
    def complexity_share(self) -> dict[str, float]:
        return {name: count / self.intents if self.intents else 0.0 for name, count in self.complexity.items()}

    def as_dict(self) -> dict[str, Any]:
        axes = {name: {**asdict(getattr(self, name)), "share": getattr(self, name).share}
                for name in ("personas", "industries", "domains", "tasks")}
        return {"intents": self.intents, **axes, "complexity": dict(self.complexity),
                "complexity_share": self.complexity_share}


def _axis(seen: set[str], available: set[str]) -> AxisCoverage:
    return AxisCoverage(used=len(seen & available), total=len(available), unknown=len(seen - available))


def level_counts(intents: Iterable[Intent], levels: Sequence[str]) -> dict[str, int]:
    """Intents per complexity level: ``levels`` first in their order (zero when unused), then any other
    level met, and ``(none)`` for intents without one."""
    found = Counter(intent.complexity or NO_LEVEL for intent in intents)
    split = {level: found.pop(level, 0) for level in levels}
    split.update(sorted(found.items()))
    return split


class _Persona(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def industry(self) -> str: ...


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Domain(_Named, Protocol):
    @property
    def tasks(self) -> Sequence[_Named]: ...


class LibraryAxes(Protocol):
    """What coverage needs of the 4D library (:class:`isetrace.intents.library.Library` has it): the
    axes' values, no more, so measuring never depends on how intents are made."""

    @property
    def personas(self) -> Sequence[_Persona]: ...
    @property
    def domains(self) -> Sequence[_Domain]: ...
    @property
    def complexity(self) -> Sequence[_Named]: ...


def coverage(intents: Sequence[Intent], library: LibraryAxes) -> Coverage:
    """Which personas, industries, domains, tasks and complexity levels of ``library`` the intents use.

    An intent's industry is its embedded persona's, or else its ``persona_id``'s in the library.
    """
    industry_of = {persona.id: persona.industry for persona in library.personas}
    industries: set[str] = set()
    for intent in intents:
        persona = intent.metadata.persona
        industry = persona.industry if persona is not None else industry_of.get(intent.persona_id)
        if industry:
            industries.add(industry)
    split = level_counts(intents, [level.name for level in library.complexity])
    return Coverage(
        intents=len(intents),
        personas=_axis({i.persona_id for i in intents if i.persona_id}, set(industry_of)),
        industries=_axis(industries, set(industry_of.values())),
        domains=_axis({d for i in intents for d in i.domains}, {d.name for d in library.domains}),
        tasks=_axis({t for i in intents for t in i.tasks}, {t.name for d in library.domains for t in d.tasks}),
        complexity=split,
    )


# --------------------------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class DiversityReport:
    """Every diversity figure of one pool, with the embedding model named beside the Vendi scores
    (a Vendi score without its model cannot be compared with anything)."""

    embedder: str
    items: int
    dimension: int
    vendi: float
    """Order q = 1 (Shannon), the figure the literature reports."""
    vendi_q2: float
    vendi_inf: float
    distinct: dict[int, float]
    """n → Distinct-n, for n = 1, 2, 3."""
    curve: list[tuple[int, float]] = field(default_factory=list)
    """(pool size, Vendi q=1) for growing prefixes of the pool."""
    coverage: Coverage | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view; every Vendi figure sits in one block with the embedder's name."""
        return {
            "items": self.items,
            "vendi": {"embedder": self.embedder, "dimension": self.dimension, "kernel": "cosine",
                      "q1": self.vendi, "q2": self.vendi_q2, "q_inf": self.vendi_inf,
                      "curve": [{"n": size, "q1": score} for size, score in self.curve]},
            "distinct": {f"distinct_{n}": value for n, value in sorted(self.distinct.items())},
            "coverage": self.coverage.as_dict() if self.coverage is not None else None,
        }


def _curve_sizes(count: int, points: int) -> list[int]:
    return sorted({max(1, round(count * k / points)) for k in range(1, points + 1)}) if points > 0 else [count]


def diversity_report(
    texts: Sequence[str],
    embeddings: npt.ArrayLike,
    embedder_name: str,
    intents: Sequence[Intent] | None = None,
    library: LibraryAxes | None = None,
    curve_points: int = 10,
) -> DiversityReport:
    """Vendi (q = 1, 2, ∞) on ``embeddings``, Distinct-1/2/3 on ``texts``, the Vendi curve at
    ``curve_points`` evenly spaced pool sizes and, when both ``intents`` and ``library`` are given, the
    coverage of the 4D space. ``embeddings[i]`` must embed ``texts[i]``, by the model ``embedder_name``.
    """
    matrix = _as_matrix(embeddings)
    if matrix.shape[0] != len(texts):
        raise ValueError(f"{len(texts)} texts but {matrix.shape[0]} embedding rows")
    if (intents is None) != (library is None):
        raise ValueError("coverage needs both intents and library (or neither)")
    spectra = _curve_spectra(matrix, _curve_sizes(matrix.shape[0], curve_points))
    full = spectra[-1][1]  # the last prefix is the whole pool
    return DiversityReport(
        embedder=embedder_name,
        items=matrix.shape[0],
        dimension=matrix.shape[1],
        vendi=_score_from_spectrum(full, 1.0),
        vendi_q2=_score_from_spectrum(full, 2.0),
        vendi_inf=_score_from_spectrum(full, math.inf),
        distinct=distinct_scores(texts),
        curve=[(size, _score_from_spectrum(spectrum, 1.0)) for size, spectrum in spectra],
        coverage=coverage(intents, library) if intents is not None and library is not None else None,
    )
