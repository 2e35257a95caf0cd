"""Our ``ise-openai`` rows have the shape of the recipe's middle format: its example file is the ground truth."""

from __future__ import annotations

import json
from typing import Any

from tests.export.episodes import episode
from tests.upstream import upstream_file

from isetrace.export.openai import to_ise_openai
from isetrace.jsonl import load_jsonl
from isetrace.records import Intent

CURRENT_CONVERTER = {"source_intent_count", "source_intent_ids", "source_intents", "session_finalized_by_intent_id"}
"""Top-level fields the recipe's converter writes today that its (older) example file does not have yet."""

ISETRACE_METADATA = {"tasks", "complexity", "termination", "termination_detail", "verification", "verifications",
                     "verified", "verified_by", "unsupported_claims", "appended_query",
                     "models", "runtime", "provenance", "seeds", "timings", "usage", "drift_regenerations", "attempt",
                     "config_hash", "user_turns", "failed_tool_calls", "subagent_sessions", "worlds",
                     "episode_format_version"}
"""What isetrace adds under ``metadata``."""

SKILL = {"name": "report-writer", "description": "Write a short report.",
         "filePath": "/workspace/skills/report-writer/SKILL.md", "baseDir": "/workspace/skills/report-writer",
         "source": "openclaw-workspace", "disableModelInvocation": False}


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(upstream_file("safety_compliance_audit_middle_format.json").read_text())
    return data


def ours() -> dict[str, Any]:
    intents, _ = load_jsonl(upstream_file("intents.jsonl"), Intent)
    made = episode().model_copy(update={"intents": intents[:1], "skills": [SKILL]})
    return to_ise_openai(made)


def differences(theirs: Any, mine: Any, where: str, extra: dict[str, set[str]]) -> list[str]:
    """Where ``mine`` lacks a key of ``theirs``, has an undeclared one, or a value of another JSON type."""
    if theirs is None or mine is None:
        return []
    if type(theirs) is not type(mine) and not (isinstance(theirs, int | float) and isinstance(mine, int | float)
                                               and not isinstance(mine, bool) and not isinstance(theirs, bool)):
        return [f"{where}: {type(mine).__name__}, the example has {type(theirs).__name__}"]
    if isinstance(theirs, dict):
        found = [f"{where}.{key}: missing" for key in sorted(set(theirs) - set(mine))]
        undeclared = set(mine) - set(theirs) - extra.get(where, set())
        found += [f"{where}.{key}: not in the example" for key in sorted(undeclared)]
        for key in sorted(set(theirs) & set(mine)):
            found += differences(theirs[key], mine[key], f"{where}.{key}", extra)
        return found
    if isinstance(theirs, list) and theirs and mine:
        return differences(theirs[0], mine[0], f"{where}[]", extra)
    return []


def test_our_row_has_every_key_of_the_example_at_every_level_with_the_same_types() -> None:
    theirs, mine = example(), ours()
    theirs_messages, mine_messages = theirs.pop("messages"), mine.pop("messages")
    theirs.pop("tools"), mine.pop("tools")  # the schemas themselves are compared in tests/tools
    extra = {"$": CURRENT_CONVERTER, "$.metadata": ISETRACE_METADATA}
    assert differences(theirs, mine, "$", extra) == []
    for role in ("user", "assistant", "tool"):
        theirs_keys = set().union(*(m.keys() for m in theirs_messages if m["role"] == role))
        mine_keys = set().union(*(m.keys() for m in mine_messages if m["role"] == role))
        assert theirs_keys == mine_keys, role
        example_message = next(m for m in theirs_messages if m["role"] == role and len(m) == len(theirs_keys))
        our_message = next(m for m in mine_messages if m["role"] == role and len(m) == len(mine_keys))
        assert differences(example_message, our_message, f"$.messages[{role}]", {}) == []


def test_status_arguments_success_and_steps_take_the_recipes_values() -> None:
    theirs, mine = example(), ours()
    assert {theirs["status"], mine["status"]} == {"completed"}
    calls = [c for m in mine["messages"] if m["role"] == "assistant" for c in m.get("tool_calls", [])]
    assert calls and all(isinstance(c["function"]["arguments"], str) for c in calls)
    assert mine["total_steps"] == len(calls)
    assert theirs["total_steps"] == sum(len(m.get("tool_calls", [])) for m in theirs["messages"])
    assert all(isinstance(m["success"], bool) for m in mine["messages"] if m["role"] == "tool")
    assert mine["metadata"]["domains"][0].keys() == {"name", "description", "selected_tasks"}
    assert mine["intent_id"] == mine["session_finalized_by_intent_id"] == mine["source_intent_ids"][-1]
    assert "id" not in mine["metadata"]["persona"]  # the recipe's persona has none, and none is made up


def test_the_tool_report_is_measured_for_each_list_of_schemas_and_each_row_owns_its_copy() -> None:
    from tests.export.episodes import TOOLS

    wider = [*TOOLS, {"type": "function", "function": {"name": "grep", "description": "Search files.",
                                                       "parameters": {"type": "object", "properties": {
                                                           "pattern": {"type": "string", "description": "é, ü"}}}}}]
    rows = [to_ise_openai(episode(tools=tools, ident=f"ep-{n}")) for n, tools in enumerate([TOOLS, wider, TOOLS])]
    reports = [row["metadata"]["session"]["systemPromptReport"]["tools"] for row in rows]
    for report, tools in zip(reports, [TOOLS, wider, TOOLS], strict=True):
        assert [e["schemaChars"] for e in report["entries"]] == [
            len(json.dumps(t["function"]["parameters"], ensure_ascii=False)) for t in tools]
        assert report["schemaChars"] == sum(e["schemaChars"] for e in report["entries"])
    reports[0]["entries"][0]["schemaChars"] = -1  # a caller changing one row…
    assert reports[2]["entries"][0]["schemaChars"] > 0  # …changes no other
    again = to_ise_openai(episode())["metadata"]["session"]["systemPromptReport"]["tools"]
    assert again["entries"][0]["schemaChars"] > 0
