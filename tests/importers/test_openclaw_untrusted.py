"""OpenClaw logs are untrusted: bad lines are named and skipped, unknown entries counted, sizes bounded."""

from __future__ import annotations

from pathlib import Path

from tests.importers.openclaw_logs import assistant, header, tool_result, user, write_log

from isetrace.importers import ImportLimits, ImportReport, import_openclaw, read_openclaw_session
from isetrace.records import Episode, Termination


def _import(*paths: Path, limits: ImportLimits | None = None) -> tuple[list[Episode], ImportReport]:
    report = ImportReport()
    return list(import_openclaw(list(paths), report, limits=limits)), report


def test_a_small_log_becomes_the_conversation_it_records(tmp_path: Path) -> None:
    log = write_log(tmp_path / "s.jsonl", header(), user("[Fri 2026-03-20 17:45 GMT+8] List the files."),
                    assistant("Looking.\n", thinking="Use exec.", calls=(("c1", "exec", '{"command": "ls"}'),),
                              stop="toolUse"),
                    tool_result("c1", "exec", "a.txt\n"), assistant("There is a.txt.", at="2026-03-26T10:00:09Z"))
    [episode], report = _import(log)
    assert report.left_out() == "skipped 0 lines; kept aside 0"
    user_msg, call_msg, tool_msg, answer = episode.messages
    assert user_msg.content == "List the files."  # the CLI's timestamp prefix is not part of the request
    assert (call_msg.content, call_msg.reasoning_content) == ("Looking.", "Use exec.")
    [call] = call_msg.tool_calls
    assert (call.id, call.name, call.arguments, call.arguments_raw) == ("c1", "exec", {"command": "ls"},
                                                                        '{"command": "ls"}')
    assert call_msg.meta is not None and call_msg.meta.model == "m-1" and call_msg.meta.usage.prompt_tokens == 10
    assert tool_msg.result is not None and tool_msg.result.ok and tool_msg.result.stdout == "a.txt"
    assert (tool_msg.tool_call_id, tool_msg.name, tool_msg.result.exit_code) == ("c1", "exec", 0)
    assert answer.content == "There is a.txt." and episode.termination is Termination.SUCCESS
    assert episode.ended_at.isoformat() == "2026-03-26T10:00:09+00:00"


def test_malformed_lines_are_named_by_file_and_line_and_the_rest_imports(tmp_path: Path) -> None:
    log = write_log(tmp_path / "s.jsonl", header(), user("Do it."), "{broken", "[1, 2]",
                    {"type": "message", "message": {"role": "toolResult", "toolName": "exec", "content": []}},
                    {"type": "message", "message": {"role": "assistant", "content": [{"type": "toolCall"}]}},
                    {"type": "message", "message": {"role": "assistant", "content": 42}},
                    {"no": "type"}, assistant("Done."))
    [episode], report = _import(log)
    assert [m.role for m in episode.messages] == ["user", "assistant"]
    assert [(e.path, e.line) for e in report.skipped] == [(log, n) for n in (3, 4, 5, 6, 7, 8)]
    assert str(report.skipped[0]).startswith(f"{log}:3: not valid JSON")
    assert "expected a JSON object" in report.skipped[1].reason
    assert "toolCallId" in report.skipped[2].reason and "id must be a string" in report.skipped[3].reason
    assert "must be a list of parts" in report.skipped[4].reason and "no string type" in report.skipped[5].reason


def test_unknown_entries_roles_and_parts_are_counted_never_silently_dropped(tmp_path: Path) -> None:
    image = {"type": "image", "data": "…", "mimeType": "image/png"}
    with_image = tool_result("c1", "read", "here")
    with_image["message"]["content"].append(image)
    log = write_log(tmp_path / "s.jsonl", header(), user("Go."),
                    {"type": "compaction", "summary": "…"}, {"type": "compaction", "summary": "…"},
                    {"type": "custom", "customType": "ui-state", "data": {}},
                    {"type": "message", "message": {"role": "bashExecution", "command": "ls"}},
                    assistant(calls=(("c1", "read", {"path": "x.png"}),), stop="toolUse"), with_image,
                    assistant(thinking="hmm", stop="error"))
    [episode], report = _import(log)
    assert report.kept_aside == {"entry type 'compaction'": 2, "custom entry 'ui-state'": 1,
                                 "message role 'bashExecution'": 1, "toolResult part 'image'": 1,
                                 "assistant message without text or tool call": 1}
    assert report.first_seen["entry type 'compaction'"] == f"{log}:3"
    assert "kept aside 6 (entry type 'compaction' 2" in report.left_out()
    assert [m.role for m in episode.messages] == ["user", "assistant", "tool"]
    assert episode.termination is Termination.AGENT_ENDPOINT_FAILURE  # the last reply was an error


def test_an_oversize_line_is_skipped_without_losing_the_lines_after_it(tmp_path: Path) -> None:
    log = write_log(tmp_path / "s.jsonl", header(), user("x" * 5000), user("Short one."), assistant("Ok."))
    [episode], report = _import(log, limits=ImportLimits(max_line_bytes=1000))
    assert [(e.line, e.reason) for e in report.skipped] == [(2, "line longer than 1000 bytes")]
    assert [m.content for m in episode.messages] == ["Short one.", "Ok."]


def test_a_file_longer_than_the_line_limit_stops_with_one_report(tmp_path: Path) -> None:
    log = write_log(tmp_path / "s.jsonl", header(), user("One."), assistant("Two."), user("Three."))
    [episode], report = _import(log, limits=ImportLimits(max_lines=3))
    assert [str(e) for e in report.skipped] == [f"{log}:4: the file has more than 3 lines; the rest is not read"]
    assert len(episode.messages) == 2


def test_arguments_that_are_not_an_object_are_kept_raw_with_the_problem(tmp_path: Path) -> None:
    log = write_log(tmp_path / "s.jsonl", header(), user("Go."),
                    assistant(calls=(("c1", "exec", "{not json"), ("c2", "exec", [1])), stop="toolUse"))
    [episode], _ = _import(log)
    first, second = episode.messages[1].tool_calls
    assert (first.arguments, first.arguments_raw) == (None, "{not json")
    assert first.problem == "arguments are not a JSON object"
    assert (second.arguments, second.arguments_raw) == (None, "[1]")
    assert episode.termination is Termination.INTERRUPTED  # cut off after a tool call


def test_a_log_without_a_conversation_yields_no_episode_and_says_so(tmp_path: Path) -> None:
    empty = write_log(tmp_path / "empty.jsonl", header(), {"type": "model_change", "modelId": "m"})
    report = ImportReport()
    assert read_openclaw_session(empty, report) is None
    assert report.empty_files == [empty] and report.imported() == "0 episodes from 1 file, 1 without a conversation"


def test_without_a_header_the_file_name_is_the_episode_id_and_duplicates_are_left_out(tmp_path: Path) -> None:
    bare = write_log(tmp_path / "bare.jsonl", user("Hi."), assistant("Hello."))
    first = write_log(tmp_path / "a.jsonl", header("same"), user("Hi."), assistant("Hello."))
    again = write_log(tmp_path / "b.jsonl", header("same"), user("Hi."), assistant("Hello."))
    episodes, report = _import(bare, first, again)
    assert [e.episode_id for e in episodes] == ["bare", "same"]
    assert any("no session header" in n for n in report.notes)
    assert any(n.startswith(f"{again}: session 'same' was already imported") for n in report.notes)


def test_the_model_comes_from_the_replies_when_no_entry_names_it(tmp_path: Path) -> None:
    log = write_log(tmp_path / "s.jsonl", header(), user("Go."), assistant("Ok."))
    [episode], _ = _import(log)
    assert episode.models == {"agent": "m-1"}
