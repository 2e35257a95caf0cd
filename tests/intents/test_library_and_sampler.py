"""The built-in library loads, a broken one is located, and sampling is seeded and well-shaped."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from isetrace.errors import DataError
from isetrace.intents.library import load_library
from isetrace.intents.sampler import sample_intents

BUILTIN = Path(str(resources.files("isetrace.intents") / "library"))


def test_builtin_library_has_all_ten_domains() -> None:
    library = load_library()
    assert len(library.domains) == 10 and library.personas
    assert abs(sum(level.prior for level in library.complexity) - 1.0) < 1e-9


def test_sampling_is_reproducible_and_follows_the_levels() -> None:
    library = load_library()
    first = sample_intents(library, 400, seed=7)
    assert first == sample_intents(library, 400, seed=7)
    assert first != sample_intents(library, 400, seed=8)
    levels = {level.name: level for level in library.complexity}
    for intent in first:
        level = levels[intent.complexity]
        assert level.domains[0] <= len(intent.domains) <= level.domains[1]
        assert len(intent.tasks) >= len(intent.domains)
        assert all(d.selected_tasks for d in intent.metadata.domains)  # every chosen domain is used
        assert intent.metadata.persona is not None and intent.persona_id == intent.metadata.persona.id
        assert not intent.is_rendered
    shares = Counter(intent.complexity for intent in first)
    assert shares["complex"] > shares["medium"] > shares["simple"] > 0


def test_a_broken_library_entry_names_file_and_entry(tmp_path: Path) -> None:
    shutil.copytree(BUILTIN, tmp_path / "lib")
    domains = tmp_path / "lib" / "domains.yaml"
    broken, found = re.subn(r"(- name: comms-social\n  )description:", r"\1descr:", domains.read_text(encoding="utf-8"))
    assert found == 1
    domains.write_text(broken, encoding="utf-8")
    with pytest.raises(DataError, match=r"domains\.yaml: entry 7 \(comms-social\): .*description"):
        load_library(tmp_path / "lib")


def test_a_broken_persona_line_names_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(BUILTIN, tmp_path / "lib")
    personas = tmp_path / "lib" / "personas.jsonl"
    text = personas.read_text(encoding="utf-8")
    bad_line = len(text.splitlines()) + 1
    personas.write_text(text + '{"id": "p9", "name": "No Role"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=rf"personas\.jsonl:{bad_line}: role: Field required"):
        load_library(tmp_path / "lib")
