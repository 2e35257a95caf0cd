"""The pipeline against a real model on CPU (llama-cpp-python serving SmolLM2-135M-Instruct).

What a scripted endpoint cannot show: that a real server accepts what we send, that its tool calls are
recorded exactly as it returned them, and that structured output makes even a 135M model's JSON replies
parse. The model's work is weak; the assertions are on what really happened, not on its quality.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.proxy import proxy
from tests.sandbox.backends import BEST_BACKEND

from isetrace.config import load_config
from isetrace.intents.library import load_library
from isetrace.intents.render import render_intents
from isetrace.intents.sampler import sample_intents
from isetrace.jsonl import load_jsonl
from isetrace.llm.endpoints import open_endpoints
from isetrace.records import Episode, Intent
from isetrace.simulate.user import KICK_OFF, UserReply, UserSimulator

pytestmark = pytest.mark.real_model

LOCAL_CONFIG = Path(__file__).parents[2] / "configs" / "local-llamacpp.yaml"
RUN_TIMEOUT_S = 900


def _parsed(raw: str) -> Any:
    """Arguments as what they say: the object where the text parses as one, else the text."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, dict) else raw


async def test_ise_run_with_the_agent_on_a_real_model(llama_server: str, tmp_path: Path, sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    async with proxy(llama_server) as (front, seen):
        settings = [
            f"run.dir={run_dir}", f"endpoints.agent.base_url={front}", f"sandbox.home={sandbox_home}",
            f"sandbox.backend={BEST_BACKEND}", "simulate.date=2026-01-15", "intents.count=2",
            "simulate.max_user_turns=2", "simulate.max_turn_steps=2", "simulate.max_agent_steps=4",
            "endpoints.agent.max_tokens=96",
            # the user and the renderer are scripted: this test is about the agent role on a real model
            "endpoints.user.provider=scripted", "endpoints.renderer.provider=scripted",
        ]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "isetrace", "run", "--config", str(LOCAL_CONFIG),
            *(arg for item in settings for arg in ("-c", item)),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, "COLUMNS": "200"})
        out, err = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT_S)
    stdout, stderr = out.decode(), err.decode()
    assert process.returncode == 0, stderr[-3000:]
    assert "intents:" in stdout and "episodes:" in stdout, stdout

    # every intent is accounted for: an episode, or a failure with its reason
    intents, _ = load_jsonl(run_dir / "intents" / "intents.jsonl", Intent)
    episodes, errors = load_jsonl(run_dir / "episodes.jsonl", Episode)
    assert errors == [] and intents
    failed = [json.loads(line) for line in (run_dir / "failures.jsonl").read_text().splitlines() if line.strip()] \
        if (run_dir / "failures.jsonl").exists() else []
    accounted = {e.episode_id for e in episodes} | {i for f in failed for i in f.get("intent_ids", [])}
    assert accounted == {i.id for i in intents}, (accounted, stderr[-2000:])

    # the agent's calls really ran: every tool message holds the sandbox's result of that very call
    calls = [c for e in episodes for m in e.messages if m.role == "assistant" for c in m.tool_calls]
    results = [m for e in episodes for m in e.messages if m.role == "tool"]
    assert calls, "the real model made no tool call at all"
    assert [m.tool_call_id for m in results] == [c.id for c in calls][: len(results)]
    assert all(m.result is not None and m.result.call_id == m.tool_call_id for m in results)
    assert any(m.meta is not None and m.meta.producer == "sandbox" and m.result is not None
               and (m.result.exit_code is not None or m.result.error_kind is not None or m.result.ok)
               for m in results)

    # the export carries the tool calls exactly as the server returned them
    returned = [c for reply in seen.replies for c in reply["choices"][0]["message"].get("tool_calls") or []]
    rows = [json.loads(line) for line in (run_dir / "exports" / "ise-openai.jsonl").read_text().splitlines()]
    exported = [c for row in rows for m in row["messages"] if m["role"] == "assistant"
                for c in m.get("tool_calls") or []]
    # (arguments are JSON text in the export, re-encoded where they parsed: compared as what they say)
    assert [(c["id"], c["function"]["name"], _parsed(c["function"]["arguments"])) for c in exported] == \
        [(c["id"], c["function"]["name"], _parsed(c["function"]["arguments"])) for c in returned]


async def test_the_renderer_and_the_simulator_get_parseable_replies_from_a_real_model(llama_server: str) -> None:
    # structured_output is left at its default (json_schema): llama-cpp-python refuses it, and the
    # endpoint must fall back to json_object, once, and say so in its usage
    config = load_config(None, [
        *(f"endpoints.{role}.{key}" for role in ("renderer", "user") for key in (
            "provider=openai", f"base_url={llama_server}", "model=smollm2-135m", "max_tokens=200",
            "temperature=0", "thinking_style=none", "timeout_s=600")),
    ], environ={})
    library = load_library()
    sampled = sample_intents(library, 2, seed=3)
    async with open_endpoints(config, ["renderer", "user"]) as endpoints:
        # a 135M model cannot write a request and its checks in one reply: it is asked for the request alone
        outcomes = await render_intents(endpoints["renderer"], library, sampled, write_checks=False)
        assert [o.reason for o in outcomes if o.rendered is None] == []
        rendered = [o.rendered for o in outcomes if o.rendered is not None]
        # the simulator's very request for its first turn; whether a 135M model's answer makes sense as a
        # turn is the simulator's business, parsing it is the bar here
        simulator = UserSimulator(endpoints["user"], rendered[0], drift_retries=0)
        reply, _ = await endpoints["user"].chat_structured(
            [{"role": "system", "content": simulator.system_prompt}, {"role": "user", "content": KICK_OFF}], UserReply)
        usage = endpoints.usage.roles
    assert all(intent.natural_language_intent.strip() for intent in rendered)
    assert isinstance(reply, UserReply) and (reply.completed or reply.query.strip())
    for role in ("renderer", "user"):
        assert usage[role].structured_output == "json_object"
        assert len(usage[role].structured_fallbacks) == 1
        assert usage[role].structured_fallbacks[0].startswith("json_schema → json_object")
