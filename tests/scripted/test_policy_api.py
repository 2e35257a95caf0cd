"""The policy package's public surface: exported names, role recognition and dispatch.

Roles are recognised from the structure of the requests the pipeline really sends: its own prompts,
rendered here, carry no marker for the scripted endpoint."""

from __future__ import annotations

import json

import pytest
from tests.scripted.bodies import SPEC, renderer_body, user_body

import isetrace_scripted.policy as policy
from isetrace_scripted.policy import PolicyInputError, PolicyReply, Role, detect_role, respond


def test_exports_exactly_the_public_api() -> None:
    assert sorted(policy.__all__) == [
        "PolicyInputError",
        "PolicyReply",
        "PolicyToolCall",
        "Role",
        "Sloppiness",
        "detect_role",
        "respond",
    ]


def test_the_real_prompts_are_recognised_by_their_structure() -> None:
    assert detect_role(renderer_body()) is Role.RENDERER
    assert detect_role(user_body()) is Role.USER
    agent = {"messages": [{"role": "system", "content": "You are a helpful agent."},
                          {"role": "user", "content": "hi"}]}
    assert detect_role(agent) is Role.AGENT
    assert detect_role({}) is Role.AGENT


def test_offered_tools_make_an_agent_request_whatever_the_prompt() -> None:
    tools = [{"type": "function", "function": {"name": "exec", "parameters": {"type": "object"}}}]
    assert detect_role({**user_body(), "tools": tools}) is Role.AGENT
    assert detect_role({**renderer_body(), "tools": tools}) is Role.AGENT


def test_only_the_first_system_message_decides() -> None:
    spec_in_user = {"messages": [{"role": "user", "content": "```json\n" + json.dumps(SPEC) + "\n```"}]}
    assert detect_role(spec_in_user) is Role.AGENT
    no_persona = {"messages": [{"role": "system", "content": '```json\n{"complexity": "simple"}\n```'}]}
    assert detect_role(no_persona) is Role.AGENT


def test_the_setup_may_come_as_content_parts() -> None:
    text = "Write it.\n```json\n" + json.dumps(SPEC) + "\n```"
    body = {"messages": [{"role": "system", "content": [{"type": "text", "text": text}]}]}
    assert detect_role(body) is Role.RENDERER


def test_respond_dispatches_to_each_role() -> None:
    intent = json.loads(respond(renderer_body()).content or "")
    assert set(intent) == {"intent", "checks"}
    [check] = intent["checks"]  # the deliverable the request names must exist, with content
    assert check["kind"] == "file_exists" and f"`{check['path']}`" in intent["intent"]
    turn = json.loads(respond(user_body()).content or "")
    assert set(turn) == {"completed", "query", "reason", "is_success"}
    agent = respond({"messages": [{"role": "user", "content": "hello"}]})
    assert isinstance(agent, PolicyReply) and agent.tool_calls == [] and agent.content


def test_a_named_role_overrides_recognition() -> None:
    as_agent = respond(user_body(), Role.AGENT)
    assert as_agent.content and not as_agent.content.startswith("{")
    assert respond(user_body(), Role.USER) == respond(user_body())


def test_every_role_is_deterministic() -> None:
    for body in (renderer_body(), user_body()):
        assert respond(body) == respond(body)


def test_missing_json_block_is_a_loud_input_error() -> None:
    with pytest.raises(PolicyInputError):
        respond({"messages": [{"role": "system", "content": "Write a request.\nno spec here"}]}, Role.RENDERER)
    with pytest.raises(PolicyInputError):
        respond({"messages": [{"role": "system", "content": "Play the user.\nno setup here"}]}, Role.USER)
