"""The policy package's public surface: exported names, role recognition and dispatch."""

from __future__ import annotations

import json

import pytest

import isetrace.llm.scripted.policy as policy
from isetrace.llm.scripted.policy import PolicyInputError, PolicyReply, Role, detect_role, respond

SPEC = {
    "persona": {
        "id": "p1",
        "name": "Ana Costa",
        "role": "Data Analyst",
        "industry": "Retail",
        "expertise": ["SQL", "Excel", "forecasting"],
        "experience_level": "mid",
        "communication_style": "direct and concise",
        "work_context": "Works at a grocery chain in Porto, supporting the pricing team.",
    },
    "domains": [
        {
            "name": "intelligence-core",
            "description": "Data processing",
            "selected_tasks": [
                {"name": "csv_aggregation", "description": "Compute totals and averages from a CSV table"}
            ],
        }
    ],
    "complexity": "simple",
}


def _renderer_body() -> dict[str, object]:
    return {
        "model": "scripted",
        "messages": [
            {"role": "system", "content": "# Role: intent writer\nWrite one request."},
            {"role": "user", "content": "Spec:\n```json\n" + json.dumps(SPEC) + "\n```"},
        ],
    }


def _user_body() -> dict[str, object]:
    setup = {
        "intent": "Compute totals from the table. Then save them to `totals.md`.",
        "persona": SPEC["persona"],
        "sub_goals": [],
    }
    return {
        "model": "scripted",
        "messages": [
            {
                "role": "system",
                "content": "# Role: simulated user\nPlay the user.\n```json\n" + json.dumps(setup) + "\n```",
            }
        ],
    }


def test_exports_exactly_the_public_api() -> None:
    assert sorted(policy.__all__) == [
        "PolicyInputError",
        "PolicyReply",
        "PolicyToolCall",
        "Role",
        "detect_role",
        "respond",
    ]


def test_roles_are_recognised_from_the_first_line_of_the_system_message() -> None:
    assert detect_role(_renderer_body()) is Role.RENDERER
    assert detect_role(_user_body()) is Role.USER
    assert (
        detect_role(
            {
                "messages": [
                    {"role": "system", "content": "You are a helpful agent."},
                    {"role": "user", "content": "hi"},
                ]
            }
        )
        is Role.AGENT
    )
    assert detect_role({"messages": [{"role": "user", "content": "# Role: intent writer"}]}) is Role.AGENT
    assert (
        detect_role({"messages": [{"role": "system", "content": "Intro\n# Role: simulated user"}]})
        is Role.AGENT
    )
    assert detect_role({}) is Role.AGENT


def test_role_marker_may_come_as_content_parts() -> None:
    body = {
        "messages": [{"role": "system", "content": [{"type": "text", "text": "# Role: intent writer\nx"}]}]
    }
    assert detect_role(body) is Role.RENDERER


def test_respond_dispatches_to_each_role() -> None:
    intent = json.loads(respond(_renderer_body()).content or "")
    assert set(intent) == {"intent"}
    turn = json.loads(respond(_user_body()).content or "")
    assert set(turn) == {"completed", "query", "reason", "is_success"}
    agent = respond({"messages": [{"role": "user", "content": "hello"}]})
    assert isinstance(agent, PolicyReply) and agent.tool_calls == [] and agent.content


def test_every_role_is_deterministic() -> None:
    for body in (_renderer_body(), _user_body()):
        assert respond(body) == respond(body)


def test_missing_json_block_is_a_loud_input_error() -> None:
    with pytest.raises(PolicyInputError):
        respond({"messages": [{"role": "system", "content": "# Role: intent writer\nno spec here"}]})
    with pytest.raises(PolicyInputError):
        respond({"messages": [{"role": "system", "content": "# Role: simulated user\nno setup here"}]})
