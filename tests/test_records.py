"""Records round-trip, the original recipe's intents load as they are, and JSONL errors are located."""

from __future__ import annotations

import json
from pathlib import Path

from isetrace.jsonl import append_jsonl, load_jsonl
from isetrace.records import (
    Episode,
    Intent,
    Message,
    MessageMeta,
    Termination,
    TokenUsage,
    ToolCall,
    ToolResult,
    Verification,
)


def test_original_recipe_intents_load_with_unknown_fields_kept(data_dir: Path) -> None:
    intents, errors = load_jsonl(data_dir / "ise_intents_original.jsonl", Intent)
    assert errors == [] and len(intents) == 2
    first = intents[0]
    assert first.id == "17" and first.persona_id == "402" and first.complexity == "medium"
    assert first.metadata.persona is not None and first.metadata.persona.name == "Joost de Vries"
    assert first.metadata.domains[2].selected_tasks[0].name == "draft-email"
    dumped = json.loads(first.model_dump_json())
    assert dumped["quality_score"] == 0.91  # unknown top-level field kept
    assert dumped["metadata"]["generator"] == "gpt-4o-2024-08-06"
    assert dumped["metadata"]["persona"]["seniority_band"] == 4
    assert Intent.model_validate_json(first.model_dump_json()) == first


def _episode(intent: Intent) -> Episode:
    call = ToolCall(id="c1", name="exec", arguments={"command": "wc -l data.csv"},
                    arguments_raw='{"command": "wc -l data.csv"}')
    return Episode(
        episode_id="e1", intents=[intent], provenance="scripted", config_hash="abc",
        termination=Termination.SUCCESS, seeds={"user": 1}, models={"agent": "scripted"},
        verification=Verification(method="user", passed=True),
        tools=[{"type": "function", "function": {"name": "exec", "parameters": {}}}],
        messages=[
            Message(role="system", content="You are an agent."),
            Message(role="user", content="Count the rows.", meta=MessageMeta(producer="user", model="scripted")),
            Message(role="assistant", content=None, tool_calls=[call], reasoning_content="wc is enough",
                    meta=MessageMeta(producer="agent", latency_s=0.2, usage=TokenUsage(prompt_tokens=50,
                                                                                         completion_tokens=9))),
            Message(role="tool", tool_call_id="c1", name="exec", content="exit code: 0\n3 data.csv",
                    result=ToolResult(call_id="c1", tool="exec", ok=True, exit_code=0, stdout="3 data.csv\n",
                                      duration_s=0.01)),
            Message(role="assistant", content="It has 3 lines."),
        ],
    )


def test_episode_round_trips_through_jsonl(tmp_path: Path, data_dir: Path) -> None:
    intents, _ = load_jsonl(data_dir / "ise_intents_original.jsonl", Intent)
    episode = _episode(intents[1])
    path = tmp_path / "episodes.jsonl"
    append_jsonl(path, [episode, episode])
    loaded, errors = load_jsonl(path, Episode)
    assert errors == [] and loaded == [episode, episode]
    assert loaded[0].tool_call_count == 1 and loaded[0].user_turns == 1
    assert loaded[0].format_version == 1


def test_malformed_lines_are_reported_by_file_and_line_and_the_rest_loads(tmp_path: Path, data_dir: Path) -> None:
    good = (data_dir / "ise_intents_original.jsonl").read_text().splitlines()
    path = tmp_path / "intents.jsonl"
    path.write_text("\n".join([good[0], "{not json", "", '["a list"]', '{"answer": "x"}',
                               good[1], '{"id": "torn", "natural_lang']) + "\n")
    intents, errors = load_jsonl(path, Intent)
    assert [i.id for i in intents] == ["17", "i-0000018"]
    assert [str(e) for e in errors] == [
        f"{path}:2: not valid JSON (Expecting property name enclosed in double quotes; column 2)",
        f"{path}:4: expected a JSON object, got list",
        f"{path}:5: (record): Value error, a record needs an id, or a natural_language_intent, query or question "
        "to derive one from",
        f"{path}:7: not valid JSON (Unterminated string starting at; column 16)",
    ]


def test_a_line_nested_too_deeply_is_a_bad_line_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"id": "a", "natural_language_intent": "x"}\n' + '{"a": ' * 200_000 + "\n", encoding="utf-8")
    intents, errors = load_jsonl(path, Intent)
    assert [i.id for i in intents] == ["a"] and [str(e) for e in errors] == [f"{path}:2: JSON nested too deeply"]
