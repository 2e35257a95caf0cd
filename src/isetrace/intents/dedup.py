"""Deduplication of rendered intents: exact, near-duplicate, then semantic.

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

import hashlib
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

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

_BLOCK_ROWS = 1024
"""Rows of the semantic pass compared at once, against at most this many earlier rows at a time."""

_SHINGLE_CHUNK = 65_536
"""Texts' shingles are hashed in numpy batches of about this many tokens."""

_LSH_WEIGHTS = (0.1, 0.9)
"""Weights of (false positive, false negative) when choosing LSH bands.

Every LSH candidate is confirmed with the MinHash estimate before anything is dropped, so a false
positive costs one comparison of two signatures, while a false negative is a duplicate that silently
stays. Hence the weight on recall (datasketch's default is 0.5/0.5, which finds a pair at exactly the
threshold only ~40% of the time at 0.8/128).
"""

_NORM_TOLERANCE = 1e-3
"""How far a squared row norm may stray from 1 before the embeddings are refused as not normalised."""

_WORD = re.compile(r"\w+(?:[.,'’:/@-]\w+)*")
"""A word: letters, digits or underscores, joined across one inner mark (3.5, 1,200, don't, a.csv, e-mail)."""

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
"""Only non-ASCII characters can be format characters; looking only at them keeps :func:`normalise` fast."""

_MIX_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


# ------------------------------------------------------------------------------------------- exact pass


def normalise(text: str) -> str:
    """The text the exact pass compares, and the near-duplicate pass splits into words.

    In this order:

    1. Unicode NFKC (full-width letters, ligatures and compatibility forms become plain ones: ``ﬁle`` →
       ``file``, ``１２`` → ``12``, ``…`` → ``...``);
    2. case folding (``str.casefold``: ``Straße`` → ``strasse``), then NFKC again, because folding can
       produce text that is not NFKC;
    3. removing invisible format characters (Unicode category ``Cf``: zero-width spaces and joiners, soft
       hyphens, byte-order marks);
    4. collapsing every run of whitespace (any Unicode space, tab or newline) into one ASCII space;
    5. stripping punctuation (Unicode categories ``P*``: ``.,;:!?…'"«»()[]{}-–—``…) and whitespace from
       both ends, repeatedly, so ``  "Do it!" `` → ``do it``. Symbols (``$ % € + = #`` and emoji) and
       everything inside the text stay as they are.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    visible = _NON_ASCII.sub(_drop_format_character, folded)
    collapsed = " ".join(visible.split())
    start, end = 0, len(collapsed)
    while start < end and _is_edge_noise(collapsed[start]):
        start += 1
    while end > start and _is_edge_noise(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]


def _drop_format_character(match: re.Match[str]) -> str:
    char = match.group()
    return "" if unicodedata.category(char) == "Cf" else char


def _is_edge_noise(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith("P")


def exact_duplicates(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs ``(duplicate index, kept index)`` of texts equal after :func:`normalise`.

    The kept index is the first occurrence of that normalised text; pairs come in order of the duplicate
    index. Texts are compared by a BLAKE2b-128 digest of the normalised UTF-8 text.
    """
    first_seen: dict[bytes, int] = {}
    pairs: list[tuple[int, int]] = []
    for index, text in enumerate(texts):
        digest = hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=16).digest()
        kept = first_seen.setdefault(digest, index)
        if kept != index:
            pairs.append((index, kept))
    return pairs


# ----------------------------------------------------------------------------------- near-duplicate pass


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
    _check_threshold("threshold", threshold)
    _check_num_perm(num_perm)
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


# ------------------------------------------------------------------------------------------ semantic pass


def semantic_duplicates(embeddings: np.ndarray, *, threshold: float = 0.92) -> list[tuple[int, int]]:
    """Pairs ``(duplicate index, kept index)`` of rows whose cosine similarity is greater than ``threshold``.

    Greedy in row order: a row is dropped as a duplicate of the most similar earlier *kept* row (the
    earliest on a tie) when that similarity exceeds the threshold, and kept otherwise. Rows must already be
    L2-normalised, so cosine similarity is a dot product. The work goes block by block: each block of
    1,024 rows is compared with the earlier rows 1,024 at a time (dropped ones masked out) and then within
    itself, so memory stays O(block²) however many rows there are.

    Raises:
        ValueError: ``threshold`` outside (0, 1]; ``embeddings`` not a 2-D array of finite real numbers
            with unit-length rows.
    """
    _check_threshold("threshold", threshold)
    matrix = _check_embeddings(embeddings)
    count = matrix.shape[0]
    is_kept = np.zeros(count, dtype=bool)
    pairs: list[tuple[int, int]] = []
    for start in range(0, count, _BLOCK_ROWS):
        block = matrix[start : start + _BLOCK_ROWS]
        best_sim, best_row = _best_earlier_kept(block, matrix, is_kept, start)
        inner = block @ block.T
        kept_here: list[int] = []
        for offset in range(len(block)):
            sim, row = float(best_sim[offset]), int(best_row[offset])
            if kept_here:
                sims = inner[offset, kept_here]
                local = int(np.argmax(sims))
                if float(sims[local]) > sim:
                    sim, row = float(sims[local]), start + kept_here[local]
            if row >= 0 and sim > threshold:
                pairs.append((start + offset, row))
            else:
                kept_here.append(offset)
                is_kept[start + offset] = True
    return pairs


def _best_earlier_kept(block: np.ndarray, matrix: np.ndarray, is_kept: np.ndarray,
                       start: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``block``: the highest similarity to a kept row before ``start``, and that row.

    Rows with no kept row before ``start`` get similarity −inf and row −1.
    """
    best_sim = np.full(len(block), -np.inf)
    best_row = np.full(len(block), -1, dtype=np.int64)
    for chunk_start in range(0, start, _BLOCK_ROWS):
        chunk_end = min(chunk_start + _BLOCK_ROWS, start)
        mask = is_kept[chunk_start:chunk_end]
        if not mask.any():
            continue
        sims = block @ matrix[chunk_start:chunk_end].T
        sims[:, ~mask] = -np.inf
        local = np.argmax(sims, axis=1)
        local_sim = sims[np.arange(len(block)), local]
        better = local_sim > best_sim
        best_sim[better] = local_sim[better]
        best_row[better] = chunk_start + local[better]
    return best_sim, best_row


def _check_embeddings(embeddings: np.ndarray) -> np.ndarray:
    matrix = np.asarray(embeddings)
    if matrix.ndim != 2:
        raise ValueError(f"embeddings must be a 2-D array (one row per text), got shape {matrix.shape}")
    if matrix.dtype.kind not in "fiu":
        raise ValueError(f"embeddings must hold real numbers, got dtype {matrix.dtype}")
    if matrix.dtype not in (np.float32, np.float64):
        matrix = matrix.astype(np.float64)
    if matrix.shape[0] == 0:
        return matrix
    if matrix.shape[1] == 0:
        raise ValueError("embeddings have zero columns; each row must be a unit vector")
    squared = np.einsum("ij,ij->i", matrix, matrix)
    if not np.all(np.isfinite(squared)):
        raise ValueError(f"embeddings row {int(np.argmin(np.isfinite(squared)))} is not finite")
    off = np.abs(squared - 1.0)
    if float(off.max()) > _NORM_TOLERANCE:
        row = int(np.argmax(off))
        raise ValueError(f"embeddings rows must be L2-normalised; row {row} has norm {math.sqrt(squared[row]):.4g}")
    return matrix


# ---------------------------------------------------------------------------------------- the pipeline


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
    _check_threshold("near_threshold", near_threshold)
    _check_num_perm(num_perm)
    _check_threshold("semantic_threshold", semantic_threshold)
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


def _check_threshold(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")


def _check_num_perm(value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 16:
        raise ValueError(f"num_perm must be an integer ≥ 16, got {value!r}")
