"""The replay model: canned replies read exactly as a server's, and the protocol both models meet."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from isetrace.config import EndpointConfig
from isetrace.errors import EndpointUnavailable, LLMReplyError, RequestRejected
from isetrace.llm.client import ChatClient
from isetrace.llm.model import ChatModel
from isetrace.llm.replay import ReplayModel, tool_call
from isetrace.llm.usage import RoleUsage

EXEC = [{"type": "function", "function": {"name": "exec", "parameters": {"type": "object"}}}]


class Answer(BaseModel):
    intent: str


def test_the_http_client_and_the_replay_model_are_both_chat_models() -> None:
    client = ChatClient("agent", EndpointConfig(base_url="http://127.0.0.1:9/v1", model="m"),
                        "http://127.0.0.1:9/v1", usage=RoleUsage())
    assert isinstance(client, ChatModel) and client.model == "m" and client.provenance == "m"
    replay = ReplayModel([], role="user", model="canned")
    assert isinstance(replay, ChatModel)
    assert (replay.role, replay.model, replay.provenance) == ("user", "canned", "replay:canned")


async def test_replies_come_in_order_and_are_read_like_a_servers() -> None:
    model = ReplayModel([
        "<think>plan it</think>Done.",
        {"content": None, "tool_calls": [tool_call("exec", {"command": "ls"}), tool_call("rm_rf", "{}", "c2"),
                                         tool_call("exec", "{not json", "c3")],
         "usage": {"prompt_tokens": 7, "completion_tokens": 3}},
    ])
    first = await model.chat([{"role": "user", "content": "hi"}])
    assert (first.content, first.reasoning, first.tool_calls) == ("Done.", "plan it", [])
    second = await model.chat([{"role": "user", "content": "go"}], EXEC)
    ok, unknown, broken = second.tool_calls
    assert ok.name == "exec" and ok.arguments == {"command": "ls"} and ok.problem is None
    assert unknown.id == "c2" and "unknown tool 'rm_rf'" in (unknown.problem or "")
    assert broken.arguments is None and "not valid JSON" in (broken.problem or "")
    assert second.finish_reason == "tool_calls" and second.usage.total_tokens == 10
    assert [r.messages[-1]["content"] for r in model.requests] == ["hi", "go"]
    assert model.requests[0].tools is None and model.requests[1].tools == EXEC
    assert model.remaining == 0


async def test_running_out_a_canned_error_and_an_empty_reply_are_endpoint_failures() -> None:
    model = ReplayModel([RequestRejected("too long", role="agent", attempts=1, reason="context length"), "  "])
    with pytest.raises(RequestRejected, match="too long"):
        await model.chat([])
    with pytest.raises(LLMReplyError, match="empty reply"):
        await model.chat([])
    with pytest.raises(EndpointUnavailable, match="no reply left for request 3 \\(2 were given\\)"):
        await model.chat([])


async def test_structured_replies_are_asked_again_as_the_client_does() -> None:
    model = ReplayModel(['{"intent": ', '{"wrong": 1}', '{"intent": "Sort my photos."}'], role="renderer")
    value, reply = await model.chat_structured([{"role": "user", "content": "write it"}], Answer)
    assert value.intent == "Sort my photos." and reply.content.startswith('{"intent"')
    assert len(model.requests) == 3 and model.requests[0] == model.requests[2]
    stubborn = ReplayModel(['{"wrong": 1}'] * 2, role="renderer")
    with pytest.raises(LLMReplyError, match=r"renderer endpoint gave no usable reply in 2 asks: .*missing") as failed:
        await stubborn.chat_structured([], Answer, asks=2)
    assert failed.value.raw == '{"wrong": 1}'
