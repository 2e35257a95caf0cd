"""The near-duplicate pass: MinHash over word shingles, candidates from an LSH index, each confirmed."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from isetrace.intents.dedup._checks import check_num_perm, check_threshold
from isetrace.intents.dedup.exact import normalise

__all__ = ["SHINGLE_WORDS", "near_duplicates"]


SHINGLE_WORDS = 3
"""Words per shingle in the near-duplicate pass.

Three is the compromise between the two ways this goes wrong on requests of 40–200 words. Single words
(or bigrams) make every request on the same topic look alike: two different asks about "the quarterly
sales CSV" share most of their vocabulary. Long shingles (5+) make a small edit look big: one changed
number removes k shingles, so a ten-word sentence swapped in a 120-word request already costs 2 × (10 + k
− 1) of the shingles. With k = 3, a changed number in a 100-word request leaves Jaccard ≈ 0.94 and a
changed ten-word sentence in a 150-word request ≈ 0.85, while unrelated requests on one topic rarely
share more than a handful of word triples.
"""

_SHINGLE_CHUNK = 65_536
"""Texts' shingles are hashed in numpy batches of about this many tokens."""

_LSH_WEIGHTS = (0.1, 0.9)
"""Weights of (false positive, false negative) when choosing LSH bands.

Every LSH candidate is confirmed with the MinHash estimate before anything is dropped, so a false
positive costs one comparison of two signatures, while a false negative is a duplicate that silently
stays. Hence the weight on recall (datasketch's default is 0.5/0.5, which finds a pair at exactly the
threshold only ~40% of the time at 0.8/128).
"""

_WORD = re.compile(r"\w+(?:[.,'’:/@-]\w+)*")
"""A word: letters, digits or underscores, joined across one inner mark (3.5, 1,200, don't, a.csv, e-mail)."""

_MIX_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

def near_duplicates(texts: Sequence[str], *, threshold: float = 0.8, num_perm: int = 128) -> list[tuple[int, int]]:
    """Pairs ``(duplicate index, kept index)`` of texts whose word-3-shingle sets are near-identical.

    Each text is :func:`normalise`\\ d, split into words (see ``_WORD``) and cut into overlapping
    :data:`SHINGLE_WORDS`-word shingles (a text shorter than that is one shingle). Texts are visited in
    input order: a text's MinHash queries an LSH index of the texts kept so far, each candidate is
    confirmed with the MinHash Jaccard estimate, and the text is dropped as a duplicate of the most similar
    confirmed candidate (the earliest on a tie) or else inserted into the index. A text with no words at
    all is neither dropped nor indexed here (the exact pass is the one that handles empty text).

    Args:
        texts: the texts, in the order that decides which of two duplicates is kept.
        threshold: drop when the Jaccard estimate is ≥ this; in (0, 1].
        num_perm: permutations per MinHash, ≥ 16. More is more accurate and slower.

    Raises:
        ValueError: ``threshold`` outside (0, 1] or ``num_perm`` below 16.
    """
    check_threshold("threshold", threshold)
    check_num_perm(num_perm)
    # imported here: datasketch loads scipy, which every other command would pay for at start-up
    from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]  # ships no type information

    template = MinHash(num_perm=num_perm, hashfunc=_identity)
    index = MinHashLSH(threshold=threshold, num_perm=num_perm, params=_lsh_params(threshold, num_perm))
    kept: dict[int, MinHash] = {}
    pairs: list[tuple[int, int]] = []
    for position, hashes in enumerate(_shingle_hashes(texts)):
        if not hashes:
            continue
        minhash = template.copy()
        minhash.update_batch(hashes)
        best_index, best_jaccard = -1, -1.0
        for candidate in sorted(index.query(minhash)):
            jaccard = float(minhash.jaccard(kept[candidate]))
            if jaccard > best_jaccard:
                best_index, best_jaccard = candidate, jaccard
        if best_index >= 0 and best_jaccard >= threshold:
            pairs.append((position, best_index))
        else:
            index.insert(position, minhash, check_duplication=False)
            kept[position] = minhash
    return pairs

def _identity(value: int) -> int:
    """The MinHash hash function: shingles arrive already hashed to 32 bits."""
    return value

def _shingle_hashes(texts: Sequence[str]) -> Iterator[list[int]]:
    """Each text's word shingles as 32-bit hashes (duplicates allowed; MinHash takes minima), lazily.

    A word hashes to 64 bits with BLAKE2b (stable across processes, cached per call); a shingle folds its
    words' hashes in order with a multiply and the MurmurHash3 64-bit finaliser and keeps the top 32 bits.
    The folding runs in numpy over whole batches of texts.
    """
    word_hash: dict[str, int] = {}
    tokens: list[int] = []
    bounds: list[tuple[int, int]] = []
    for text in texts:
        start = len(tokens)
        tokens.extend([word_hash.get(word) or _hash_word(word, word_hash) for word in _WORD.findall(normalise(text))])
        bounds.append((start, len(tokens)))
        if len(tokens) >= _SHINGLE_CHUNK:
            yield from _fold_shingles(tokens, bounds)
            tokens, bounds = [], []
    yield from _fold_shingles(tokens, bounds)

def _hash_word(word: str, cache: dict[str, int]) -> int:
    value = int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")
    cache[word] = value
    return value

def _fold_shingles(tokens: list[int], bounds: list[tuple[int, int]]) -> list[list[int]]:
    """Shingle hashes for a batch of texts whose word hashes lie end to end in ``tokens``."""
    words = np.array(tokens, dtype=np.uint64)
    k = SHINGLE_WORDS
    # Shingles over the whole batch at once; those that straddle two texts are never read.
    folded = words[: max(len(words) - k + 1, 0)].copy()
    for offset in range(1, k):
        folded = _fmix64(folded * _MIX_MULTIPLIER + words[offset : offset + len(folded)])
    top = (folded >> np.uint64(32)).tolist()
    result: list[list[int]] = []
    for start, end in bounds:
        if end - start >= k:
            result.append(top[start : end - k + 1])
        elif end > start:
            result.append([_fold_short(words[start:end])])
        else:
            result.append([])
    return result

def _fold_short(words: NDArray[np.uint64]) -> int:
    """One shingle for a text of fewer than :data:`SHINGLE_WORDS` words, folded the same way."""
    value = words[:1].copy()
    for offset in range(1, len(words)):
        value = _fmix64(value * _MIX_MULTIPLIER + words[offset : offset + 1])
    return int(value[0] >> np.uint64(32))

def _fmix64(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """MurmurHash3's 64-bit finaliser (an avalanching bijection), element-wise; arithmetic wraps."""
    shift = np.uint64(33)
    values = values ^ (values >> shift)
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> shift)
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    mixed: NDArray[np.uint64] = values ^ (values >> shift)
    return mixed

@lru_cache(maxsize=64)
def _lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands ``b`` and rows ``r`` (b × r ≤ num_perm, b ≥ 2) minimising the weighted LSH error.

    The same criterion datasketch uses (areas under the S-curve ``1 − (1 − s^r)^b`` below and above the
    threshold), with :data:`_LSH_WEIGHTS` and at least two bands: datasketch's own choice degenerates to a
    single band — which it then refuses — for high thresholds (≥ 0.87 at 16 permutations).
    """
    below = np.linspace(0.0, threshold, 257)
    above = np.linspace(threshold, 1.0, 257)
    best, best_error = (2, num_perm // 2), math.inf
    for bands in range(2, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            false_positive = _area(1.0 - (1.0 - below**rows) ** bands, below)
            false_negative = _area((1.0 - above**rows) ** bands, above)
            error = _LSH_WEIGHTS[0] * false_positive + _LSH_WEIGHTS[1] * false_negative
            if error < best_error:
                best, best_error = (bands, rows), error
    return best

def _area(values: np.ndarray, grid: np.ndarray) -> float:
    """Trapezoid-rule integral of ``values`` over ``grid``."""
    if len(grid) < 2:
        return 0.0
    return float(np.sum((values[1:] + values[:-1]) * np.diff(grid)) / 2.0)
