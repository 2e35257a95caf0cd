"""Shared fixtures: a few hundred generated sentences and their MiniLM embeddings (loaded once)."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from tests.extras import needs_extra

from isetrace.diversity.embeddings import MiniLMEmbedder

SUBJECTS = ["the analyst", "our nurse", "a backend engineer", "the teacher", "my accountant", "the farmer",
            "a journalist", "the release manager"]
ACTIONS = ["needs a summary of", "wants a chart from", "asks to clean up", "must archive", "will email",
           "is checking"]
OBJECTS = ["the quarterly sales table", "yesterday's server logs", "the patient intake forms",
           "a folder of holiday photos", "the git history of the billing service", "the soil moisture readings",
           "an interview recording"]


def generated_sentences() -> list[str]:
    """336 sentences over 8 subjects × 6 actions × 7 objects: related but not identical."""
    return [f"{s.capitalize()} {a} {o}." for s, a, o in itertools.product(SUBJECTS, ACTIONS, OBJECTS)]


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    needs_extra("embed")
    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def minilm_sentence_embeddings(minilm: MiniLMEmbedder) -> npt.NDArray[np.float32]:
    return minilm.embed(generated_sentences())
