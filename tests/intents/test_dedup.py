"""Deduplicating rendered intents: exact, near-duplicate and semantic passes, and the report they make."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from isetrace.intents.dedup import (
    DedupPass,
    deduplicate,
    exact_duplicates,
    near_duplicates,
    normalise,
    semantic_duplicates,
)
from isetrace.records import Intent

FREIGHT = (
    "I run the finance desk at a mid-sized logistics firm in Rotterdam, and I need the Q3 freight cost report "
    "rebuilt before Friday's board meeting. The raw export is in data/q3_freight.csv with the columns carrier, "
    "lane, shipments and cost_eur. Please group the rows by carrier, compute the total cost and the average cost "
    "per shipment, and flag every lane whose average is more than 15% above the carrier's mean. Last quarter the "
    "total came to 4,250,000 EUR, so include the change against that figure as a percentage. Write the summary "
    "table to reports/q3_freight_summary.md and a bar chart of cost per carrier to reports/q3_freight.png. "
    "Keep the wording plain. When you are done, message me the three carriers whose costs moved the most."
)
FREIGHT_NUMBER_CHANGED = FREIGHT.replace("4,250,000 EUR", "4,310,000 EUR")
FREIGHT_SENTENCE_CHANGED = FREIGHT.replace("Keep the wording plain.", "Use British spelling throughout.")
# Same desk, same file, different asks: these share a topic and some phrases, not the request.
FREIGHT_FORECAST = (
    "I run the finance desk at a mid-sized logistics firm in Rotterdam. Using data/q3_freight.csv, fit a simple "
    "trend per carrier on the weekly cost_eur totals and project Q4 spending, assuming shipments grow 3% a month. "
    "Put the forecast in forecasts/q4_freight.json with one entry per carrier and a confidence band, and tell me "
    "which carrier contract we should renegotiate first and why, in no more than five sentences."
)
FREIGHT_CLEANUP = (
    "Our Q3 freight export in data/q3_freight.csv is a mess: carrier names are spelled three different ways, some "
    "lanes have negative shipment counts and the cost_eur column mixes commas and dots as decimal separators. "
    "Write a Python script at scripts/clean_freight.py that fixes all of that, run it, save the cleaned file as "
    "data/q3_freight_clean.csv and list every row you had to drop together with the reason."
)
ONBOARDING = (
    "I'm the new office manager at a dental practice in Leeds. Set up a weekly reminder every Monday at 8:00 "
    "that emails the three hygienists the week's appointment list from schedule/appointments.ics, and keep a log "
    "of each reminder that was sent in logs/reminders.log so I can check it on Fridays."
)

WORDS = [
    "amber", "basin", "cedar", "delta", "ember", "fjord", "granite", "harbor", "indigo", "juniper", "kelp",
    "lagoon", "meadow", "nectar", "orchid", "pebble", "quartz", "ridge", "saffron", "tundra", "umber", "valley",
    "willow", "xenon", "yarrow", "zephyr", "anchor", "beacon", "canyon", "dune", "estuary", "falcon", "glacier",
    "heron", "island", "jetty", "kestrel", "lantern", "marsh", "nebula", "oasis", "prairie", "quiver", "reef",
    "summit", "thicket", "upland", "vortex", "wharf", "yonder", "zenith", "alloy", "bramble", "cobalt", "drift",
    "eddy", "fern", "grove", "hollow", "inlet", "jade", "knoll", "ledge", "mesa", "noble", "opal", "plume", "quill",
    "rapids", "shoal", "timber", "umbra", "vale", "wren", "axle", "bolt", "cable", "dial", "engine", "flange",
    "gasket", "hinge", "ingot", "jack", "kiln", "lever", "motor", "nozzle", "piston", "quench", "rivet", "spindle",
    "turbine", "valve", "winch", "yoke",
]


def _intent(intent_id: str, text: str) -> Intent:
    return Intent(id=intent_id, natural_language_intent=text)


def _unit(vector: Sequence[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float64)
    return array / np.linalg.norm(array)


def _at_cosine(base: np.ndarray, other: np.ndarray, cosine: float) -> np.ndarray:
    """A unit vector whose cosine with unit ``base`` is exactly ``cosine``, leaning towards ``other``."""
    ortho = _unit(other - (other @ base) * base)
    return cosine * base + math.sqrt(1.0 - cosine * cosine) * ortho


# ------------------------------------------------------------------------------------------------ exact


def test_normalise_folds_case_width_invisibles_whitespace_and_edge_punctuation() -> None:
    assert normalise('  "Please SUMMARISE\tthe  Q3\n\nsales CSV!!!" ') == "please summarise the q3 sales csv"
    assert normalise("Ｑ３ ﬁle\u200b report…") == "q3 file report"
    assert normalise("Straße") == "strasse"
    assert normalise("(Is it 3.5% or $3,50?)") == "is it 3.5% or $3,50"
    assert normalise("¿Qué tal?") == "qué tal"
    assert normalise("Keep the inner, punctuation; intact.") == "keep the inner, punctuation; intact"
    assert normalise("!!! ... ???") == ""


def test_exact_duplicates_differ_only_in_case_whitespace_and_trailing_punctuation() -> None:
    texts = [
        "Please summarise the Q3 sales CSV.",
        "Draft a reply to the supplier about the late pallets.",
        "  please SUMMARISE the q3\n\tsales   csv!!! ",
        "Please summarise the Q3 sales CSV",
        "Please summarise the Q4 sales CSV.",
        "draft a reply to the supplier about the late pallets",
    ]
    assert exact_duplicates(texts) == [(2, 0), (3, 0), (5, 1)]
    assert exact_duplicates([]) == []


# ---------------------------------------------------------------------------------------- near-duplicate


def test_a_changed_number_or_sentence_is_a_near_duplicate_at_the_default_threshold() -> None:
    texts = [FREIGHT, FREIGHT_NUMBER_CHANGED, ONBOARDING, FREIGHT_SENTENCE_CHANGED]
    assert near_duplicates(texts) == [(1, 0), (3, 0)]


def test_distinct_requests_on_the_same_topic_are_not_near_duplicates() -> None:
    texts = [FREIGHT, FREIGHT_FORECAST, FREIGHT_CLEANUP, ONBOARDING]
    assert near_duplicates(texts) == []
    assert near_duplicates(texts, threshold=0.5) == []


def test_the_near_pass_compares_each_text_with_kept_texts_only() -> None:
    first = WORDS[:60]
    second = [*first[:50], "x1", "x2", "x3", "x4", "x5", *first[55:]]  # five words changed near the end
    third = [*second[:5], "y1", "y2", "y3", "y4", "y5", *second[10:]]  # and five more near the start
    texts = [" ".join(first), " ".join(second), " ".join(third)]
    assert near_duplicates(texts[1:], threshold=0.7) == [(1, 0)]  # `third` is a near twin of `second` …
    assert near_duplicates([texts[0], texts[2]], threshold=0.7) == []  # … but not of `first`
    # `second` goes as a twin of `first`, so `third` has only `first` to be compared with, and stays.
    assert near_duplicates(texts, threshold=0.7) == [(1, 0)]


def test_near_threshold_one_catches_only_identical_word_sequences() -> None:
    texts = ["Move the logs, then restart nginx", "move the logs then restart nginx", "move the logs then stop nginx"]
    assert near_duplicates(texts, threshold=1.0) == [(1, 0)]


def test_few_permutations_and_a_high_threshold_still_work() -> None:
    # datasketch's own band choice refuses this combination (a single band); ours keeps two or more.
    assert near_duplicates([FREIGHT, FREIGHT + " Thanks.", ONBOARDING], threshold=0.95, num_perm=16) == [(1, 0)]


def test_texts_without_words_and_short_texts_are_handled() -> None:
    texts = ["", "???", "fix it", "Fix it!", "fix that"]
    assert near_duplicates(texts) == [(3, 2)]


def test_near_duplicates_are_the_same_in_a_fresh_process_with_another_hash_seed() -> None:
    texts = [FREIGHT, FREIGHT_NUMBER_CHANGED, FREIGHT_FORECAST, FREIGHT_SENTENCE_CHANGED, FREIGHT_CLEANUP]
    here = near_duplicates(texts, threshold=0.6, num_perm=64)
    assert here == near_duplicates(texts, threshold=0.6, num_perm=64)
    script = (
        "import json, sys\n"
        "from isetrace.intents.dedup import near_duplicates\n"
        "texts = json.load(sys.stdin)\n"
        "print(json.dumps(near_duplicates(texts, threshold=0.6, num_perm=64)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(texts), capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert [tuple(pair) for pair in json.loads(done.stdout)] == here


def test_near_duplicates_at_scale_find_planted_copies_and_nothing_else() -> None:
    rng = random.Random(20240607)
    texts: list[str] = []
    source_of: dict[int, int] = {}
    originals: list[int] = []
    for index in range(5_000):
        if originals and rng.random() < 0.1:
            source = rng.choice(originals)
            words = texts[source].split()
            edit = rng.randrange(3)
            spot = rng.randrange(len(words))
            if edit == 0:
                words[spot] = str(rng.randint(10, 99_999))  # a number changed
            elif edit == 1:
                words.insert(spot, rng.choice(WORDS))  # a word added
            else:
                del words[spot]  # a word dropped
            texts.append(" ".join(words))
            source_of[index] = source
        else:
            texts.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 90))))
            originals.append(index)
    pairs = near_duplicates(texts)
    found = {dup: kept for dup, kept in pairs}
    assert not set(found) & set(originals), "a clearly distinct text was dropped"
    recalled = sum(found.get(dup) == source for dup, source in source_of.items())
    assert len(source_of) >= 400
    assert recalled / len(source_of) >= 0.9
    assert all(dup > kept for dup, kept in pairs)


# ----------------------------------------------------------------------------------------------- semantic


def test_nearly_parallel_embeddings_are_semantic_duplicates() -> None:
    rng = np.random.default_rng(7)
    base = _unit(rng.normal(size=32))
    other = _unit(rng.normal(size=32))
    unrelated = _unit(rng.normal(size=32))
    twin = _at_cosine(base, other, 0.99)
    matrix = np.stack([base, unrelated, twin])
    assert semantic_duplicates(matrix) == [(2, 0)]
    assert semantic_duplicates(matrix.astype(np.float32)) == [(2, 0)]


def test_the_semantic_threshold_is_strict_and_configurable() -> None:
    base = _unit([1.0, 0.0, 0.0, 0.0])
    side = _unit([0.0, 1.0, 0.0, 0.0])
    matrix = np.stack([base, _at_cosine(base, side, 0.95)])
    assert semantic_duplicates(matrix) == [(1, 0)]  # 0.95 > 0.92
    assert semantic_duplicates(matrix, threshold=0.96) == []
    halfway = np.array([[1.0, 0.0], [0.5, math.sqrt(0.75)]])  # cosine exactly 0.5
    assert semantic_duplicates(halfway, threshold=0.5) == []
    assert semantic_duplicates(halfway, threshold=0.49) == [(1, 0)]


def test_the_semantic_pass_is_greedy_against_kept_rows_and_names_the_closest() -> None:
    a = _unit([1.0, 0.0, 0.0])
    side = _unit([0.0, 1.0, 0.0])
    b = _at_cosine(a, side, 0.95)
    c = _at_cosine(b, side, 0.95)  # close to b, about 0.81 from a
    assert semantic_duplicates(np.stack([a, b, c])) == [(1, 0)]
    # Two kept rows at cosine 0.85; a third is above the threshold for both, closer to `a`: it is named
    # after `a`, the most similar kept row, even when `a` is not the earliest.
    d = np.array([0.85, math.sqrt(1.0 - 0.85**2), 0.0])
    x = _unit(0.6 * a + 0.4 * d)  # cosine 0.976 with a, 0.945 with d
    assert semantic_duplicates(np.stack([a, d, x])) == [(2, 0)]
    assert semantic_duplicates(np.stack([d, a, x])) == [(2, 1)]


def test_semantic_blocks_agree_with_a_brute_force_greedy_reference() -> None:
    rng = np.random.default_rng(11)
    matrix = rng.normal(size=(2_600, 48))
    for dup, source in [(1_500, 10), (2_100, 1_100), (1_030, 1_025), (2_599, 2_050), (1_024, 1_023), (2_048, 5)]:
        matrix[dup] = matrix[source] + rng.normal(scale=0.05, size=48)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    expected: list[tuple[int, int]] = []
    kept: list[int] = []
    for row in range(len(matrix)):
        sims = matrix[kept] @ matrix[row] if kept else np.empty(0)
        if len(sims) and sims.max() > 0.92:
            expected.append((row, kept[int(np.argmax(sims))]))
        else:
            kept.append(row)
    assert len(expected) >= 6
    assert semantic_duplicates(matrix) == expected


def test_empty_embeddings_have_no_duplicates() -> None:
    assert semantic_duplicates(np.empty((0, 8))) == []


# ----------------------------------------------------------------------------------------------- pipeline


def _fake_embedder(vectors: dict[str, np.ndarray], calls: list[list[str]]) -> Any:
    def embed(texts: Sequence[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.stack([vectors[text] for text in texts])

    return embed


def _pipeline_intents() -> tuple[list[Intent], dict[str, np.ndarray]]:
    paraphrase = (
        "I'm new as office manager at a Leeds dental practice. Every Monday at 8:00, email the three hygienists "
        "this week's appointments from schedule/appointments.ics and log each reminder in logs/reminders.log so I "
        "can review it on Fridays."
    )
    intents = [
        _intent("s0-000001", FREIGHT),
        _intent("s0-000002", ONBOARDING),
        _intent("s0-000003", "  " + FREIGHT.upper() + "!! "),
        _intent("s0-000004", FREIGHT_CLEANUP),
        _intent("s0-000005", FREIGHT_NUMBER_CHANGED),
        _intent("s0-000006", paraphrase),
        _intent("s0-000007", FREIGHT_FORECAST),
        _intent("s0-000008", ONBOARDING.lower()),
    ]
    rng = np.random.default_rng(3)
    vectors = {intent.natural_language_intent: _unit(rng.normal(size=16)) for intent in intents}
    vectors[paraphrase] = _at_cosine(vectors[ONBOARDING], _unit(rng.normal(size=16)), 0.97)
    return intents, vectors


def test_deduplicate_runs_three_passes_and_reports_each() -> None:
    intents, vectors = _pipeline_intents()
    calls: list[list[str]] = []
    result = deduplicate(intents, embed=_fake_embedder(vectors, calls))
    assert [i.id for i in result.kept] == ["s0-000001", "s0-000002", "s0-000004", "s0-000007"]
    assert result.passes == [
        DedupPass("exact", 8, 2, [("s0-000003", "s0-000001"), ("s0-000008", "s0-000002")]),
        DedupPass("near-duplicate", 6, 1, [("s0-000005", "s0-000001")]),
        DedupPass("semantic", 5, 1, [("s0-000006", "s0-000002")]),
    ]
    assert [p.after for p in result.passes] == [6, 5, 4]
    assert [(i.id, reason) for i, reason in result.dropped] == [
        ("s0-000003", "exact duplicate of s0-000001"),
        ("s0-000008", "exact duplicate of s0-000002"),
        ("s0-000005", "near-duplicate of s0-000001 (jaccard ≥ 0.80)"),
        ("s0-000006", "semantic duplicate of s0-000002 (cosine > 0.92)"),
    ]
    # The embedder only sees what survived the first two passes, in input order.
    assert calls == [[intents[i].natural_language_intent for i in (0, 1, 3, 5, 6)]]
    assert len(result.kept) + len(result.dropped) == len(intents)


def test_without_an_embedder_the_semantic_pass_is_reported_as_skipped() -> None:
    intents, _ = _pipeline_intents()
    result = deduplicate(intents, near_threshold=0.85)
    semantic = result.passes[-1]
    assert (semantic.name, semantic.before, semantic.removed, semantic.after, semantic.skipped) == (
        "semantic", 5, 0, 5, True)
    assert not any(p.skipped for p in result.passes[:2])
    assert [i.id for i in result.kept] == ["s0-000001", "s0-000002", "s0-000004", "s0-000006", "s0-000007"]
    assert result.dropped[-1][1] == "near-duplicate of s0-000001 (jaccard ≥ 0.85)"


def test_deduplicate_keeps_input_order_and_is_deterministic() -> None:
    intents, vectors = _pipeline_intents()
    shuffled = intents[::-1]
    first = deduplicate(shuffled, embed=_fake_embedder(vectors, []))
    second = deduplicate(shuffled, embed=_fake_embedder(vectors, []))
    assert first == second
    positions = [shuffled.index(i) for i in first.kept]
    assert positions == sorted(positions)
    # Reversed, the later copies come first and are the ones kept.
    assert {i.id for i in first.kept} >= {"s0-000008", "s0-000006"}
    assert deduplicate([]).kept == []


def test_reasons_print_uncommon_thresholds_without_rounding() -> None:
    intents, vectors = _pipeline_intents()
    result = deduplicate(intents, near_threshold=0.825, semantic_threshold=0.9, embed=_fake_embedder(vectors, []))
    reasons = [reason for _, reason in result.dropped]
    assert "near-duplicate of s0-000001 (jaccard ≥ 0.825)" in reasons
    assert "semantic duplicate of s0-000002 (cosine > 0.90)" in reasons


# ------------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.01, math.nan, True, "0.8"])
def test_bad_thresholds_are_refused(threshold: Any) -> None:
    with pytest.raises(ValueError, match=r"threshold must be a number in \(0, 1\]"):
        near_duplicates(["a b c"], threshold=threshold)
    with pytest.raises(ValueError, match=r"threshold must be a number in \(0, 1\]"):
        semantic_duplicates(np.eye(2), threshold=threshold)
    with pytest.raises(ValueError, match="near_threshold"):
        deduplicate([], near_threshold=threshold)
    with pytest.raises(ValueError, match="semantic_threshold"):
        deduplicate([], semantic_threshold=threshold)


@pytest.mark.parametrize("num_perm", [15, 0, 128.0, True])
def test_bad_num_perm_is_refused(num_perm: Any) -> None:
    with pytest.raises(ValueError, match="num_perm must be an integer ≥ 16"):
        near_duplicates(["a b c"], num_perm=num_perm)
    with pytest.raises(ValueError, match="num_perm"):
        deduplicate([], num_perm=num_perm)


@pytest.mark.parametrize(
    ("embeddings", "message"),
    [
        (np.ones(4) / 2.0, "2-D"),
        (np.ones((2, 2, 2)), "2-D"),
        (np.ones((3, 0)), "zero columns"),
        (np.array([[1.0, 0.0], [3.0, 4.0]]), "row 1 has norm 5"),
        (np.array([[1.0, 0.0], [math.nan, 0.0]]), "row 1 is not finite"),
        (np.array([["a", "b"]]), "real numbers"),
    ],
)
def test_bad_embeddings_are_refused(embeddings: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        semantic_duplicates(embeddings)


def test_an_embedder_must_return_one_unit_row_per_text() -> None:
    intents = [_intent("a", FREIGHT), _intent("b", ONBOARDING)]
    with pytest.raises(ValueError, match=r"shape \(1, 3\) for 2 texts"):
        deduplicate(intents, embed=lambda texts: np.eye(3)[:1])
    with pytest.raises(ValueError, match="L2-normalised"):
        deduplicate(intents, embed=lambda texts: np.full((len(texts), 3), 2.0))


def test_unrendered_intents_and_repeated_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="intent x has no natural_language_intent"):
        deduplicate([_intent("a", FREIGHT), _intent("x", "  ")])
    with pytest.raises(ValueError, match="intent id a appears more than once"):
        deduplicate([_intent("a", FREIGHT), _intent("a", ONBOARDING)])
