r"""Deduplication of rendered intents: exact, near-duplicate, then semantic.

Three passes, from the most literal to the broadest, each run on what survived the one before and each
reported (how many it saw, how many it removed, and which kept intent every dropped one duplicates):

1. **exact** — the same text once :func:`normalise`\\ d (Unicode NFKC, case folded, invisible format
   characters removed, whitespace collapsed, punctuation stripped at both ends). The first occurrence is
   kept.
2. **near-duplicate** — MinHash over word 3-shingles with a MinHash LSH index (``datasketch``). LSH only
   proposes candidates; an item is dropped when the MinHash estimate of its Jaccard similarity to a kept
   item is ≥ the threshold. Items are indexed in input order and only kept items are indexed, so an item
   is only ever compared with earlier kept items and the earlier one always stays.
3. **semantic** — greedy in input order over unit sentence embeddings that the caller supplies: an item is
   dropped when its cosine similarity to an earlier kept item is greater than the threshold. Similarities
   are computed 1,024 × 1,024 at a time, so memory stays O(block²) however many rows there are, never n × n.

Every function is deterministic: no Python ``hash()`` (salted per process), no unseeded randomness. Given
the same texts, the same pairs come out, in every process and on every machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from isetrace.intents.dedup._checks import check_num_perm, check_threshold
from isetrace.intents.dedup.exact import exact_duplicates, normalise
from isetrace.intents.dedup.near import SHINGLE_WORDS, near_duplicates
from isetrace.intents.dedup.semantic import semantic_duplicates
from isetrace.records import Intent

__all__ = [
    "SHINGLE_WORDS",
    "DedupPass",
    "DedupResult",
    "deduplicate",
    "exact_duplicates",
    "near_duplicates",
    "normalise",
    "semantic_duplicates",
]


@dataclass(frozen=True)
class DedupPass:
    """What one pass did: how many intents it saw, how many it removed, and who duplicates whom.

    ``pairs`` are ``(dropped id, kept id)`` in input order. A pass that did not run (the semantic pass
    without an embedder) has ``skipped=True`` and removed nothing.
    """

    name: str
    before: int
    removed: int
    pairs: list[tuple[str, str]]
    skipped: bool = False

    @property
    def after(self) -> int:
        """Intents left after this pass."""
        return self.before - self.removed

@dataclass(frozen=True)
class DedupResult:
    """The kept intents in input order, one report per pass, and every dropped intent with its reason.

    ``dropped`` lists the exact pass's drops first, then the near-duplicate pass's, then the semantic
    pass's, each in input order; a reason names the pass and the kept intent, e.g.
    ``"near-duplicate of s0-000012 (jaccard ≥ 0.80)"``.
    """

    kept: list[Intent]
    passes: list[DedupPass]
    dropped: list[tuple[Intent, str]]

def deduplicate(
    intents: Sequence[Intent],
    *,
    near_threshold: float = 0.8,
    num_perm: int = 128,
    semantic_threshold: float = 0.92,
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> DedupResult:
    """Run the exact, near-duplicate and semantic passes, each on what the previous one kept.

    Args:
        intents: rendered intents with unique ids; their order decides which of two duplicates is kept.
        near_threshold: Jaccard estimate at or above which the near-duplicate pass drops; in (0, 1].
        num_perm: MinHash permutations for the near-duplicate pass, ≥ 16.
        semantic_threshold: cosine similarity above which the semantic pass drops; in (0, 1].
        embed: turns texts into unit embeddings, one row per text (e.g. a sentence-transformers model with
            ``normalize_embeddings=True``). Without it the semantic pass is reported as skipped.

    Raises:
        ValueError: a bad threshold or ``num_perm``, an unrendered intent, a repeated id, or ``embed``
            returning something other than one unit row per text.
    """
    check_threshold("near_threshold", near_threshold)
    check_num_perm(num_perm)
    check_threshold("semantic_threshold", semantic_threshold)
    seen: set[str] = set()
    for intent in intents:
        if not intent.is_rendered:
            raise ValueError(f"intent {intent.id} has no natural_language_intent; render it before deduplication")
        if intent.id in seen:
            raise ValueError(f"intent id {intent.id} appears more than once; ids must be unique")
        seen.add(intent.id)

    survivors = list(intents)
    passes: list[DedupPass] = []
    dropped: list[tuple[Intent, str]] = []

    def apply(name: str, pairs: list[tuple[int, int]], reason: Callable[[Intent], str]) -> None:
        nonlocal survivors
        passes.append(DedupPass(name=name, before=len(survivors), removed=len(pairs),
                                pairs=[(survivors[d].id, survivors[k].id) for d, k in pairs]))
        dropped.extend((survivors[d], reason(survivors[k])) for d, k in pairs)
        gone = {d for d, _ in pairs}
        survivors = [intent for i, intent in enumerate(survivors) if i not in gone]

    apply("exact", exact_duplicates(_texts(survivors)), lambda kept: f"exact duplicate of {kept.id}")
    apply("near-duplicate", near_duplicates(_texts(survivors), threshold=near_threshold, num_perm=num_perm),
          lambda kept: f"near-duplicate of {kept.id} (jaccard ≥ {_show(near_threshold)})")
    if embed is None:
        passes.append(DedupPass(name="semantic", before=len(survivors), removed=0, pairs=[], skipped=True))
    else:
        pairs: list[tuple[int, int]] = []
        if survivors:
            texts = _texts(survivors)
            vectors = np.asarray(embed(texts))
            if vectors.ndim != 2 or vectors.shape[0] != len(texts):
                raise ValueError(f"embed returned an array of shape {vectors.shape} for {len(texts)} texts; "
                                 "expected one row per text")
            pairs = semantic_duplicates(vectors, threshold=semantic_threshold)
        apply("semantic", pairs, lambda kept: f"semantic duplicate of {kept.id} (cosine > {_show(semantic_threshold)})")
    return DedupResult(kept=survivors, passes=passes, dropped=dropped)

def _texts(intents: Sequence[Intent]) -> list[str]:
    return [intent.natural_language_intent for intent in intents]

def _show(threshold: float) -> str:
    """A threshold as reasons print it: two decimals when that is exact, else as many as it takes."""
    short = f"{threshold:.2f}"
    return short if float(short) == threshold else f"{threshold:g}"
