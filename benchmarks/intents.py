"""How fast Stage I statistics run at the published scale (~44k intents), against baselines run alongside.

Measures, in one run on this machine:
- Vendi score of 50,000 × 384 random unit embeddings through the d×d covariance (``vendi_score``), median
  of 3 runs; target ≤ 5 s. Baseline: the direct n×n kernel route (what vendi-score's ``score_X`` does:
  eigenvalues of X Xᵀ / n) on ``--direct-size`` rows, the most this machine does in reasonable time and
  memory (4,000 rows: a 128 MB kernel), against the covariance route on the same rows; prints the
  speed-up and how far the two scores differ.
- Near-duplicate dedup (``isetrace.intents.dedup.near_duplicates``, MinHash LSH) of 50,000 synthetic
  intents, generated deterministically with a known share of planted near-duplicates (small word edits
  of an earlier intent); target ≤ 60 s. Reports the time, the process's peak RSS before and after,
  recall of the planted duplicates and false positives (reported pairs that are not planted, with their
  true Jaccard over word 3-shingles of ``word_tokens``). Baselines measured in the same run: the exact
  pass (``exact_duplicates``: a BLAKE2b hash of each normalised text) over the same texts — the cost
  floor, which finds only the copies that changed case or spacing — and brute-force Jaccard over all pairs of
  a ``--brute-sample`` random sample, timed and extrapolated quadratically to the full size (stated as
  extrapolated in the output).

Prints the ratios; the last line is one JSON object with every figure.

    .venv/bin/python benchmarks/intents.py [--size 50000] [--direct-size 4000] [--brute-sample 1500] [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from isetrace.diversity.scores import vendi_score, word_tokens

THRESHOLD = 0.8
SHINGLE = 3  # words per shingle for the "true" Jaccard the benchmark judges pairs by
BANDS = [("<0.80", 0.0, 0.8), ("0.80-0.85", 0.8, 0.85), ("0.85-0.90", 0.85, 0.9), (">=0.90", 0.9, 1.01)]

# ------------------------------------------------------------------------------------------ synthetic intents

NAMES = ["Ana", "Bilal", "Chen", "Dara", "Emeka", "Freya", "Goran", "Hana", "Ines", "Jonas", "Kavya", "Lior",
         "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tomás", "Umar", "Vera", "Wen", "Yusuf"]
LEVELS = ["junior", "mid-level", "senior", "lead", "principal", "head of"]
ROLES = ["data analyst", "nurse manager", "backend engineer", "teacher", "accountant", "agronomist",
         "journalist", "release manager", "supply planner", "lab technician", "paralegal", "sound engineer",
         "site reliability engineer", "HR partner", "fleet coordinator", "pharmacist", "architect",
         "marketing lead", "biostatistician", "museum curator"]
ORGS = ["a regional hospital", "a logistics startup", "a public school", "a mid-size bank", "a seed cooperative",
        "a newsroom", "a game studio", "a law firm", "a wind farm operator", "a city library", "a biotech lab",
        "a furniture retailer", "an airline MRO shop", "a charity", "a payments company"]
CITIES = ["Lisbon", "Nairobi", "Osaka", "Denver", "Tallinn", "Recife", "Pune", "Leeds", "Hobart", "Graz",
          "Accra", "Monterrey", "Busan", "Turku", "Cork"]
FILES = ["sales_q{q}.csv", "inventory_{y}.xlsx", "shifts_week{w}.json", "notes/{y}-{w}.md", "logs/app-{w}.log",
         "data/readings_{q}.tsv", "reports/summary_{y}.pdf", "src/billing/{w}_jobs.py", "exports/users_{w}.csv"]
VERBS = ["summarise", "clean up", "merge", "validate", "chart", "deduplicate", "archive", "compare", "rename",
         "compress", "translate", "audit", "schedule", "back up", "tag", "index", "reconcile", "sort"]
OBJECTS = ["the rows with missing totals", "every entry older than {d} days", "the duplicate customer records",
           "the failing cron jobs", "the top {k} items by revenue", "the columns {c1} and {c2}",
           "the error lines from last night", "the figures for {city}", "the draft changelog",
           "the open merge requests", "the audio interviews", "the weekly metrics", "the supplier invoices"]
COLUMNS = ["region", "units", "price", "margin", "status", "owner", "due", "score", "batch", "site", "shift"]
DELIVERABLES = ["a one-page report", "a cleaned CSV", "a short email draft", "a bar chart as PNG",
                "a JSON summary", "a Markdown table", "a shell script I can rerun", "a checklist"]
DEADLINES = ["before {h}:00 today", "by Friday", "by the end of the week", "before tomorrow's stand-up",
             "within the hour", "by {h}:30"]
FILLER = ["honestly", "ideally", "if possible", "as usual", "quickly", "carefully", "again", "properly"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(q=rng.randint(1, 4), y=rng.randint(2019, 2026), w=rng.randint(1, 52),
                           d=rng.randint(7, 400), k=rng.randint(3, 50), c1=rng.choice(COLUMNS),
                           c2=rng.choice(COLUMNS), city=rng.choice(CITIES), h=rng.randint(8, 18))


def synthetic_intent(rng: random.Random) -> str:
    """One first-person request: who asks, 2–4 sub-tasks on named files, a small inline table, a deliverable."""
    parts = [f"Hi, I'm {rng.choice(NAMES)}, {rng.choice(LEVELS)} {rng.choice(ROLES)} at {rng.choice(ORGS)} "
             f"in {rng.choice(CITIES)}."]
    for _ in range(rng.randint(2, 4)):
        parts.append(f"Please {rng.choice(FILLER)} {rng.choice(VERBS)} {_fill(rng.choice(OBJECTS), rng)} "
                     f"in {_fill(rng.choice(FILES), rng)}.")
    columns = rng.sample(COLUMNS, 3)
    rows = [",".join(columns)] + [",".join(str(rng.randint(0, 9999)) for _ in columns)
                                  for _ in range(rng.randint(2, 4))]
    parts.append("Here is a sample: " + " ; ".join(rows) + ".")
    parts.append(f"I need {rng.choice(DELIVERABLES)} {_fill(rng.choice(DEADLINES), rng)}.")
    return " ".join(parts)


def near_copy(text: str, rng: random.Random) -> str:
    """A planted near-duplicate: one or two words replaced, a number changed, or the case and spacing
    of the whole request altered — what an LLM renders twice from one sample."""
    words = text.split(" ")
    kind = rng.randrange(3)
    if kind == 0:
        for _ in range(rng.randint(1, 2)):
            words[rng.randrange(len(words))] = rng.choice(FILLER)
    elif kind == 1:
        numbers = [i for i, w in enumerate(words) if any(ch.isdigit() for ch in w)]
        index = rng.choice(numbers) if numbers else rng.randrange(len(words))
        words[index] = str(rng.randint(0, 9999))
    else:
        return "  ".join(words).upper() if rng.random() < 0.5 else text.lower() + " Thanks!"
    return " ".join(words)


def synthetic_pool(size: int, dup_share: float, seed: int) -> tuple[list[str], list[int]]:
    """``size`` texts; ``cluster[i]`` is the index of the original text ``i`` copies (itself if original)."""
    rng = random.Random(seed)
    texts: list[str] = []
    cluster: list[int] = []
    for index in range(size):
        if index > 10 and rng.random() < dup_share:
            base = cluster[rng.randrange(index)]  # copies of copies still point at the original
            texts.append(near_copy(texts[base], rng))
            cluster.append(base)
        else:
            texts.append(synthetic_intent(rng))
            cluster.append(index)
    return texts, cluster


def shingles(text: str) -> set[tuple[str, ...]]:
    tokens = word_tokens(text)
    return {tuple(tokens[i:i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))}


def jaccard(a: set[Any], b: set[Any]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


# ------------------------------------------------------------------------------------------ measurements


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def unit_rows(count: int, dim: int, seed: int) -> npt.NDArray[np.float32]:
    rows = np.random.default_rng(seed).standard_normal((count, dim), dtype=np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def direct_vendi(rows: npt.NDArray[np.float32]) -> float:
    """The baseline: the n×n kernel route, as vendi-score defines it (eigenvalues of K/n, K = X Xᵀ)."""
    x = rows.astype(np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)  # in float64, as the package (and vendi_score) do
    p = np.linalg.eigvalsh(x @ x.T / len(x))
    p = p[p > p.max() * len(p) * np.finfo(np.float64).eps]
    return float(np.exp(-np.sum(p * np.log(p))))


def bench_vendi(size: int, direct_size: int) -> dict[str, Any]:
    pool = unit_rows(size, 384, seed=1)
    runs = [timed(lambda: vendi_score(pool)) for _ in range(3)]
    full_s = statistics.median(t for t, _ in runs)
    small = pool[:direct_size]
    direct_s, direct = timed(lambda: direct_vendi(small))
    cov_runs = [timed(lambda: vendi_score(small)) for _ in range(3)]
    cov_s = statistics.median(t for t, _ in cov_runs)
    return {"vendi_rows": size, "vendi_s": round(full_s, 3), "vendi_score": round(runs[0][1], 4),
            "vendi_direct_rows": direct_size, "vendi_direct_s": round(direct_s, 3),
            "vendi_cov_same_rows_s": round(cov_s, 4), "vendi_speedup_same_rows": round(direct_s / cov_s, 1),
            "vendi_direct_abs_diff": float(abs(direct - cov_runs[0][1]))}


def brute_force(texts: Sequence[str], threshold: float) -> list[tuple[int, int]]:
    sets = [shingles(t) for t in texts]
    return [(j, i) for i, j in itertools.combinations(range(len(sets)), 2) if jaccard(sets[i], sets[j]) >= threshold]


def judge(pairs: Sequence[tuple[int, int]], cluster: Sequence[int], texts: Sequence[str]) -> dict[str, Any]:
    """Recall of planted duplicates and false positives among reported pairs."""
    planted = [i for i, c in enumerate(cluster) if c != i]
    found: set[int] = set()
    false_pairs = []
    for dup, kept in pairs:
        if cluster[dup] == cluster[kept]:
            found.update(i for i in (dup, kept) if cluster[i] != i)
        else:
            false_pairs.append((dup, kept))
    similar = sum(jaccard(shingles(texts[a]), shingles(texts[b])) >= THRESHOLD for a, b in false_pairs)
    planted_jaccard = [jaccard(shingles(texts[i]), shingles(texts[cluster[i]])) for i in planted]
    above = [i for i, j in zip(planted, planted_jaccard, strict=True) if j >= THRESHOLD]
    missed = [j for i, j in zip(planted, planted_jaccard, strict=True) if i not in found]
    bands: dict[str, list[int]] = {label: [0, 0] for label, _, _ in BANDS}
    for i, j in zip(planted, planted_jaccard, strict=True):
        label = next(label for label, low, high in BANDS if low <= j < high)
        bands[label][0] += 1
        bands[label][1] += i in found
    return {"planted": len(planted), "found": len(found), "recall": len(found) / len(planted) if planted else 1.0,
            "planted_above_threshold": len(above),
            "recall_above_threshold": (sum(i in found for i in above) / len(above)) if above else 1.0,
            "recall_by_jaccard": {label: round(hit / total, 4) if total else None
                                  for label, (total, hit) in bands.items()},
            "planted_by_jaccard": {label: total for label, (total, _) in bands.items()},
            "missed_median_jaccard": round(statistics.median(missed), 3) if missed else None,
            "false_positive_pairs": len(false_pairs), "false_positives_truly_similar": int(similar)}


def bench_dedup(size: int, dup_share: float, brute_sample: int) -> dict[str, Any]:
    from isetrace.intents.dedup import exact_duplicates, near_duplicates

    generate_s, (texts, cluster) = timed(lambda: synthetic_pool(size, dup_share, seed=7))
    rss_before = peak_rss_mb()
    exact_s, exact_pairs = timed(lambda: exact_duplicates(texts))
    dedup_s, pairs = timed(lambda: near_duplicates(texts, threshold=THRESHOLD, num_perm=128))
    rss_after = peak_rss_mb()
    quality = judge(pairs, cluster, texts)
    exact_quality = judge(exact_pairs, cluster, texts)
    sample = random.Random(3).sample(range(size), min(brute_sample, size))
    brute_s, _ = timed(lambda: brute_force([texts[i] for i in sample], THRESHOLD))
    brute_full_s = brute_s * (size * (size - 1)) / (len(sample) * (len(sample) - 1))
    return {"dedup_texts": size, "dedup_generate_s": round(generate_s, 2), "dedup_s": round(dedup_s, 2),
            "dedup_pairs": len(pairs), "dedup_peak_rss_before_mb": round(rss_before, 1),
            "dedup_peak_rss_after_mb": round(rss_after, 1), **{f"dedup_{k}": v for k, v in quality.items()},
            "exact_hash_s": round(exact_s, 3), "exact_hash_recall": round(exact_quality["recall"], 4),
            "brute_sample": len(sample), "brute_sample_s": round(brute_s, 2),
            "brute_extrapolated_s": round(brute_full_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=50_000, help="embedding rows and intents (default 50,000)")
    parser.add_argument("--direct-size", type=int, default=4_000, help="rows for the n×n kernel baseline")
    parser.add_argument("--brute-sample", type=int, default=1_500, help="texts for the brute-force Jaccard baseline")
    parser.add_argument("--dup-share", type=float, default=0.10, help="share of planted near-duplicates")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.size, args.direct_size, args.brute_sample = 3_000, 800, 300
    dedup = bench_dedup(args.size, args.dup_share, args.brute_sample)
    vendi = bench_vendi(args.size, min(args.direct_size, args.size))
    print(f"Vendi {vendi['vendi_rows']:,} × 384 via d×d covariance   median {vendi['vendi_s']:7.3f} s"
          f"   target ≤ 5 s   time/target = {vendi['vendi_s'] / 5.0:.3f}   (score {vendi['vendi_score']:.2f})")
    print(f"Vendi {vendi['vendi_direct_rows']:,} rows: n×n kernel {vendi['vendi_direct_s']:.3f} s, covariance "
          f"{vendi['vendi_cov_same_rows_s']:.4f} s   speed-up = {vendi['vendi_speedup_same_rows']:.1f}×"
          f"   |Δscore| = {vendi['vendi_direct_abs_diff']:.1e}")
    print(f"near-dup dedup of {dedup['dedup_texts']:,} intents            {dedup['dedup_s']:7.2f} s"
          f"   target ≤ 60 s   time/target = {dedup['dedup_s'] / 60.0:.3f}"
          f"   peak RSS {dedup['dedup_peak_rss_before_mb']:.0f} → {dedup['dedup_peak_rss_after_mb']:.0f} MB")
    print(f"  planted near-duplicates {dedup['dedup_planted']:,}: found {dedup['dedup_found']:,}"
          f" (recall {dedup['dedup_recall']:.4f}; {dedup['dedup_recall_above_threshold']:.4f} on the"
          f" {dedup['dedup_planted_above_threshold']:,} whose word-{SHINGLE}-shingle Jaccard ≥ {THRESHOLD};"
          f" missed ones' median Jaccard {dedup['dedup_missed_median_jaccard']})"
          f"   false-positive pairs {dedup['dedup_false_positive_pairs']}"
          f" ({dedup['dedup_false_positives_truly_similar']} of them truly ≥ {THRESHOLD})")
    print("  recall by true Jaccard of the planted pair: " + "   ".join(
        f"{label}: {dedup['dedup_recall_by_jaccard'][label]} of {dedup['dedup_planted_by_jaccard'][label]:,}"
        for label, _, _ in BANDS))
    print(f"  baseline exact-hash pass {dedup['exact_hash_s']:.3f} s (recall {dedup['exact_hash_recall']:.4f})"
          f"   dedup/exact-hash = {dedup['dedup_s'] / max(dedup['exact_hash_s'], 1e-9):.0f}×")
    print(f"  baseline brute-force Jaccard: {dedup['brute_sample']:,} texts in {dedup['brute_sample_s']:.2f} s,"
          f" extrapolated (n²) to {dedup['dedup_texts']:,}: {dedup['brute_extrapolated_s']:,.0f} s"
          f"   brute/dedup = {dedup['brute_extrapolated_s'] / max(dedup['dedup_s'], 1e-9):.0f}×")
    print(json.dumps({**vendi, **dedup, "threshold": THRESHOLD, "dup_share": args.dup_share, "quick": args.quick}))


if __name__ == "__main__":
    main()
