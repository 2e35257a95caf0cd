"""The original recipe's input files load as the recipe reads them: intents, direct queries, ids made up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.upstream import upstream_file

from isetrace.jsonl import load_jsonl
from isetrace.records import DIRECT_QUERY, Intent


def test_the_recipes_intents_load_with_a_persona_without_id_and_every_field_kept() -> None:
    path = upstream_file("intents.jsonl")
    intents, errors = load_jsonl(path, Intent)
    assert errors == [] and len(intents) == 4
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for intent, record in zip(intents, raw, strict=True):
        assert intent.id == record["id"] and intent.natural_language_intent == record["natural_language_intent"]
        assert not intent.is_direct_query and intent.reference_answer is None
        assert intent.persona_id == record["persona_id"] and intent.metadata.persona is not None
        assert intent.metadata.persona.name == record["metadata"]["persona"]["name"]
        # nothing is lost: what was read is what is written back, unknown fields included
        dumped = intent.model_dump(mode="json", exclude_unset=True)
        assert dumped == record


def test_the_recipes_queries_become_direct_queries_with_stable_ids_and_their_answers() -> None:
    path = upstream_file("queries.jsonl")
    queries, errors = load_jsonl(path, Intent)
    again, _ = load_jsonl(path, Intent)
    assert errors == [] and len(queries) == 4
    assert [q.id for q in queries] == [q.id for q in again]  # the same ids in every run
    assert len({q.id for q in queries}) == 4 and all(q.id.startswith("query_") for q in queries)
    first = queries[0]
    assert first.is_direct_query and first.natural_language_intent.startswith("Who is the mother-in-law of David Gest?")
    assert first.reference_answer == "Judy Garland"
    assert first.metadata.source_question.startswith("Who is the mother-in-law")


@pytest.mark.parametrize(("record", "expected_id"), [
    ({"id": "q-7", "query": "What is 2+2?"}, "q-7"),
    ({"query_id": 12, "query": "What is 2+2?"}, "12"),
    ({"task_type": "direct_query", "task_id": "t1", "question": " Why? "}, "t1"),
])
def test_a_query_keeps_the_id_it_has(record: dict[str, object], expected_id: str) -> None:
    query = Intent.model_validate(record)
    assert query.id == expected_id and query.is_direct_query and query.natural_language_intent.strip()
    assert query.task_type == DIRECT_QUERY


def test_an_intent_without_id_gets_one_from_its_content_and_a_query_field_does_not_make_it_a_query() -> None:
    record = {"natural_language_intent": "Sort my invoices.", "query": "ignored", "complexity": "simple"}
    intent = Intent.model_validate(record)
    assert intent.id == Intent.model_validate(dict(record)).id and intent.id.startswith("intent_")
    assert intent.id != Intent.model_validate({**record, "complexity": "medium"}).id
    assert not intent.is_direct_query and intent.natural_language_intent == "Sort my invoices."


def test_a_record_with_nothing_to_ask_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="natural_language_intent, query or question"):
        Intent.model_validate({"answer": "42"})
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"question": "Who?"}\n{"answer": "42"}\n', encoding="utf-8")
    loaded, errors = load_jsonl(path, Intent)
    assert len(loaded) == 1 and len(errors) == 1 and str(errors[0]).startswith(f"{path}:2: ")
