"""Distinct-N, 4D coverage and the diversity report on small hand-made pools."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator

import numpy as np
import pytest

import isetrace.diversity
from isetrace.diversity import coverage, distinct_n, distinct_scores, diversity_report, vendi_score, word_tokens
from isetrace.intents.library import ComplexityLevel, Domain, Library, TaskSpec
from isetrace.records import Intent, IntentMetadata, Persona


def test_the_public_api_is_exactly_all() -> None:
    assert sorted(isetrace.diversity.__all__) == sorted([
        "MINILM_NAME", "AxisCoverage", "Coverage", "DiversityReport", "Embedder", "LibraryAxes", "MiniLMEmbedder",
        "SentenceTransformerEmbedder", "TfidfEmbedder", "coverage", "distinct_n", "distinct_scores", "diversity_report",
        "make_embedder", "vendi_curve", "vendi_score", "word_tokens",
    ])
    for name in isetrace.diversity.__all__:
        assert hasattr(isetrace.diversity, name), name


# --------------------------------------------------------------------------------------------- Distinct-N


def test_word_tokens_are_lowercased_words() -> None:
    assert word_tokens("Send Q3-report.csv to Ana, ASAP!") == ["send", "q3", "report", "csv", "to", "ana", "asap"]


def test_distinct_n_on_hand_counted_cases() -> None:
    texts = ["the cat sat", "The cat ran", "a dog"]
    # unigrams: the cat sat the cat ran a dog → 8 total, {the, cat, sat, ran, a, dog} = 6
    assert distinct_n(texts, 1) == pytest.approx(6 / 8)
    # bigrams: (the cat)(cat sat) (the cat)(cat ran) (a dog) → 5 total, 4 distinct
    assert distinct_n(texts, 2) == pytest.approx(4 / 5)
    # trigrams: (the cat sat) (the cat ran) → 2 total, 2 distinct; "a dog" is too short
    assert distinct_n(texts, 3) == 1.0
    assert distinct_n(["go go go go"], 1) == pytest.approx(1 / 4)
    assert distinct_n(["go go go go"], 2) == pytest.approx(1 / 3)


def test_distinct_scores_read_the_texts_once_and_equal_each_distinct_n() -> None:
    texts = ["the cat sat", "The cat ran", "a dog", "", "go go go go"]
    read = []

    def once() -> Iterator[str]:  # a generator: a second read would find it empty
        for text in texts:
            read.append(text)
            yield text

    assert distinct_scores(once(), (1, 2, 3, 4)) == {n: distinct_n(texts, n) for n in (1, 2, 3, 4)}
    assert read == texts
    with pytest.raises(ValueError):
        distinct_scores(texts, (2, 0))


def test_ngrams_never_span_two_texts() -> None:
    # joined, "b c" would be a bigram; as two texts there is none
    assert distinct_n(["a b", "c d"], 2) == 1.0
    assert distinct_n(["a", "b"], 2) == 0.0


def test_distinct_n_degenerate_inputs() -> None:
    assert distinct_n([], 1) == 0.0
    assert distinct_n(["", "  ", "!!"], 1) == 0.0
    with pytest.raises(ValueError):
        distinct_n(["a b"], 0)


def _reference_distinct(texts: list[str], n: int) -> float:
    grams = [tuple(t[i:i + n]) for t in map(word_tokens, texts) for i in range(len(t) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


@pytest.mark.parametrize("n", [1, 2, 3, 4, 10])
def test_packed_counting_matches_a_set_of_tuples(n: int) -> None:
    rng = random.Random(n)
    words = [f"w{i}" for i in range(300)]  # 300 words: n = 10 needs 90 bits, so the tuple fallback runs
    texts = [" ".join(rng.choices(words[: rng.randint(5, 300)], k=rng.randint(0, 30))) for _ in range(400)]
    assert distinct_n(texts, n) == pytest.approx(_reference_distinct(texts, n), abs=1e-12)


# --------------------------------------------------------------------------------------------- coverage


def _toy_library() -> Library:
    personas = [Persona(id=f"p{i}", name=f"P{i}", role="role", industry=industry)
                for i, industry in enumerate(["health", "health", "retail", "energy"])]
    domains = [
        Domain(name="file-io", description="files", tasks=[TaskSpec(name="read", description="r"),
                                                             TaskSpec(name="write", description="w")]),
        Domain(name="code-runtime", description="code", tasks=[TaskSpec(name="run", description="x")]),
        Domain(name="multimedia", description="media", tasks=[TaskSpec(name="tts", description="t")]),
    ]
    levels = [ComplexityLevel(name=name, prior=prior, domains=(1, 2), tasks=(1, 3), definition=name)
              for name, prior in (("simple", 0.1), ("medium", 0.4), ("complex", 0.5))]
    return Library(personas=personas, domains=domains, complexity=levels)


def _toy_intents(library: Library) -> list[Intent]:
    p0, _, p2, _ = library.personas
    return [
        Intent(id="1", persona_id="p0", domains=["file-io"], tasks=["read"], complexity="simple",
               metadata=IntentMetadata(persona=p0)),
        Intent(id="2", persona_id="p2", domains=["file-io", "code-runtime"], tasks=["read", "write", "run"],
               complexity="medium", metadata=IntentMetadata(persona=p2)),
        # no embedded persona: the industry comes from the library; an unknown task and level are counted apart
        Intent(id="3", persona_id="p1", domains=["code-runtime", "web"], tasks=["run", "crawl"], complexity="medium"),
        Intent(id="4", persona_id="p9", domains=["file-io"], tasks=["write"], complexity="epic"),
    ]


def test_coverage_counts_what_the_intents_touch() -> None:
    library = _toy_library()
    result = coverage(_toy_intents(library), library)
    assert result.intents == 4
    assert (result.personas.used, result.personas.total, result.personas.unknown) == (3, 4, 1)
    assert (result.industries.used, result.industries.total) == (2, 3)  # health, retail of 3
    assert (result.domains.used, result.domains.total, result.domains.unknown) == (2, 3, 1)
    assert (result.tasks.used, result.tasks.total, result.tasks.unknown) == (3, 4, 1)
    assert result.tasks.share == pytest.approx(0.75)
    assert result.complexity == {"simple": 1, "medium": 2, "complex": 0, "epic": 1}
    assert result.complexity_share == {"simple": 0.25, "medium": 0.5, "complex": 0.0, "epic": 0.25}
    assert list(result.complexity) == ["simple", "medium", "complex", "epic"]  # library order first


def test_coverage_of_nothing_is_zero() -> None:
    result = coverage([], _toy_library())
    assert result.personas.share == 0.0 and result.complexity == {"simple": 0, "medium": 0, "complex": 0}
    assert result.complexity_share == {"simple": 0.0, "medium": 0.0, "complex": 0.0}


# --------------------------------------------------------------------------------------------- the report


def test_the_report_keeps_the_embedder_name_beside_every_vendi_figure() -> None:
    library = _toy_library()
    intents = _toy_intents(library)
    texts = ["Read the file", "Write and run the script", "Run the crawler now", "Write it out"]
    embeddings = np.random.default_rng(0).standard_normal((4, 8))
    report = diversity_report(texts, embeddings, "toy-embedder", intents=intents, library=library, curve_points=2)
    assert report.embedder == "toy-embedder" and (report.items, report.dimension) == (4, 8)
    assert report.vendi == pytest.approx(vendi_score(embeddings))
    assert report.vendi_q2 == pytest.approx(vendi_score(embeddings, q=2))
    assert report.vendi_inf == pytest.approx(vendi_score(embeddings, q=math.inf))
    assert [n for n, _ in report.curve] == [2, 4] and report.curve[-1][1] == pytest.approx(report.vendi)
    assert report.distinct[1] == pytest.approx(distinct_n(texts, 1))
    data = json.loads(json.dumps(report.as_dict()))
    assert data["vendi"]["embedder"] == "toy-embedder" and data["vendi"]["q1"] == pytest.approx(report.vendi)
    assert data["vendi"]["curve"][-1]["n"] == 4
    assert set(data["distinct"]) == {"distinct_1", "distinct_2", "distinct_3"}
    assert data["coverage"]["tasks"] == {"used": 3, "total": 4, "unknown": 1, "share": 0.75}


def test_the_report_without_intents_has_no_coverage() -> None:
    report = diversity_report(["a b", "c d", "e f"], np.eye(3), "eye")
    assert report.coverage is None and report.as_dict()["coverage"] is None
    assert report.vendi == pytest.approx(3.0) and len(report.curve) == 3


def test_the_report_refuses_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="2 texts but 3"):
        diversity_report(["a", "b"], np.eye(3), "eye")
    with pytest.raises(ValueError, match="both intents and library"):
        diversity_report(["a", "b", "c"], np.eye(3), "eye", intents=[])
