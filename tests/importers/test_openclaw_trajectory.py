"""One OpenClaw agent turn, exported as a trajectory bundle, read back as the conversation the model had."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from isetrace.export.openai import to_ise_openai
from isetrace.importers import (
    ImportLimits,
    ImportReport,
    OpenClawTrajectory,
    TrajectoryError,
    messages_since,
    read_trajectory,
)
from isetrace.records import Episode, Intent, Termination

FIXTURE = Path(__file__).parent.parent / "data" / "openclaw" / "trajectory"
BRANCH = FIXTURE / "session-branch.json"
COMMAND = "echo hello from the sandbox > hello.txt && cat hello.txt && id -u && pwd"


def _read(bundle: Path = FIXTURE, limits: ImportLimits | None = None) -> tuple[OpenClawTrajectory, ImportReport]:
    report = ImportReport()
    return read_trajectory(bundle, report, limits), report


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "bundle"))


def _edit_branch(bundle: Path, change: Any) -> None:
    path = bundle / "session-branch.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_the_turn_is_user_call_result_reply_with_the_fixtures_texts() -> None:
    trajectory, report = _read()
    user, call, tool, reply = trajectory.messages
    assert (user.role, user.content) == ("user", "Write hello.txt with a greeting.")
    assert call.role == "assistant" and not call.content
    [tool_call] = call.tool_calls
    assert (tool_call.id, tool_call.name, tool_call.arguments) == ("call_1", "exec", {"command": COMMAND})
    assert json.loads(tool_call.arguments_raw) == {"command": COMMAND}
    assert call.meta is not None and (call.meta.model, call.meta.usage.prompt_tokens,
                                      call.meta.usage.completion_tokens) == ("stub-model", 100, 10)
    assert (tool.role, tool.tool_call_id, tool.name) == ("tool", "call_1", "exec")
    assert tool.content == "hello from the sandbox\n1000\n/workspace"
    assert tool.result is not None and tool.result.ok and tool.result.exit_code == 0
    assert tool.result.duration_s == pytest.approx(0.79)
    assert (reply.role, reply.content) == ("assistant", "Done: the file hello.txt is written.")
    assert (trajectory.session_id, trajectory.model, trajectory.provider) == ("s2", "stub-model", "stub")
    assert (trajectory.thinking_level, trajectory.stop_reason) == ("off", "stop")
    assert trajectory.leaf_id == "a53dadfd-1a3e-4367-9e6c-e054094f9bb5"
    assert trajectory.started_at is not None and trajectory.started_at.isoformat() == "2026-11-30T14:40:38.314000+00:00"
    assert trajectory.ended_at is not None and trajectory.ended_at.isoformat() == "2026-11-30T14:40:43.040000+00:00"
    assert not report.skipped and report.kept_aside["custom entry 'openclaw.cache-ttl'"] == 1


def test_the_turn_validates_as_an_episode_and_exports() -> None:
    trajectory, _ = _read()
    episode = Episode(episode_id=trajectory.session_id, intents=[Intent(id="i1", natural_language_intent="Greet.")],
                      messages=trajectory.messages, tools=trajectory.tools, termination=Termination.SUCCESS,
                      provenance="openclaw-import", models={"agent": trajectory.model})
    row = to_ise_openai(Episode.model_validate_json(episode.model_dump_json()))
    assert [m["role"] for m in row["messages"]] == ["user", "assistant", "tool", "assistant"]
    assert row["total_steps"] == 1 and row["tools"] == trajectory.tools


_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_every_readable_tool_is_an_openai_function_and_every_cut_one_is_counted() -> None:
    trajectory, report = _read()
    entries = json.loads((FIXTURE / "tools.json").read_text())
    for tool in trajectory.tools:
        assert set(tool) == {"type", "function"} and tool["type"] == "function"
        function = tool["function"]
        assert set(function) == {"name", "description", "parameters"} and _NAME.match(function["name"])
        assert isinstance(function["description"], str) and function["parameters"]["type"] == "object"
        assert "truncated" not in json.dumps(function["parameters"])
    objects = {e["name"]: e for e in entries if isinstance(e, dict)}
    assert {t["function"]["name"] for t in trajectory.tools} == {"agents_list", "apply_patch"}
    assert trajectory.tools[1]["function"]["parameters"] == objects["apply_patch"]["parameters"]
    # the bundle keeps six schemas whole or cut and replaces the other entries by a placeholder
    assert len(trajectory.tools) + len(trajectory.tools_cut) == len(entries)
    assert report.kept_aside["tool cut by the bundle"] == len(trajectory.tools_cut)
    assert trajectory.tools_cut[:4] == ["agents_wait", "ask_user", "automations", "browser"]


def test_the_system_prompt_the_bundle_cut_is_said_to_be_cut(tmp_path: Path) -> None:
    prompts = json.loads((FIXTURE / "prompts.json").read_text())
    assert "systemPrompt" not in prompts  # this bundle does not keep it; events.jsonl says why
    trajectory, _ = _read()
    assert trajectory.system_prompt is None
    assert "trajectory-field-size-limit" in trajectory.system_prompt_cut and "40102" in trajectory.system_prompt_cut

    bundle = _copy(tmp_path)
    (bundle / "prompts.json").write_text(json.dumps({**prompts, "systemPrompt": "You are OpenClaw."}))
    whole, _ = _read(bundle)
    assert (whole.system_prompt, whole.system_prompt_cut) == ("You are OpenClaw.", "")


def test_an_abandoned_branch_is_left_out_and_counted(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    user_entry = "d92cba29-ead1-4607-a95d-6044fef1eef6"

    def abandon(data: dict[str, Any]) -> None:
        data["entries"].insert(5, {"type": "message", "id": "abandoned", "parentId": user_entry,
                                   "timestamp": "2026-11-30T14:40:40.500Z",
                                   "message": {"role": "assistant", "content": [{"type": "text", "text": "Nope."}],
                                               "stopReason": "stop"}})
    _edit_branch(bundle, abandon)
    trajectory, report = _read(bundle)
    assert [m.content for m in trajectory.messages if m.role == "assistant"] == [
        "", "Done: the file hello.txt is written."]
    assert "abandoned" not in trajectory.entry_ids
    assert report.kept_aside["entry off the branch"] == 1
    assert report.first_seen["entry off the branch"].endswith("session-branch.json:5")


def test_malformed_and_unknown_entries_are_reported_and_counted(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)

    def spoil(data: dict[str, Any]) -> None:
        entries = data["entries"]
        leaf = entries[-1]
        entries += ["not an entry",
                    {"type": "message", "id": "bad", "parentId": leaf["id"], "message": {"role": "toolResult"}},
                    {"type": "branch_summary", "id": "odd", "parentId": "bad"},
                    {"type": "message", "id": "img", "parentId": "odd", "message": {
                        "role": "user", "content": [{"type": "text", "text": "And this?"}, {"type": "image"}]}}]
        data["leafId"] = "img"
    _edit_branch(bundle, spoil)
    trajectory, report = _read(bundle)
    assert [m.content for m in trajectory.messages][-1] == "And this?"
    assert [(e.line, e.path.name) for e in report.skipped] == [(9, "session-branch.json"),
                                                               (10, "session-branch.json")]
    assert "toolCallId" in report.skipped[1].reason
    assert report.kept_aside["entry type 'branch_summary'"] == 1
    assert report.kept_aside["user part 'image'"] == 1
    assert report.first_seen["user part 'image'"].endswith("session-branch.json:12")


def test_an_oversize_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    limit = BRANCH.stat().st_size - 1
    with pytest.raises(TrajectoryError, match=rf"session-branch\.json: \d+ bytes, more than the limit of {limit}"):
        _read(limits=ImportLimits(max_line_bytes=limit))
    bundle = _copy(tmp_path)
    (bundle / "tools.json").write_text(json.dumps([{"name": "x", "description": "y" * 20000}]))
    with pytest.raises(TrajectoryError, match=r"tools\.json: .* not read"):
        _read(bundle, ImportLimits(max_line_bytes=10000))


def test_a_branch_file_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    (bundle / "session-branch.json").write_text("[]")
    with pytest.raises(TrajectoryError, match="list of entries"):
        _read(bundle)


def test_messages_since_gives_only_what_a_turn_added(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    first, _ = _read(bundle)
    assert len(messages_since(first, frozenset())) == 4
    seen = set(first.entry_ids)
    assert messages_since(_read(bundle)[0], seen) == []

    def next_turn(data: dict[str, Any]) -> None:
        data["entries"] += [
            {"type": "message", "id": "u2", "parentId": data["leafId"], "timestamp": "2026-11-30T14:41:00Z",
             "message": {"role": "user", "content": "Now delete it."}},
            {"type": "message", "id": "a2", "parentId": "u2", "timestamp": "2026-11-30T14:41:02Z",
             "message": {"role": "assistant", "content": [{"type": "text", "text": "Deleted."}],
                         "stopReason": "stop"}}]
        data["leafId"] = "a2"
    _edit_branch(bundle, next_turn)
    second, _ = _read(bundle)
    assert [(m.role, m.content) for m in messages_since(second, seen)] == [("user", "Now delete it."),
                                                                          ("assistant", "Deleted.")]
    assert messages_since(second, seen | set(second.entry_ids)) == []


def test_a_second_entry_with_an_id_already_used_is_reported(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    _edit_branch(bundle, lambda data: data["entries"].append(dict(data["entries"][3])))
    trajectory, report = _read(bundle)
    assert len(trajectory.messages) == 4
    [error] = report.skipped
    assert error.line == 9 and "a second entry" in error.reason
