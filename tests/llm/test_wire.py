"""The wire against servers that misbehave the way a hostile or broken one would: replies too large to
hold, error bodies of any size and shape, connections that go nowhere. A small aiohttp server plays each
one (the scripted endpoint answers like a model server; these answer like a broken one)."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web
from tests.chat_server import serving
from tests.llm.clients import client

from isetrace.errors import EndpointUnavailable, RequestRejected
from isetrace.llm.retry import classify, error_body, retry_after_s
from isetrace.llm.wire import ChatWire, WireConnectionFailed, WireStatus, WireTimeout, WireTooLarge

ASK = [{"role": "user", "content": "hello"}]


def wire(url: str, **limits: int) -> ChatWire:
    return ChatWire(url, "key-1", 5.0, {"X-Team": "data"}, **limits)


async def test_the_body_goes_as_compact_json_with_the_key_and_the_extra_headers() -> None:
    seen: dict[str, object] = {}

    async def echo(request: web.Request) -> web.Response:
        seen.update(body=await request.read(), auth=request.headers["Authorization"],
                    team=request.headers["X-Team"], type=request.headers["Content-Type"])
        return web.Response(body=b'{"ok": true}', content_type="application/json")

    async with serving(echo) as url:
        chat = wire(url)
        try:
            reply = await chat.post({"model": "m", "messages": [{"role": "user", "content": "héllo"}]})
            assert reply == b'{"ok": true}'
        finally:
            await chat.aclose()
    assert seen == {"body": '{"model":"m","messages":[{"role":"user","content":"héllo"}]}'.encode(),
                    "auth": "Bearer key-1", "team": "data", "type": "application/json"}


async def test_a_reply_past_the_limit_is_refused_not_held() -> None:
    async def flood(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        for _ in range(64):  # chunked: no Content-Length to judge it by beforehand
            await response.write(b"x" * 4096)
        return response

    async with serving(flood) as url:
        chat = wire(url, max_reply_bytes=10_000)
        try:
            with pytest.raises(WireTooLarge, match="larger than 10,000 bytes") as raised:
                await chat.post({"model": "m", "messages": []})
        finally:
            await chat.aclose()
    verdict = classify(raised.value)
    assert not verdict.retry and "not answering like a chat-completions endpoint" in verdict.reason


async def test_an_error_body_is_cut_at_its_limit_and_its_words_are_kept() -> None:
    async def long_error(request: web.Request) -> web.Response:
        return web.Response(status=503, text="overloaded " * 100_000, headers={"Retry-After": "7"})

    async with serving(long_error) as url:
        chat = wire(url, max_error_bytes=1000)
        try:
            with pytest.raises(WireStatus) as raised:
                await chat.post({"model": "m", "messages": []})
        finally:
            await chat.aclose()
    status = raised.value
    assert status.status_code == 503 and len(status.body) == 1000 and status.body.startswith("overloaded")
    assert retry_after_s(status) == 7.0
    verdict = classify(status)
    assert verdict.retry and verdict.reason.startswith("HTTP 503: overloaded") and len(verdict.reason) <= 300


@pytest.mark.parametrize(("body", "words"), [
    (b'{"error": {"message": "model not loaded", "code": "model_missing"}}', "model not loaded"),
    (b'{"detail": [1, 2]}', '{"detail": [1, 2]}'),
    (b'["a list"]', '["a list"]'),
    (b"", "(no error text)"),
])
async def test_error_bodies_of_every_shape_read_as_one_line(body: bytes, words: str) -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=422, body=body)

    async with serving(refuse) as url:
        chat = wire(url)
        try:
            with pytest.raises(WireStatus) as raised:
                await chat.post({"model": "m", "messages": []})
        finally:
            await chat.aclose()
    assert error_body(raised.value) == words
    assert not classify(raised.value).retry


async def test_a_context_overflow_is_known_by_its_code_too() -> None:
    async def overflow(request: web.Request) -> web.Response:
        return web.json_response({"error": {"message": "too long", "code": "context_length_exceeded"}}, status=400)

    async with serving(overflow) as url:
        with pytest.raises(RequestRejected, match="no longer fits"):
            await client(url).chat(ASK)


async def test_a_port_nobody_listens_on_is_a_connection_failure_retried_then_given_up() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(EndpointUnavailable, match="the connection failed"):
        await client(f"http://127.0.0.1:{port}/v1", max_retries=1).chat(ASK)
    assert classify(WireConnectionFailed("refused")).retry and classify(WireTimeout("late")).retry
