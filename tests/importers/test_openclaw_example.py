"""The recipe's own example session, imported and exported, is the recipe's own middle-format file.

``safety_compliance_audit_session.jsonl`` is a raw OpenClaw log and ``…_middle_format.json`` is what the
original recipe made of it; an import followed by our ISE OpenAI export must give the same conversation.
The example has no system message and no ``source_*`` fields, so the comparison is of what it has.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.upstream import upstream_file

from isetrace.export.openai import to_ise_openai
from isetrace.importers import IMPORT_PROVENANCE, ImportReport, import_openclaw
from isetrace.jsonl import load_jsonl, write_jsonl
from isetrace.records import Episode, Intent, Termination

SESSION_ID = "2562cd0e-d465-4ab3-9fe0-afc9dc548b73"


def _calls_parsed(message: dict[str, Any]) -> dict[str, Any]:
    """A message with its tool-call arguments parsed: either side may encode them as a JSON string."""
    message = dict(message)
    calls = []
    for call in message.get("tool_calls", []):
        arguments = call["function"]["arguments"]
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
        calls.append({**call, "function": {**call["function"], "arguments": parsed}})
    if calls:
        message["tool_calls"] = calls
    return message


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(upstream_file("safety_compliance_audit_middle_format.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def imported() -> tuple[Episode, ImportReport]:
    report = ImportReport()
    episodes = list(import_openclaw([upstream_file("safety_compliance_audit_session.jsonl")], report))
    assert len(episodes) == 1
    return episodes[0], report


def test_the_example_imports_whole_with_nothing_skipped_or_kept_aside(imported: tuple[Episode, ImportReport]) -> None:
    episode, report = imported
    assert (report.files, report.episodes, report.skipped, report.empty_files) == (1, 1, [], [])
    assert sum(report.kept_aside.values()) == 0 and report.notes == []
    assert episode.episode_id == SESSION_ID
    assert episode.models == {"agent": "qwen3.5-plus"}
    assert episode.provenance == IMPORT_PROVENANCE
    assert episode.termination is Termination.SUCCESS
    assert "imported from OpenClaw" in episode.termination_detail and "thinking level off" in episode.termination_detail
    assert episode.started_at.isoformat() == "2026-03-26T13:29:23.088000+00:00"
    assert episode.ended_at.isoformat() == "2026-03-26T13:40:29.754000+00:00"
    assert [i.natural_language_intent for i in episode.intents] == [episode.messages[0].content]


def test_the_export_reproduces_the_recipes_messages(imported: tuple[Episode, ImportReport],
                                                    expected: dict[str, Any]) -> None:
    row = to_ise_openai(imported[0])
    ours, theirs = row["messages"], expected["messages"]
    assert [m["role"] for m in ours] == [m["role"] for m in theirs]
    for index, (mine, recipe) in enumerate(zip(ours, theirs, strict=True)):
        assert _calls_parsed(mine) == _calls_parsed(recipe), f"messages[{index}] differs"
    assert row["total_steps"] == expected["total_steps"] == 88
    assert row["final_output"] == expected["final_output"]
    assert row["enable_thinking"] is expected["enable_thinking"] is True


def test_tool_results_keep_the_structured_truth(imported: tuple[Episode, ImportReport]) -> None:
    tools = [m for m in imported[0].messages if m.role == "tool"]
    failed = [m for m in tools if m.result is not None and not m.result.ok]
    assert len(tools) == 88 and len(failed) == 2
    assert all(m.result is not None and m.result.error_kind == "tool_error" and m.result.stderr == m.content
               for m in failed)
    execs = [m.result for m in tools if m.result is not None and m.result.tool == "exec" and m.result.ok]
    assert any(r.exit_code == 0 and r.duration_s > 0 and r.stdout for r in execs)
    calls = {c.id: c for m in imported[0].messages for c in m.tool_calls}
    assert all(m.tool_call_id in calls and calls[m.tool_call_id].name == m.name for m in tools)
    assert all(c.arguments is not None and json.loads(c.arguments_raw) == c.arguments for c in calls.values())


def test_the_episode_validates_and_round_trips_through_jsonl(imported: tuple[Episode, ImportReport],
                                                             tmp_path: Path) -> None:
    episode = imported[0]
    assert Episode.model_validate(episode.model_dump(mode="json")) == episode
    path = tmp_path / "episodes.jsonl"
    write_jsonl(path, [episode])
    loaded, errors = load_jsonl(path, Episode)
    assert errors == [] and loaded == [episode]


def test_a_log_archived_under_its_intent_gets_that_intent(expected: dict[str, Any], tmp_path: Path) -> None:
    intent_id = expected["intent_id"]
    archived = tmp_path / f"intent_{intent_id}__gendata-worker-1__{SESSION_ID}.jsonl"
    shutil.copyfile(upstream_file("safety_compliance_audit_session.jsonl"), archived)
    metadata = {k: v for k, v in expected["metadata"].items() if k != "session"}
    theirs = Intent.model_validate({"id": intent_id, "natural_language_intent": expected["intent"],
                                    "metadata": metadata})
    other = Intent(id="intent_other", natural_language_intent="Something else.")
    report = ImportReport()
    [episode] = import_openclaw([archived], report, [other, theirs])
    assert episode.intents == [theirs] and report.notes == []
    row = to_ise_openai(episode)
    assert row["source_intent_ids"] == [intent_id]
    assert row["metadata"]["persona"]["name"] == expected["metadata"]["persona"]["name"]
