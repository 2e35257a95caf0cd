"""A faulty server in front of the scripted endpoint, for failures the endpoint itself cannot make.

Real servers fail in ways that depend on the request: llama-cpp-python answers ``content: null`` with a
500 validation error, some servers refuse ``response_format``, a context fills up at the Nth call of a
turn. :func:`proxy` forwards every chat request to an upstream endpoint over real HTTP unless a rule
answers it first, and records every body it saw, so a test can say what the client really sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

Answer = tuple[int, dict[str, Any]]
Rule = Callable[[int, dict[str, Any]], Answer | None]
"""``rule(n, body)`` for the n-th chat request (1-based): an answer (status, JSON body), or ``None`` to
pass the request on."""


def error(status: int, message: str, kind: str = "invalid_request_error") -> Answer:
    """An OpenAI-style error answer."""
    return status, {"error": {"message": message, "type": kind, "param": None, "code": None}}


def completion(content: str, *, model: str = "fake") -> Answer:
    """A plain assistant answer."""
    return 200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                              "finish_reason": "stop"}],
                 "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def llama_cpp_python_validation(body: dict[str, Any]) -> Answer | None:
    """What llama-cpp-python's server says to requests its pydantic model refuses: HTTP 500 with the
    validation errors as text. It refuses ``content: null`` (and a missing ``content``) on any message,
    and a ``response_format`` other than ``text``/``json_object``."""
    problems = []
    for index, message in enumerate(body.get("messages") or []):
        if message.get("role") == "assistant" and not isinstance(message.get("content"), str):
            problems.append(f"{{'type': 'string_type', 'loc': ('body', 'messages', {index}, 'content'), "
                            f"'msg': 'Input should be a valid string', 'input': None}}")
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") not in ("text", "json_object"):
        problems.append("{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
                        "'msg': \"Input should be 'text' or 'json_object'\"}")
    if not problems:
        return None
    return error(500, "[" + ",\n ".join(problems) + "]", "internal_server_error")


@dataclass
class Proxy:
    """What the proxy saw: every chat request body, in order."""

    upstream: str
    rules: list[Rule] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    """Every successful completion it returned, in order (forwarded or answered by a rule)."""

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.bodies.append(body)
        for rule in self.rules:
            answer = rule(len(self.bodies), body)
            if answer is not None:
                status, payload = answer
                if status == 200:
                    self.replies.append(payload)
                return web.json_response(payload, status=status)
        headers = {k: v for k, v in request.headers.items() if k.lower() == "authorization"}
        async with aiohttp.ClientSession() as session, session.post(
                f"{self.upstream}/chat/completions", json=body, headers=headers) as upstream:
            payload = await upstream.json()
            if upstream.status == 200:
                self.replies.append(payload)
            return web.json_response(payload, status=upstream.status)


@asynccontextmanager
async def proxy(upstream: str, *rules: Rule) -> AsyncIterator[tuple[str, Proxy]]:
    """Serve a proxy of ``upstream`` (a ``…/v1`` URL) on a free loopback port; yields its URL and state."""
    state = Proxy(upstream, list(rules))
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/chat/completions", state._chat)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/v1", state
    finally:
        await runner.cleanup()
