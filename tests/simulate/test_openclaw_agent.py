"""What an episode under the OpenClaw runtime records as offered, and what it refuses before it starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import isetrace
from isetrace.config import load_config
from isetrace.errors import ConfigError, SandboxUnavailable
from isetrace.llm.endpoints import open_endpoints
from isetrace.llm.replay import ReplayModel
from isetrace.sandbox.endpoint_bridge import FirstRequest
from isetrace.simulate.openclaw_agent import offered_in, open_openclaw_agent, recorded_turn, skills_in_prompt

PROMPT = ("You are a personal assistant running inside OpenClaw.\n<available_skills>\n  <skill>\n"
          "    <name>data-report</name>\n"
          "    <description>Turn tables into a checked report &amp; more...</description>\n"
          "    <location>/workspace/skills/data-report/SKILL.md</location>\n  </skill>\n  <skill>\n"
          "    <name>clawhub</name>\n    <description>Search ClawHub.</description>\n"
          "    <location>/opt/ise/openclaw/node_modules/openclaw/skills/clawhub/SKILL.md</location>\n  </skill>\n"
          "</available_skills>")
TOOLS = [{"type": "function", "function": {"name": "exec", "description": "Run shell", "parameters": {}}}]


def first(body: object) -> FirstRequest:
    request = FirstRequest()
    request.decide(json.dumps(body).encode())
    return request


def test_the_first_request_gives_the_tools_the_prompt_and_the_skills_it_lists() -> None:
    offered = offered_in(first({"messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": "hi"}],
                                "tools": TOOLS}))
    assert offered.problem == "" and offered.tools == TOOLS and offered.system_prompt == PROMPT
    assert offered.skills == [
        {"name": "data-report", "description": "Turn tables into a checked report & more...",
         "filePath": "/workspace/skills/data-report/SKILL.md", "baseDir": "/workspace/skills/data-report",
         "source": "openclaw-workspace", "disableModelInvocation": False},
        {"name": "clawhub", "description": "Search ClawHub.",
         "filePath": "/opt/ise/openclaw/node_modules/openclaw/skills/clawhub/SKILL.md",
         "baseDir": "/opt/ise/openclaw/node_modules/openclaw/skills/clawhub", "source": "openclaw-bundled",
         "disableModelInvocation": False}]
    parts = offered_in(first({"messages": [{"role": "system", "content": [{"type": "text", "text": "a"},
                                                                            {"type": "text", "text": "b"}]}]}))
    assert parts.system_prompt == "ab" and parts.tools == []
    assert skills_in_prompt("no skills here") == []


@pytest.mark.parametrize(("body", "problem"), [
    (None, "no model request crossed the bridge"),
    ([1, 2], "not a JSON object"),
    ({"messages": [], "tools": [{"name": "exec"}]}, "not a list of function schemas"),
    ({"messages": [], "tools": "exec"}, "not a list of function schemas"),
])
def test_a_first_request_of_the_wrong_shape_offers_nothing_and_says_why(body: object, problem: str) -> None:
    offered = offered_in(first(body) if body is not None else FirstRequest())
    assert problem in offered.problem and offered.tools == []
    not_json = FirstRequest()
    not_json.decide(b"{not json")
    assert "not JSON" in offered_in(not_json).problem


@pytest.mark.parametrize(("settings", "refusal"), [
    (["sandbox.backend=local"], "needs a sandbox with a file system of its own"),
    (["endpoints.agent.provider=openai", "endpoints.agent.base_url=http://127.0.0.1:9/v1",
      "endpoints.agent.api_key_env=AGENT_KEY"], "would hand the agent endpoint's API key to the session"),
    (["agent.openclaw_dir={tmp}/nowhere"], r"OpenClaw cannot run here: .*make install-openclaw"),
])
def test_a_run_that_cannot_use_openclaw_stops_before_its_first_episode(tmp_path: Path, settings: list[str],
                                                                        refusal: str) -> None:
    config = load_config("offline", ["agent.runtime=openclaw", "sandbox.backend=bwrap", f"sandbox.home={tmp_path}",
                                     *(s.format(tmp=tmp_path) for s in settings)], environ={"AGENT_KEY": "sk-test"})
    with pytest.raises(ConfigError, match=refusal):
        isetrace.run_pipeline(config, tmp_path / "run", environ={"AGENT_KEY": "sk-test"})
    assert not (tmp_path / "run" / "episodes.jsonl").exists() and not (tmp_path / "sessions").exists()


async def test_an_agent_endpoint_with_a_key_is_refused_before_anything_starts(tmp_path: Path) -> None:
    config = load_config("offline", ["agent.runtime=openclaw", "endpoints.agent.provider=openai",
                                     "endpoints.agent.base_url=http://127.0.0.1:9/v1",
                                     "endpoints.agent.api_key_env=AGENT_KEY", f"sandbox.home={tmp_path}"],
                         environ={})
    async with open_endpoints(config, ["agent"], environ={"AGENT_KEY": "sk-test"}) as endpoints:
        with pytest.raises(ConfigError, match="would hand the agent endpoint's API key to the session"):
            async with open_openclaw_agent(config, endpoints["agent"], "e1"):
                pass
    assert not (tmp_path / "sessions").exists()


def entry(message: dict[str, object]) -> str:
    return json.dumps({"type": "message", "id": "x", "parentId": None, "timestamp": "2026-11-30T16:08:43.893Z",
                       "message": message}) + "\n"


SENT = "Save the numbers in numbers.csv."
TURN_LOG = (
    entry({"role": "user", "content": [{"type": "text", "text": SENT}]})
    + json.dumps({"type": "custom", "customType": "openclaw.cache-ttl", "data": {}}) + "\n"
    + entry({"role": "assistant", "content": [{"type": "toolCall", "id": "call_1", "name": "exec",
                                               "arguments": {"command": "printf '4\\n8\\n' > numbers.csv"}}],
             "model": "served-model", "usage": {"input": 100, "output": 5}, "stopReason": "toolUse"})
    + entry({"role": "toolResult", "toolCallId": "call_1", "toolName": "exec", "content": [{"type": "text",
             "text": "(no output)"}], "details": {"exitCode": 0, "durationMs": 12}})
    + entry({"role": "assistant", "content": [{"type": "text", "text": "Done."}], "stopReason": "stop"})
)


def test_a_turn_is_what_openclaw_logged_after_the_users_message_with_the_agents_provenance(tmp_path: Path) -> None:
    log = tmp_path / "turn.jsonl"
    log.write_text(TURN_LOG)
    turn = recorded_turn(log, SENT, ReplayModel([], model="agent-model", provenance="scripted"))
    assert [m.role for m in turn] == ["assistant", "tool", "assistant"]
    call, result, reply = turn
    assert call.tool_calls[0].arguments == {"command": "printf '4\\n8\\n' > numbers.csv"}
    assert result.result is not None and result.result.exit_code == 0 and result.tool_call_id == "call_1"
    assert reply.content == "Done."
    assert call.meta is not None and (call.meta.producer, call.meta.endpoint, call.meta.model, call.meta.provenance) \
        == ("agent", "agent", "served-model", "scripted")
    assert call.meta.usage.prompt_tokens == 100
    assert reply.meta is not None and reply.meta.model == "agent-model"  # no model logged: the endpoint's


def test_a_turn_whose_log_has_a_malformed_entry_is_refused_not_kept_with_a_hole(tmp_path: Path) -> None:
    log = tmp_path / "turn.jsonl"
    log.write_text(TURN_LOG + entry({"role": "assistant", "content": 5}) + "{not json\n")
    with pytest.raises(SandboxUnavailable, match=r"2 malformed entries in OpenClaw's log of the turn \(entry 6: "):
        recorded_turn(log, SENT, ReplayModel([]))
