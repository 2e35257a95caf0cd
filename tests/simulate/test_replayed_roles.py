"""The episode loop with exact replies: replay models for the agent and the user, a real sandbox.

Each role's replies are canned, so the test can say precisely what the agent tried (a call whose
arguments are broken, then the right one) and what the user answered, and check what each was shown.
"""

from __future__ import annotations

import json
from typing import Any

from isetrace import run_episode
from isetrace.llm.endpoints import Endpoints
from isetrace.llm.replay import ReplayModel, tool_call
from isetrace.llm.usage import UsageMeter
from isetrace.records import Intent, Termination, TokenUsage
from isetrace.simulate.user import VERIFY_QUERY


def user_says(query: str, *, completed: bool = False, success: bool = False) -> str:
    return json.dumps({"completed": completed, "query": query, "reason": "", "is_success": success})


async def test_an_episode_of_canned_replies_runs_its_calls_for_real(make_config: Any,
                                                                     toy_intents: list[Intent]) -> None:
    agent = ReplayModel([
        {"content": None, "tool_calls": [tool_call("write", '{"path": "notes.txt", "content": ', "c1")]},
        {"content": None, "tool_calls": [tool_call("write", {"path": "notes.txt", "content": "hello\n"}, "c2")]},
        "Wrote notes.txt.",
        {"content": None, "tool_calls": [tool_call("exec", {"command": "cat notes.txt"}, "c3")]},
        "notes.txt says hello.",
    ])
    user = ReplayModel([
        user_says("Put the word hello in notes.txt."),
        user_says("Thanks, that's it.", completed=True, success=True),  # turned into the verification pass
        user_says("Perfect.", completed=True, success=True),
    ], role="user")
    episode = await run_episode(toy_intents[:1], make_config(),
                                endpoints=Endpoints({"agent": agent, "user": user}, UsageMeter()))

    assert episode.termination == Termination.SUCCESS, episode.termination_detail
    assert [m.content for m in episode.messages if m.role == "user"] == [
        "Put the word hello in notes.txt.", VERIFY_QUERY]
    results = [m for m in episode.messages if m.role == "tool"]
    assert [r.tool_call_id for r in results] == ["c1", "c2", "c3"]
    assert results[0].result is not None and results[0].result.error_kind == "bad_arguments"
    assert "not valid JSON" in (results[0].content or "")
    assert results[2].result is not None and results[2].result.stdout == "hello\n"
    assert episode.models == {"agent": "replay", "user": "replay"}
    assert {m.meta.provenance for m in episode.messages if m.meta and m.meta.producer == "agent"} == {"replay:replay"}

    # What the agent was shown: its own tool-only turn with no text, then the error it has to correct.
    second_ask = agent.requests[1].messages
    assert second_ask[-2]["content"] is None and second_ask[-2]["tool_calls"][0]["id"] == "c1"
    assert second_ask[-1]["role"] == "tool" and "not valid JSON" in second_ask[-1]["content"]
    # What the user was shown: the agent's reply with the digest of its tool calls.
    assert "Wrote notes.txt." in user.requests[1].messages[-1]["content"]
    assert agent.remaining == 0 and user.remaining == 0


async def test_the_offered_skills_are_in_the_workspace_the_prompt_and_the_record(make_config: Any,
                                                                                  toy_intents: list[Intent]) -> None:
    agent = ReplayModel([{"tool_calls": [tool_call("read", {"path": "skills/python-script/SKILL.md"}, "r1")]},
                         "I will follow the python-script skill."])
    user = ReplayModel([user_says("Write me a script."), user_says("Not needed after all.", completed=True)],
                       role="user")
    intent = toy_intents[0].model_copy(update={"skills_used": ["python-script", "web-research"]})
    episode = await run_episode([intent], make_config(), endpoints=Endpoints({"agent": agent, "user": user}))

    assert [s["name"] for s in episode.skills] == ["python-script", "web-research"]
    workspace = episode.skills[0]["baseDir"].rsplit("/skills/", 1)[0]
    assert episode.skills[0]["filePath"] == f"{workspace}/skills/python-script/SKILL.md"
    prompt = episode.messages[0].content or ""
    assert "<available_skills>" in prompt and "<name>web-research</name>" in prompt and "data-report" not in prompt
    read = next(m for m in episode.messages if m.role == "tool")
    assert "name: python-script" in (read.content or "")  # the file is really there, and readable

    quiet_user = ReplayModel([user_says("Hi."), user_says("Bye.", completed=True)], role="user")
    none = await run_episode([intent], make_config("tools.skills_dir="),
                             endpoints=Endpoints({"agent": ReplayModel(["Hello."]), "user": quiet_user}))
    assert none.skills == [] and "<available_skills>" not in (none.messages[0].content or "")


def used(content: str, prompt: int, completion: int, cached: int = 0) -> dict[str, Any]:
    """A canned reply with the usage its server reported."""
    return {"content": content, "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                                          "prompt_tokens_details": {"cached_tokens": cached}}}


async def test_a_user_message_carries_the_tokens_of_every_draft_behind_it(make_config: Any,
                                                                          toy_intents: list[Intent]) -> None:
    """An unreadable reply asked again, then a drafted turn regenerated for drift: the message the agent gets
    records what all three calls cost, so the corpus's tokens and cost include them."""
    user = ReplayModel([
        used("Sure, here you go", 50, 5),
        used(user_says("I apologize for the confusion! I can help you with that. Would you like me to go "
                       "through the remaining steps?"), 60, 6, 32),
        used(user_says("Put the word hello in notes.txt."), 70, 7, 48),
        used(user_says("Re-check it and show me the result."), 90, 9, 64),  # the verification pass
        used(user_says("Perfect.", completed=True, success=True), 100, 10, 80),
    ], role="user")
    agent = ReplayModel([used("Wrote notes.txt.", 500, 20, 0), used("It says hello.", 600, 15, 512)])
    episode = await run_episode(toy_intents[:1], make_config("simulate.drift_detector=rules"),
                                endpoints=Endpoints({"agent": agent, "user": user}, UsageMeter()))

    assert episode.termination == Termination.SUCCESS, episode.termination_detail
    assert episode.drift_regenerations == 1
    first, second = [m.meta.usage for m in episode.messages if m.role == "user" and m.meta is not None]
    assert first == TokenUsage(prompt_tokens=180, completion_tokens=18, cached_prompt_tokens=80)
    assert second == TokenUsage(prompt_tokens=90, completion_tokens=9, cached_prompt_tokens=64)
    replies = [m.meta.usage for m in episode.messages if m.role == "assistant" and m.meta is not None]
    assert replies == [TokenUsage(prompt_tokens=500, completion_tokens=20),
                       TokenUsage(prompt_tokens=600, completion_tokens=15, cached_prompt_tokens=512)]
    assert user.remaining == agent.remaining == 0
