"""The semantic pass: greedy over unit sentence embeddings, compared block by block, never n × n."""

from __future__ import annotations

import math

import numpy as np

from isetrace.intents.dedup._checks import check_threshold

__all__ = ["semantic_duplicates"]


_BLOCK_ROWS = 1024
"""Rows of the semantic pass compared at once, against at most this many earlier rows at a time."""

_NORM_TOLERANCE = 1e-3
"""How far a squared row norm may stray from 1 before the embeddings are refused as not normalised."""

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
    check_threshold("threshold", threshold)
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
