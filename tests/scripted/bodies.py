"""Chat-completions request bodies for the three roles, as the pipeline really sends them.

The renderer's and the user's come from the real prompts, which carry no marker for the scripted
endpoint: the role is recognised from their structure alone. The agent's offers the real openclaw tools.
"""

from __future__ import annotations

import json
from typing import Any

from isetrace.prompts import render_prompt
from isetrace.tools import get_dialect
from isetrace.verify import describe_kinds

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

TABLE_TASK = ("Compute totals and averages from this table:\n| region | units | revenue |\n|---|---|---|\n"
              "| north | 120 | 3400.50 |\n| south | 80 | 2100 |\n| east | 95 | 2875.25 |\n"
              "Save it to `q3_summary.md`.")


def renderer_body() -> dict[str, Any]:
    """The intent renderer's request: the 4D spec in the system prompt's ```json block."""
    prompt = render_prompt("render_intent", spec_json=json.dumps(SPEC, indent=2),
                           complexity_definition="a short request with one deliverable.",
                           check_kinds=describe_kinds())
    return {
        "model": "scripted",
        "messages": [
            {"role": "system", "content": prompt},
            {"role": "user", "content": "Write the request now."},
        ],
    }


def user_body() -> dict[str, Any]:
    """The simulated user's first turn: its setup (an ``intent`` key) in the system prompt's ```json block."""
    setup = {
        "intent": "Compute totals from the table. Then save them to `totals.md`.",
        "persona": SPEC["persona"],
        "sub_goals": [],
    }
    prompt = render_prompt("user_simulator", persona=SPEC["persona"], spec_json=json.dumps(setup, indent=2))
    return {
        "model": "scripted",
        "messages": [
            {"role": "system", "content": prompt},
            {"role": "user", "content": "Start the conversation: send your first message to the agent."},
        ],
    }


def agent_body(*, thinking: bool = False) -> dict[str, Any]:
    """The agent's first step on a table task, offered the openclaw tools; with visible reasoning if asked."""
    body: dict[str, Any] = {
        "model": "scripted",
        "messages": [
            {"role": "system", "content": "You are a careful agent. Use the tools."},
            {"role": "user", "content": TABLE_TASK},
        ],
        "tools": get_dialect("openclaw").schemas(),
    }
    if thinking:
        body["chat_template_kwargs"] = {"enable_thinking": True}
    return body
