"""The scripted endpoint: a real OpenAI-compatible HTTP server with a deterministic policy.

It lets the whole pipeline run offline and lets tests drive the real client over real HTTP: it serves
``POST /v1/chat/completions`` (tool calls included, streamed as server-sent events when the request says
``stream: true``, see :mod:`isetrace_scripted.sse`) and ``GET /v1/models`` on a loopback port, answers
each request with :func:`isetrace_scripted.policy.respond`, and injects the faults real servers
produce (:mod:`isetrace_scripted.faults`). Everything it says is labelled ``scripted``: the model
name it reports is the one asked for, but ``system_fingerprint`` is always ``isetrace-scripted``. Its
``usage`` counts tokens roughly (:func:`_estimate_tokens`) and reports cached prompt tokens as a server
with prefix caching would (:func:`_cached_tokens`), so cost and cache figures have something to show.

The role a request is for is recognised from its structure (:func:`isetrace_scripted.policy.detect_role`);
a caller may name it instead with the ``X-Ise-Role`` header (``renderer``, ``user``, ``agent`` or ``judge``).

Use :func:`scripted_server` to run one inside an asyncio program, or ``ise scripted-llm serve``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from isetrace.llm.cache import request_key
from isetrace_scripted import sse
from isetrace_scripted.faults import FaultDice, FaultKind, FaultSettings
from isetrace_scripted.policy import PolicyInputError, PolicyReply, Role, Sloppiness, respond

__all__ = ["FINGERPRINT", "ROLE_HEADER", "ScriptedServer", "scripted_server"]

FINGERPRINT = "isetrace-scripted"
"""``system_fingerprint`` of every scripted reply: how data made offline is recognised."""

ROLE_HEADER = "X-Ise-Role"
"""The request header that names the role to play, overriding recognition from the request's structure."""

STREAM_KEYS = ("stream", "stream_options")
"""Request keys that say how to send a reply, not what to reply: a streamed request is answered (ids
included) as the same request without them."""


def _error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"message": message, "type": kind, "code": kind}}
    return web.json_response(body, status=status, headers=headers)


def _estimate_tokens(value: Any) -> int:
    """A rough token count (4 characters a token): enough for usage accounting to be exercised."""
    return max(1, len(orjson.dumps(value)) // 4)


CACHE_BLOCK = 16
"""Tokens per block of the modelled prefix cache (vLLM's default block size): prefixes are cached whole blocks."""


def _cached_tokens(body: dict[str, Any], prompt_tokens: int) -> int:
    """The prompt tokens a server with automatic prefix caching would have found cached, by a stateless rule.

    What is modelled: one conversation served on its own, its requests one after another, each repeating
    the last with the reply and what followed appended. Everything up to and including the request's last
    assistant message (the tools, the earlier turns, the previous reply itself) was computed for the
    previous request, so it counts as cached, in whole :data:`CACHE_BLOCK` blocks. What is not: eviction,
    and prefixes shared across conversations (the same system prompt in every episode), so a
    conversation's first request is never cached and the share is lower than a busy real server's.
    Deterministic, whatever order requests arrive in.
    """
    messages = body["messages"]
    last = max((i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"),
               default=None)
    if last is None:
        return 0
    prefix = _estimate_tokens(body.get("tools") or []) + _estimate_tokens(messages[: last + 1])
    return min(prompt_tokens, prefix // CACHE_BLOCK * CACHE_BLOCK)


def _json_object(text: str) -> dict[str, Any] | None:
    """``text`` read as a JSON object, or ``None`` when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


_DRIFTED_TURNS = {
    FaultKind.ROLE_DRIFT: "I apologize for the confusion! I can help you with that. Would you like me to go "
                          "through the remaining steps? Let me know if you need anything else.",
    FaultKind.REPORT_DRIFT: "Merged your two sheets and dropped the duplicate rows: 412 left, saved as clean.csv "
                            "in your folder.",
}

@dataclass
class ScriptedServer:
    """The server's state: its fault dice, what it has served, and the aiohttp application."""

    faults: FaultSettings = field(default_factory=FaultSettings)
    latency_ms: int = 0
    api_key: str | None = None
    """When set, requests must carry ``Authorization: Bearer <api_key>`` (as ``vllm --api-key``)."""
    context_tokens: int | None = None
    """When set, longer requests are refused with a context-length error, as a real server does."""
    sloppiness: Sloppiness | None = None
    """When set, the agent now and then does less than it says (see :mod:`.policy._sloppiness`)."""
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    dice: FaultDice = field(init=False)

    def __post_init__(self) -> None:
        self.dice = FaultDice(self.faults)

    def app(self) -> web.Application:
        application = web.Application(client_max_size=64 * 1024 * 1024)
        application.router.add_post("/v1/chat/completions", self._completions)
        application.router.add_get("/v1/models", self._models)
        application.router.add_get("/health", self._health)
        return application

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "served": self.requests})

    async def _models(self, request: web.Request) -> web.Response:
        model = {"id": "scripted", "object": "model", "created": 0, "owned_by": FINGERPRINT}
        return web.json_response({"object": "list", "data": [model]})

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await self._complete(request)
        finally:
            self.in_flight -= 1

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        if self.api_key is not None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "invalid API key", "invalid_api_key")
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return _error(400, "the request body is not valid JSON", "invalid_request_error")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
            return _error(400, "'messages' must be a non-empty list", "invalid_request_error")
        streamed, options = bool(body.get("stream")), body.get("stream_options")
        include_usage = streamed and isinstance(options, dict) and options.get("include_usage") is True
        if streamed:
            body = {key: value for key, value in body.items() if key not in STREAM_KEYS}
        prompt_tokens = _estimate_tokens(body["messages"]) + _estimate_tokens(body.get("tools") or [])
        if self.context_tokens is not None and prompt_tokens > self.context_tokens:
            return _error(400, f"This model's maximum context length is {self.context_tokens} tokens. However, "
                          f"your messages resulted in {prompt_tokens} tokens.", "context_length_exceeded")
        named = request.headers.get(ROLE_HEADER)
        try:
            role = Role(named.strip().lower()) if named else None
        except ValueError:
            known = ", ".join(r.value for r in Role)
            return _error(400, f"{ROLE_HEADER}: {named!r} is not a role (known: {known})", "invalid_request_error")
        transport_fault = await self._transport_fault(request)
        if transport_fault is not None:
            return transport_fault
        try:
            reply = respond(body, role, self.sloppiness)
        except PolicyInputError as exc:
            return _error(400, f"the scripted endpoint cannot answer this request: {exc}", "invalid_request_error")
        completion = self._completion(body, prompt_tokens, self._content_faults(reply))
        if streamed:
            return await self._stream(request, completion, include_usage, arrived)
        response = web.json_response(completion)
        if self.latency_ms:
            # Like a model server with a fixed time per call: the policy's own work counts within it.
            await asyncio.sleep(max(0.0, arrived + self.latency_ms / 1000.0 - time.monotonic()))
        return response

    async def _stream(self, request: web.Request, completion: dict[str, Any], include_usage: bool,
                      arrived: float) -> web.StreamResponse:
        """Send ``completion`` as server-sent events; with a latency, the events are spread evenly so the
        last one goes out ``latency_ms`` after the request arrived, as tokens come from a model server."""
        events = [sse.event(chunk) for chunk in sse.chunks(completion, include_usage=include_usage)]
        events.append(sse.DONE)
        cut_after = max(1, len(events) // 2) if self.dice.roll(FaultKind.STREAM_CUT) else None
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        try:
            for sent, data in enumerate(events, 1):
                if self.latency_ms:
                    due = arrived + self.latency_ms / 1000.0 * sent / len(events)
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                await response.write(data)
                if sent == cut_after:
                    if request.transport is not None:
                        request.transport.abort()
                    raise asyncio.CancelledError
            await response.write_eof()
        except ConnectionResetError:
            # The client stopped reading and hung up, as a runtime may: the rest of the reply is abandoned,
            # as a model server abandons the generation, without an error of the server's own.
            raise asyncio.CancelledError from None
        return response

    async def _transport_fault(self, request: web.Request) -> web.StreamResponse | None:
        """Fail the request the way an overloaded or broken server would, if the dice say so."""
        if self.dice.roll(FaultKind.RATE_LIMIT):
            headers = {"Retry-After": f"{self.faults.retry_after_s:g}"}
            return _error(429, "rate limit reached (injected by the scripted endpoint)", "rate_limit_exceeded",
                          headers)
        if self.dice.roll(FaultKind.SERVER_ERROR):
            return _error(500, "internal server error (injected by the scripted endpoint)", "server_error")
        if self.dice.roll(FaultKind.DISCONNECT):
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if self.dice.roll(FaultKind.SLOW):
            await asyncio.sleep(self.faults.slow_s)
        return None

    def _content_faults(self, reply: PolicyReply) -> dict[str, Any]:
        """The policy's reply as message fields, spoiled the way real models spoil theirs."""
        content = reply.content
        calls = [{"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)}
                 for c in reply.tool_calls]
        if self.dice.roll(FaultKind.EMPTY_REPLY):
            return {"content": "", "calls": [], "reasoning": None}
        if content and (data := _json_object(content)) is not None:
            content = self._drift(data) or content
            if self.dice.roll(FaultKind.MALFORMED_JSON):
                content = content[: max(1, len(content) * 2 // 3)]
            elif self.dice.roll(FaultKind.FENCED_JSON):
                content = f"Here is the JSON you asked for:\n\n```json\n{content}\n```\n\nLet me know if it fits."
        if calls and self.dice.roll(FaultKind.BAD_TOOL_ARGS):
            calls[0]["arguments"] = calls[0]["arguments"].rstrip("}").replace('"', "'", 2)
        if calls and self.dice.roll(FaultKind.UNKNOWN_TOOL):
            calls[0]["name"] = calls[0]["name"] + "_v2"
        return {"content": content, "calls": calls, "reasoning": reply.reasoning}

    def _drift(self, data: dict[str, Any]) -> str | None:
        """A simulated user's turn rewritten in the assistant's voice when the dice say so; else ``None``."""
        if not isinstance(data.get("query"), str) or data.get("completed"):
            return None
        kind = next((kind for kind in _DRIFTED_TURNS if self.dice.roll(kind)), None)
        if kind is None:
            return None
        data["query"] = _DRIFTED_TURNS[kind]
        return json.dumps(data)

    def _completion(self, body: dict[str, Any], prompt_tokens: int, fields: dict[str, Any]) -> dict[str, Any]:
        digest = request_key(body)
        tool_calls = [
            {"id": f"call_{digest[:10]}_{i}", "type": "function", "function": call}
            for i, call in enumerate(fields["calls"])
        ]
        message: dict[str, Any] = {"role": "assistant", "content": fields["content"]}
        if tool_calls:
            message["tool_calls"] = tool_calls
        if fields["reasoning"]:
            message["reasoning_content"] = fields["reasoning"]
        completion_tokens = _estimate_tokens(message)
        return {
            "id": f"chatcmpl-{digest[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model") or "scripted"),
            "system_fingerprint": FINGERPRINT,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if tool_calls else "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens,
                      "prompt_tokens_details": {"cached_tokens": _cached_tokens(body, prompt_tokens)}},
        }


@asynccontextmanager
async def scripted_server(
    faults: FaultSettings | None = None,
    *,
    latency_ms: int = 0,
    api_key: str | None = None,
    context_tokens: int | None = None,
    sloppiness: Sloppiness | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> AsyncIterator[tuple[str, ScriptedServer]]:
    """Run a scripted endpoint in this event loop; yields its ``…/v1`` base URL and its state.

    ``port=0`` picks a free port. The server stops when the block exits.
    """
    server = ScriptedServer(faults=faults or FaultSettings(), latency_ms=latency_ms, api_key=api_key,
                            context_tokens=context_tokens, sloppiness=sloppiness)
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        bound = runner.addresses[0][1]
        yield f"http://{host}:{bound}/v1", server
    finally:
        await runner.cleanup()
