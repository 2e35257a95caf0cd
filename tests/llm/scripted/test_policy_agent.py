"""The agent policy: real tool calls in the offered dialect, recoveries driven by real results, then prose.

The central tests run the policy's tool calls for real in a temporary directory with a tiny executor
(`Workspace`), feeding the results back as tool messages, so every command the policy emits is proven
to work on this machine's POSIX shell, python3 and git.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from isetrace.llm.scripted.policy import PolicyReply, PolicyToolCall, respond
from isetrace.llm.scripted.policy.agent import MAX_STEPS, replay
from isetrace.llm.scripted.policy.renderer import render_intent


def _tool(name: str, *params: str) -> dict[str, object]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {
                "type": "object",
                "properties": {param: {"type": "string"} for param in params},
                "required": [params[0]],
            },
        },
    }


OPENCLAW = [
    _tool("exec", "command", "workdir", "env", "timeout", "background", "yieldMs"),
    _tool("process", "action", "sessionId", "data"),
    _tool("read", "path", "offset", "limit"),
    _tool("write", "path", "content"),
    _tool("edit", "path", "oldText", "newText"),
    _tool("apply_patch", "input"),
    _tool("web_fetch", "url", "extractMode", "maxChars"),
    _tool("memory_get", "path", "from", "lines"),
]
CLAUDE_CODE = [
    _tool("Bash", "command", "timeout", "run_in_background"),
    _tool("Read", "file_path", "offset", "limit"),
    _tool("Write", "file_path", "content"),
    _tool("Edit", "file_path", "old_string", "new_string", "replace_all"),
    _tool("Glob", "pattern", "path"),
    _tool("Grep", "pattern", "path", "glob", "output_mode"),
]
SHELL_ONLY = [_tool("exec", "command")]
DIALECTS = {"openclaw": OPENCLAW, "claude-code": CLAUDE_CODE, "shell-only": SHELL_ONLY}

MESSAGES = [
    "Compute totals and averages from this table:\n| region | units | revenue |\n|---|---|---|\n"
    "| north | 120 | 3400.50 |\n| south | 80 | 2100 |\n| east | 95 | 2875.25 |\nSave it to `q3_summary.md`.",
    "Here's the CSV export:\n```csv\nward,admissions,avg_wait_min\noncology,41,90.7\nradiology,70,34.2\n"
    "pediatrics,12,20\n```\nCompute the average wait per ward.",
    "Write a Python function that computes a median, with unit tests, and run them.",
    "Write a small script to parse durations like 1h30m, with a test.",
    "Organise these files by type:\n```text\n 12K  incoming/budget_q3.xlsx\n  3K  incoming/notes.md\n"
    " 40K  incoming/export.csv\n```",
    "List the files in the workspace with their sizes into an inventory.",
    "Initialise a git repository, commit the work on a branch called `fix/ledger-12`, and write a changelog.",
    "Scan these service logs for errors and count them:\n```text\n2024-03-14T09:34:33Z INFO gateway started\n"
    "2024-03-14T09:35:10Z ERROR gateway timeout calling upstream\n"
    "2024-03-14T09:36:01Z WARN gateway slow query\n```",
    "Check disk usage and list the processes using the most memory.",
    "Draft an email to stakeholders: revenue is up 12% and churn is 3.4%.",
    "Fetch the page at https://www.example.org/reports/latest?year=2024 and keep the main text.",
    "Schedule a daily export job with cron and chain a report job after it.",
    "Remember the key decisions for next time: we ship on Fridays.",
    "hello?",
]


Message = dict[str, Any]


def _calls(messages: list[Message]) -> list[dict[str, Any]]:
    """The tool calls of the assistant messages, in order."""
    return [
        call
        for message in messages
        if message["role"] == "assistant"
        for call in message.get("tool_calls") or []
    ]


def _failed(text: str) -> bool:
    return bool(re.match(r"exit code: [1-9]", text)) or text.startswith("Error")


@dataclass
class Workspace:
    """A tiny local executor for the three dialects: shell through `sh -c`, file tools on `root`."""

    root: Path
    results: list[str] = field(default_factory=list)

    def run(self, call: PolicyToolCall) -> str:
        arguments = {key: str(value) for key, value in call.arguments.items()}
        if "command" in arguments:
            done = subprocess.run(
                ["sh", "-c", arguments["command"]], cwd=self.root, capture_output=True, text=True, timeout=60
            )
            result = f"exit code: {done.returncode}\n{done.stdout}\n{done.stderr}"
        else:
            result = self._file_tool(call.name.lower(), arguments)
        self.results.append(result)
        return result

    def _file_tool(self, name: str, arguments: dict[str, str]) -> str:
        path = self.root / arguments.get("path", arguments.get("file_path", ""))
        if name == "write":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(arguments["content"])
            return f"exit code: 0\nwrote {len(arguments['content'])} bytes"
        if not path.is_file():
            return f"exit code: 1\n\n{name}: {path.name}: No such file or directory"
        if name == "read":
            return "exit code: 0\n" + path.read_text()
        old = arguments.get("oldText", arguments.get("old_string", ""))
        new = arguments.get("newText", arguments.get("new_string", ""))
        text = path.read_text()
        if text.count(old) != 1:
            return "exit code: 1\n\nedit: the old text must occur exactly once"
        path.write_text(text.replace(old, new))
        return "exit code: 0\nedited"


def _assistant(reply: PolicyReply, turn: int) -> dict[str, object]:
    calls = [
        {
            "id": f"call_{turn}_{index}",
            "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
        }
        for index, call in enumerate(reply.tool_calls)
    ]
    return {"role": "assistant", "content": reply.content, "tool_calls": calls}


def converse(
    messages: list[Message], tools: list[Message], workspace: Workspace, **extra: object
) -> tuple[PolicyReply, int]:
    """Let the policy work on the latest user message until it answers in prose; return the answer and the
    number of tool-call turns it took."""
    for turn in range(MAX_STEPS + 2):
        body = {"model": "scripted", "messages": messages, "tools": tools, **extra}
        reply = respond(body)
        assert reply == respond(body), "same body, same reply"
        if not reply.tool_calls:
            messages.append({"role": "assistant", "content": reply.content})
            return reply, turn
        messages.append(_assistant(reply, len(messages)))
        for index, call in enumerate(reply.tool_calls):
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": f"call_{len(messages) - 1 - index}_{index}",
                    "content": workspace.run(call),
                }
            )
    raise AssertionError("the agent never answered in prose")


def _start(text: str) -> list[Message]:
    return [
        {"role": "system", "content": "You are a capable agent with a shell."},
        {"role": "user", "content": text},
    ]


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_plan_runs_for_real_and_ends_in_prose(dialect: str, tmp_path: Path) -> None:
    recovered = 0
    for index, text in enumerate(MESSAGES):
        workspace = Workspace(tmp_path / f"w{index}")
        workspace.root.mkdir()
        reply, turns = converse(_start(text), DIALECTS[dialect], workspace)
        assert reply.content and turns <= MAX_STEPS
        assert "could not" not in reply.content, (text, reply.content)
        if workspace.results:
            assert not _failed(workspace.results[-1]), (text, workspace.results)
            recovered += any(_failed(result) for result in workspace.results)
        for name in re.findall(r"`([^`]+)`", reply.content.split("Files: ", 1)[-1].split("\n", 1)[0]):
            assert (workspace.root / name).exists(), (name, text)
    assert recovered >= 2, "some plans carry a planned failure and recover from it"


def test_uses_the_parameter_names_of_each_dialect() -> None:
    text = MESSAGES[1]
    openclaw = respond({"messages": _start(text), "tools": OPENCLAW}).tool_calls
    claude = respond({"messages": _start(text), "tools": CLAUDE_CODE}).tool_calls
    assert {call.name for call in openclaw} == {"write"} and {call.name for call in claude} == {"Write"}
    assert all(set(call.arguments) == {"path", "content"} for call in openclaw)
    assert all(set(call.arguments) == {"file_path", "content"} for call in claude)
    shell = respond({"messages": _start(text), "tools": SHELL_ONLY}).tool_calls
    assert all(call.name == "exec" and set(call.arguments) == {"command"} for call in shell)
    assert "<<'" in str(shell[0].arguments["command"]), "without a write tool, files are written by heredoc"


def _recovery_trace(tools: list[Message], tmp_path: Path) -> list[tuple[str, str, bool]]:
    """(tool, main argument, failed) for the first message whose plan carries a planted bug."""
    for index, text in enumerate(MESSAGES):
        workspace = Workspace(tmp_path / f"r{index}")
        workspace.root.mkdir()
        messages = _start(text)
        converse(messages, tools, workspace)
        calls = _calls(messages)
        trace = [
            (call["function"]["name"], json.loads(call["function"]["arguments"]), _failed(result))
            for call, result in zip(calls, workspace.results, strict=True)
        ]
        if any(name.lower() == "edit" for name, _, _ in trace):
            return [(name, str(next(iter(arguments.values()))), failed) for name, arguments, failed in trace]
    raise AssertionError("no message planted a bug")


@pytest.mark.parametrize("dialect", ["openclaw", "claude-code"])
def test_a_planted_bug_is_fixed_with_the_edit_tool_and_rerun(dialect: str, tmp_path: Path) -> None:
    trace = _recovery_trace(DIALECTS[dialect], tmp_path)
    failing = next(index for index, (_, _, failed) in enumerate(trace) if failed)
    name, _, _ = trace[failing + 1]
    assert name.lower() == "edit"
    assert trace[failing + 2][1] == trace[failing][1], "the same command runs again after the fix"
    assert not trace[failing + 2][2]


def _first_reply_history(text: str, tools: list[Message], results: list[str]) -> list[Message]:
    """The conversation after feeding `results` (made up) to the policy's successive tool-call turns."""
    messages = _start(text)
    for turn, result in enumerate(results):
        reply = respond({"messages": messages, "tools": tools})
        assert reply.tool_calls, "the policy was still expected to call tools"
        messages.append(_assistant(reply, turn))
        messages += [
            {"role": "tool", "tool_call_id": f"call_{turn}_{index}", "content": result}
            for index in range(len(reply.tool_calls))
        ]
    return messages


def test_an_unplanned_failure_gets_one_look_around_and_one_retry_then_an_honest_report() -> None:
    text = "Draft an email to stakeholders: revenue is up 12% and churn is 3.4%."
    first = respond({"messages": _start(text), "tools": OPENCLAW}).tool_calls
    messages = _first_reply_history(text, OPENCLAW, ["exit code: 1\n\nError: disk quota exceeded"])
    look = respond({"messages": messages, "tools": OPENCLAW}).tool_calls
    assert [(call.name, call.arguments) for call in look] == [("exec", {"command": "ls -la"})]
    messages = _first_reply_history(
        text, OPENCLAW, ["exit code: 1\n\nError: disk quota exceeded", "exit code: 0\n."]
    )
    assert respond({"messages": messages, "tools": OPENCLAW}).tool_calls == first, "then the same call again"
    messages = _first_reply_history(
        text,
        OPENCLAW,
        [
            "Error: disk quota exceeded",
            "exit code: 0\n.",
            '{"exit_code": 1, "stderr": "disk quota exceeded"}',
        ],
    )
    final = respond({"messages": messages, "tools": OPENCLAW})
    assert final.tool_calls == [] and final.content
    assert "could not" in final.content and "disk quota exceeded" in final.content


def test_step_cap_ends_a_plan_that_would_run_too_long() -> None:
    from isetrace.llm.scripted.policy._history import Exchange
    from isetrace.llm.scripted.policy._plans import Plan, Shell, Step

    plan = Plan(
        "count to twelve", tuple(Step(f"echo {n}", f"echoed {n}", (Shell(f"echo {n}"),)) for n in range(12))
    )
    ok = Exchange((PolicyToolCall("exec", {"command": "echo"}),), ("exit code: 0\n1",))
    assert replay(plan, [ok] * (MAX_STEPS - 1)).next_step is not None
    capped = replay(plan, [ok] * MAX_STEPS)
    assert capped.next_step is None and capped.outcome == "capped"


def test_reasoning_only_when_thinking_is_requested() -> None:
    messages = _start(MESSAGES[2])
    assert respond({"messages": messages, "tools": OPENCLAW}).reasoning is None
    thinking = respond(
        {"messages": messages, "tools": OPENCLAW, "chat_template_kwargs": {"enable_thinking": True}}
    )
    assert thinking.reasoning and thinking.reasoning.startswith("The user wants")
    assert respond({"messages": messages, "tools": OPENCLAW, "reasoning_effort": "low"}).reasoning
    disabled = {"messages": messages, "tools": OPENCLAW, "chat_template_kwargs": {"enable_thinking": False}}
    assert respond(disabled).reasoning is None


def test_sometimes_two_independent_calls_in_one_turn(tmp_path: Path) -> None:
    widths = []
    for index, text in enumerate(MESSAGES):
        workspace = Workspace(tmp_path / f"b{index}")
        workspace.root.mkdir()
        messages = _start(text)
        converse(messages, OPENCLAW, workspace)
        widths += [
            len(message.get("tool_calls") or []) for message in messages if message["role"] == "assistant"
        ]
    assert 2 in widths and 1 in widths and max(widths) == 2


def test_without_usable_tools_the_agent_answers_in_prose() -> None:
    for tools in (None, [], [_tool("web_search", "query", "count")]):
        reply = respond({"messages": _start(MESSAGES[0]), "tools": tools})
        assert reply.tool_calls == [] and reply.content


def test_a_session_verification_turn_reruns_and_shows_the_file(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    messages = _start(MESSAGES[0])
    converse(messages, CLAUDE_CODE, workspace)
    messages.append(
        {
            "role": "user",
            "content": "Good. Before we wrap up: re-run it once and show me the output, "
            "and print `q3_summary.md` so I can check it.",
        }
    )
    first, start = len(workspace.results), len(messages)
    reply, turns = converse(messages, CLAUDE_CODE, workspace)
    names = [call["function"]["name"] for call in _calls(messages[start:])]
    assert names == ["Bash", "Read"] and turns == 1
    assert not any(_failed(result) for result in workspace.results[first:])
    assert "# Summary of units" in (reply.content or "")


def test_a_fix_request_after_an_unresolved_failure_retries_the_failed_call() -> None:
    text = "Draft an email to stakeholders: revenue is up 12% and churn is 3.4%."
    failing = ["exit code: 1\n\nError: disk quota exceeded"] * 3
    messages = _first_reply_history(text, OPENCLAW, [failing[0], "exit code: 0\n.", failing[2]])
    messages.append(
        {"role": "assistant", "content": respond({"messages": messages, "tools": OPENCLAW}).content}
    )
    messages.append(
        {"role": "user", "content": "It failed: `disk quota exceeded`. Fix that specific problem."}
    )
    look = respond({"messages": messages, "tools": OPENCLAW}).tool_calls
    assert look == [PolicyToolCall("exec", {"command": "ls -la"})]


def test_three_roles_complete_a_session_for_real(tmp_path: Path) -> None:
    """Renderer -> simulated user <-> agent, with real execution and a digest of the real tool outcomes."""
    library = json.loads((Path(__file__).parents[2] / "data" / "scripted" / "specs.json").read_text())
    for index in range(6):
        domains = [library["domains"][(index + offset * 3) % 10] for offset in range(1 + index % 3)]
        spec = {
            "persona": library["personas"][index],
            "complexity": ("simple", "medium", "complex")[index % 3],
            "domains": [{**domain, "selected_tasks": domain["tasks"][:2]} for domain in domains],
        }
        outcome = _session(render_intent(spec), spec["persona"], tmp_path / f"s{index}")
        assert outcome["completed"] and outcome["is_success"], outcome


def _session(intent: str, persona: object, root: Path) -> dict[str, Any]:
    root.mkdir()
    workspace = Workspace(root)
    setup = {"intent": intent, "persona": persona, "sub_goals": []}
    simulator = [
        {"role": "system", "content": "# Role: simulated user\n```json\n" + json.dumps(setup) + "\n```"}
    ]
    agent: list[Message] = [{"role": "system", "content": "You are an agent."}]
    for _ in range(12):
        turn: dict[str, Any] = json.loads(respond({"messages": simulator}).content or "")
        if turn["completed"]:
            return turn
        agent.append({"role": "user", "content": turn["query"]})
        start = len(workspace.results)
        reply, _ = converse(agent, OPENCLAW, workspace)
        results = workspace.results[start:]
        failed = [result for result in results if _failed(result)]
        digest = {
            "tool_calls": len(results),
            "failed": len(failed),
            "files_changed": [],
            "errors": failed[-1:],
            "unresolved_failures": int(bool(results) and _failed(results[-1])),
        }
        simulator += [
            {"role": "assistant", "content": json.dumps(turn)},
            {"role": "user", "content": f"{reply.content}\n\n```digest\n{json.dumps(digest)}\n```"},
        ]
    raise AssertionError("the simulated user never completed")
