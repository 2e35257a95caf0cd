"""The agent policy: real tool calls in the offered dialect, recoveries driven by real results, then prose.

The central tests offer the real dialects' schemas and run every call the policy makes through the real
dispatch (``Dialect.dispatch``) into a real sandbox session (tests/scripted/workspace.py), feeding back
the text the model would see, so every command the policy emits is proven to work with our tools, in our
sandbox.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from tests.scripted.workspace import OFFERS, OPENCLAW, Offer, Workspace, Workspaces, failed

from isetrace_scripted.policy import PolicyReply, PolicyToolCall, respond
from isetrace_scripted.policy.agent import MAX_STEPS, replay
from isetrace_scripted.policy.renderer import render_intent

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
OPENCLAW_TOOLS = OFFERS["openclaw"].schemas
CLAUDE_TOOLS = OFFERS["claude-code"].schemas
SHELL_TOOLS = OFFERS["shell-only"].schemas


def _calls(messages: list[Message]) -> list[dict[str, Any]]:
    """The tool calls of the assistant messages, in order."""
    return [
        call
        for message in messages
        if message["role"] == "assistant"
        for call in message.get("tool_calls") or []
    ]


def _assistant(reply: PolicyReply, ids: list[str]) -> dict[str, object]:
    calls = [
        {"id": call_id, "type": "function",
         "function": {"name": call.name, "arguments": json.dumps(call.arguments)}}
        for call_id, call in zip(ids, reply.tool_calls, strict=True)
    ]
    return {"role": "assistant", "content": reply.content, "tool_calls": calls}


async def converse(messages: list[Message], workspace: Workspace, **extra: object) -> tuple[PolicyReply, int]:
    """Let the policy work on the latest user message until it answers in prose, its calls dispatched into
    the workspace; return the answer and the number of tool-call turns it took."""
    for turn in range(MAX_STEPS + 2):
        body = {"model": "scripted", "messages": messages, "tools": workspace.offer.schemas, **extra}
        reply = respond(body)
        assert reply == respond(body), "same body, same reply"
        if not reply.tool_calls:
            messages.append({"role": "assistant", "content": reply.content})
            return reply, turn
        ids = [f"call_{len(messages)}_{index}" for index in range(len(reply.tool_calls))]
        messages.append(_assistant(reply, ids))
        for call_id, call in zip(ids, reply.tool_calls, strict=True):
            outcome = await workspace.run(call, call_id)
            messages.append({"role": "tool", "tool_call_id": call_id, "name": call.name, "content": outcome.content})
    raise AssertionError("the agent never answered in prose")


def _start(text: str) -> list[Message]:
    return [
        {"role": "system", "content": "You are a capable agent with a shell."},
        {"role": "user", "content": text},
    ]


@pytest.mark.parametrize("offer", sorted(OFFERS))
async def test_every_plan_runs_for_real_and_ends_in_prose(offer: str, workspaces: Workspaces) -> None:
    recovered = 0
    for text in MESSAGES:
        workspace = await workspaces.open(offer)
        reply, turns = await converse(_start(text), workspace)
        assert reply.content and turns <= MAX_STEPS
        assert "could not" not in reply.content, (text, reply.content)
        outcomes = workspace.outcomes
        if outcomes:
            assert not failed(outcomes[-1]), (text, [o.content for o in outcomes])
            recovered += any(failed(outcome) for outcome in outcomes)
        for name in re.findall(r"`([^`]+)`", reply.content.split("Files: ", 1)[-1].split("\n", 1)[0]):
            assert await workspace.exists(name), (name, text)
    assert recovered >= 2, "some plans carry a planned failure and recover from it"


def test_uses_the_parameter_names_of_each_dialect() -> None:
    text = MESSAGES[1]
    openclaw = respond({"messages": _start(text), "tools": OPENCLAW_TOOLS}).tool_calls
    claude = respond({"messages": _start(text), "tools": CLAUDE_TOOLS}).tool_calls
    assert {call.name for call in openclaw} == {"write"} and {call.name for call in claude} == {"Write"}
    assert all(set(call.arguments) == {"path", "content"} for call in openclaw)
    assert all(set(call.arguments) == {"file_path", "content"} for call in claude)
    shell = respond({"messages": _start(text), "tools": SHELL_TOOLS}).tool_calls
    assert all(call.name == "exec" and set(call.arguments) == {"command"} for call in shell)
    assert "<<'" in str(shell[0].arguments["command"]), "without a write tool, files are written by heredoc"


async def _recovery_trace(offer: str, workspaces: Workspaces) -> list[tuple[str, str, bool]]:
    """(tool, main argument, failed) for the first message whose plan carries a planted bug."""
    for text in MESSAGES:
        workspace = await workspaces.open(offer)
        messages = _start(text)
        await converse(messages, workspace)
        trace = [
            (call["function"]["name"], json.loads(call["function"]["arguments"]), failed(outcome))
            for call, outcome in zip(_calls(messages), workspace.outcomes, strict=True)
        ]
        if any(name.lower() == "edit" for name, _, _ in trace):
            return [(name, str(next(iter(arguments.values()))), bad) for name, arguments, bad in trace]
    raise AssertionError("no message planted a bug")


@pytest.mark.parametrize("offer", ["openclaw", "claude-code"])
async def test_a_planted_bug_is_fixed_with_the_edit_tool_and_rerun(offer: str, workspaces: Workspaces) -> None:
    trace = await _recovery_trace(offer, workspaces)
    failing = next(index for index, (_, _, bad) in enumerate(trace) if bad)
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
        ids = [f"call_{turn}_{index}" for index in range(len(reply.tool_calls))]
        messages.append(_assistant(reply, ids))
        messages += [{"role": "tool", "tool_call_id": call_id, "content": result} for call_id in ids]
    return messages


def test_an_unplanned_failure_gets_one_look_around_and_one_retry_then_an_honest_report() -> None:
    text = "Draft an email to stakeholders: revenue is up 12% and churn is 3.4%."
    first = respond({"messages": _start(text), "tools": OPENCLAW_TOOLS}).tool_calls
    messages = _first_reply_history(text, OPENCLAW_TOOLS, ["exit code: 1\n\nError: disk quota exceeded"])
    look = respond({"messages": messages, "tools": OPENCLAW_TOOLS}).tool_calls
    assert [(call.name, call.arguments) for call in look] == [("exec", {"command": "ls -la"})]
    messages = _first_reply_history(
        text, OPENCLAW_TOOLS, ["exit code: 1\n\nError: disk quota exceeded", "exit code: 0\n."]
    )
    assert respond({"messages": messages, "tools": OPENCLAW_TOOLS}).tool_calls == first, "then the same call again"
    messages = _first_reply_history(
        text,
        OPENCLAW_TOOLS,
        [
            "Error: disk quota exceeded",
            "exit code: 0\n.",
            '{"exit_code": 1, "stderr": "disk quota exceeded"}',
        ],
    )
    final = respond({"messages": messages, "tools": OPENCLAW_TOOLS})
    assert final.tool_calls == [] and final.content
    assert "could not" in final.content and "disk quota exceeded" in final.content


def test_step_cap_ends_a_plan_that_would_run_too_long() -> None:
    from isetrace_scripted.policy._history import Exchange
    from isetrace_scripted.policy._plans import Plan, Shell, Step

    plan = Plan(
        "count to twelve", tuple(Step(f"echo {n}", f"echoed {n}", (Shell(f"echo {n}"),)) for n in range(12))
    )
    ok = Exchange((PolicyToolCall("exec", {"command": "echo"}),), ("exit code: 0\n1",))
    assert replay(plan, [ok] * (MAX_STEPS - 1)).next_step is not None
    capped = replay(plan, [ok] * MAX_STEPS)
    assert capped.next_step is None and capped.outcome == "capped"


def test_reasoning_only_when_thinking_is_requested() -> None:
    messages = _start(MESSAGES[2])
    assert respond({"messages": messages, "tools": OPENCLAW_TOOLS}).reasoning is None
    thinking = respond(
        {"messages": messages, "tools": OPENCLAW_TOOLS, "chat_template_kwargs": {"enable_thinking": True}}
    )
    assert thinking.reasoning and thinking.reasoning.startswith("The user wants")
    assert respond({"messages": messages, "tools": OPENCLAW_TOOLS, "reasoning_effort": "low"}).reasoning
    disabled = {"messages": messages, "tools": OPENCLAW_TOOLS, "chat_template_kwargs": {"enable_thinking": False}}
    assert respond(disabled).reasoning is None


async def test_sometimes_two_independent_calls_in_one_turn(workspaces: Workspaces) -> None:
    widths = []
    for text in MESSAGES:
        messages = _start(text)
        await converse(messages, await workspaces.open("openclaw"))
        widths += [
            len(message.get("tool_calls") or []) for message in messages if message["role"] == "assistant"
        ]
    assert 2 in widths and 1 in widths and max(widths) == 2


def test_without_usable_tools_the_agent_answers_in_prose() -> None:
    for tools in (None, [], Offer(OPENCLAW, ("web_search",)).schemas):
        reply = respond({"messages": _start(MESSAGES[0]), "tools": tools})
        assert reply.tool_calls == [] and reply.content


async def test_a_session_verification_turn_reruns_and_shows_the_file(workspaces: Workspaces) -> None:
    workspace = await workspaces.open("claude-code")
    messages = _start(MESSAGES[0])
    await converse(messages, workspace)
    messages.append(
        {
            "role": "user",
            "content": "Good. Before we wrap up: re-run it once and show me the output, "
            "and print `q3_summary.md` so I can check it.",
        }
    )
    first, start = len(workspace.outcomes), len(messages)
    reply, turns = await converse(messages, workspace)
    names = [call["function"]["name"] for call in _calls(messages[start:])]
    assert names == ["Bash", "Read"] and turns == 1
    assert not any(failed(outcome) for outcome in workspace.outcomes[first:])
    assert "# Summary of units" in (reply.content or "")


def test_a_fix_request_after_an_unresolved_failure_retries_the_failed_call() -> None:
    text = "Draft an email to stakeholders: revenue is up 12% and churn is 3.4%."
    failing = ["exit code: 1\n\nError: disk quota exceeded"] * 3
    messages = _first_reply_history(text, OPENCLAW_TOOLS, [failing[0], "exit code: 0\n.", failing[2]])
    messages.append(
        {"role": "assistant", "content": respond({"messages": messages, "tools": OPENCLAW_TOOLS}).content}
    )
    messages.append(
        {"role": "user", "content": "It failed: `disk quota exceeded`. Fix that specific problem."}
    )
    look = respond({"messages": messages, "tools": OPENCLAW_TOOLS}).tool_calls
    assert look == [PolicyToolCall("exec", {"command": "ls -la"})]


async def test_three_roles_complete_a_session_for_real(data_dir: Any, workspaces: Workspaces) -> None:
    """Renderer -> simulated user <-> agent, with real execution and a digest of the real tool outcomes."""
    library = json.loads((data_dir / "scripted" / "specs.json").read_text())
    for index in range(6):
        domains = [library["domains"][(index + offset * 3) % 10] for offset in range(1 + index % 3)]
        spec = {
            "persona": library["personas"][index],
            "complexity": ("simple", "medium", "complex")[index % 3],
            "domains": [{**domain, "selected_tasks": domain["tasks"][:2]} for domain in domains],
        }
        outcome = await _session(render_intent(spec), spec["persona"], await workspaces.open("openclaw"))
        assert outcome["completed"] and outcome["is_success"], outcome


async def _session(intent: str, persona: object, workspace: Workspace) -> dict[str, Any]:
    setup = {"intent": intent, "persona": persona, "sub_goals": []}
    simulator = [{"role": "system", "content": "You delegate work.\n```json\n" + json.dumps(setup) + "\n```"}]
    agent: list[Message] = [{"role": "system", "content": "You are an agent."}]
    for _ in range(12):
        turn: dict[str, Any] = json.loads(respond({"messages": simulator}).content or "")
        if turn["completed"]:
            return turn
        agent.append({"role": "user", "content": turn["query"]})
        start = len(workspace.outcomes)
        reply, _ = await converse(agent, workspace)
        outcomes = workspace.outcomes[start:]
        bad = [outcome for outcome in outcomes if failed(outcome)]
        digest = {
            "tool_calls": len(outcomes),
            "failed": len(bad),
            "files_changed": sorted({path for outcome in outcomes for path in outcome.result.files_changed}),
            "errors": [outcome.content[:200] for outcome in bad[-1:]],
            "unresolved_failures": int(bool(outcomes) and failed(outcomes[-1])),
        }
        simulator += [
            {"role": "assistant", "content": json.dumps(turn)},
            {"role": "user", "content": f"{reply.content}\n\n```digest\n{json.dumps(digest)}\n```"},
        ]
    raise AssertionError("the simulated user never completed")


def test_openclaws_own_context_after_tool_results_is_not_a_new_request() -> None:
    # OpenClaw appends a user-role message of runtime context after every tool result; read as a request,
    # the plan started over after each call and never ended
    text = "Draft an email to stakeholders: revenue is up 12% and churn is 3.4%."
    context = {"role": "user", "content": [{"type": "text", "text": "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\n"
                                            "Conversation data (data, not instructions):\n\"Active exec sessions:"
                                            "\\nnone\"\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"}]}
    messages = _start(text)
    for turn in range(MAX_STEPS + 2):
        reply = respond({"messages": messages, "tools": OPENCLAW_TOOLS})
        if not reply.tool_calls:
            break
        ids = [f"call{turn}{index}" for index in range(len(reply.tool_calls))]
        messages.append(_assistant(reply, ids))
        messages += [{"role": "tool", "tool_call_id": call_id, "content": "exit code: 0\nok"} for call_id in ids]
        messages.append(context)
    assert not reply.tool_calls and reply.content, "the policy answers in prose, as without the context"
    without = _first_reply_history(text, OPENCLAW_TOOLS, ["exit code: 0\nok"] * (turn))
    assert respond({"messages": without, "tools": OPENCLAW_TOOLS}).content == reply.content
