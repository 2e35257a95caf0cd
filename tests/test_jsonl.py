"""Reading JSONL records: the fast read (pydantic's JSON reader) and the careful one (json, then the model)
agree on every line: the records, and the errors with their line numbers and reasons."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from isetrace.jsonl import LineError, describe_validation_error, iter_jsonl, parse_object
from isetrace.records import Intent


class Reading(BaseModel):
    name: str
    value: float
    count: int = 0


LINES = ['{"name": "a", "value": 1.5}', '{"name": "nan", "value": NaN}', '{"name": "big", "value": 2, '
         '"count": 123456789012345678901234567890}', '{"name": "dup", "value": 1, "value": 2}', "",
         '{"name": "s", "value": 3, "note": "\\ud800 lone"}', '{"name": ', "[1, 2]", '{"name": 5, "value": 1}',
         '{"value": "x"}', '{"name": "deep", "value": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}"]


def careful(path: Path) -> tuple[list[dict[str, object]], list[tuple[int, str]]]:
    """What the careful read alone makes of ``path``."""
    records, errors = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        data = parse_object(line.strip())
        if isinstance(data, str):
            errors.append((number, data))
            continue
        try:
            records.append(Reading.model_validate(data).model_dump())
        except ValidationError as exc:
            errors.append((number, describe_validation_error(exc)))
    return records, errors


def test_the_fast_read_makes_of_every_line_what_the_careful_one_does(tmp_path: Path) -> None:
    path = tmp_path / "readings.jsonl"
    path.write_text("\n".join(LINES) + "\n")
    errors: list[LineError] = []
    records = [r.model_dump() for r in iter_jsonl(path, Reading, errors.append)]
    expected_records, expected_errors = careful(path)
    assert json.dumps(records, sort_keys=True) == json.dumps(expected_records, sort_keys=True)
    assert [(e.line, e.reason) for e in errors] == expected_errors
    assert [r["name"] for r in records] == ["a", "nan", "big", "dup", "s"]  # the deep one is too deep for both
    assert records[2]["count"] == 123456789012345678901234567890 and records[3]["value"] == 2


def test_records_with_before_validators_read_the_same_either_way(tmp_path: Path) -> None:
    rows = [{"query": "What is 2+2?", "answer": "4"}, {"id": 7, "natural_language_intent": "Sort my files."}]
    path = tmp_path / "intents.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    fast = list(iter_jsonl(path, Intent, lambda error: None))
    assert fast == [Intent.model_validate(row) for row in rows]
