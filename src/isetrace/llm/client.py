"""The one way isetrace talks to a model: an async chat client for one role's endpoint.

It speaks the OpenAI chat-completions protocol over :mod:`isetrace.llm.wire` (a body encoded once and
posted as it is: the official SDK's layers cost the runner more CPU than the rest of a call). Retrying is
decided here, once, for every server. Around each call it adds what a
days-long run needs: a concurrency limit per endpoint, retries with backoff on transient failures,
clear errors on permanent ones, an optional replay cache, usage accounting, the tolerant reading
of replies in :mod:`isetrace.llm.replies`, and structured replies (:mod:`isetrace.llm.structured`):
the reply's schema sent as ``response_format``, a weaker mode when the server refuses it, and a
bounded re-ask when a reply still does not fit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel

from isetrace.config import EndpointConfig
from isetrace.errors import AuthenticationFailed, ConfigError, EndpointUnavailable, LLMReplyError, RequestRejected
from isetrace.llm.cache import ResponseCache, request_key
from isetrace.llm.model import JSON_ASKS, MAX_RAW_CHARS, ask_structured
from isetrace.llm.replies import ChatReply, reply_from_completion
from isetrace.llm.retry import backoff_delay, classify, error_body, retry_after_s
from isetrace.llm.structured import WEAKER, StructuredMode, names_response_format, response_format
from isetrace.llm.thinking import request_fields
from isetrace.llm.usage import RoleUsage
from isetrace.llm.wire import ChatWire, WireError, WireStatus
from isetrace.records import TokenUsage

__all__ = ["EMPTY_REPLY_RETRIES", "ChatClient"]

log = logging.getLogger(__name__)

EMPTY_REPLY_RETRIES = 2
"""How many times an empty reply is asked again before it is an error (servers do this transiently)."""

Reply = TypeVar("Reply", bound=BaseModel)

_NO_KEY = "not-needed"
"""Sent when no key is configured: some servers insist on a bearer token, and local ones ignore it."""


def _api_key(role: str, config: EndpointConfig, environ: Mapping[str, str]) -> str:
    if config.api_key_env is None:
        return _NO_KEY
    value = environ.get(config.api_key_env)
    if not value:
        raise ConfigError(
            f"endpoints.{role}.api_key_env names the environment variable {config.api_key_env}, "
            "which is not set; export it before the run"
        )
    return value


class ChatClient:
    """Chat completions for one role, against one OpenAI-compatible endpoint (a :class:`ChatModel`)."""

    def __init__(
        self,
        role: str,
        config: EndpointConfig,
        base_url: str,
        *,
        usage: RoleUsage,
        cache: ResponseCache | None = None,
        environ: Mapping[str, str] | None = None,
        seed: int = 0,
        provenance: str | None = None,
    ) -> None:
        """Raises :class:`ConfigError` when the endpoint's API key variable is named but unset.

        ``provenance`` labels what this endpoint says when it is not a model (an in-process provider's
        label); unset, the model name labels it.
        """
        self.role = role
        self.config = config
        self.base_url = base_url
        self.usage = usage
        self._cache = cache
        self._gate = asyncio.Semaphore(config.concurrency)
        self.structured_mode: StructuredMode = config.structured_output
        """The structured-output mode in effect: the configured one until the server refuses it."""
        self._rng = random.Random(seed)
        self._provenance = provenance
        self._fixed_fields = {**request_fields(config.model, config.thinking_style, config.thinking),
                              **config.extra_body}
        """What every request of this endpoint carries besides messages, tools and sampling settings."""
        self._wire = ChatWire(base_url, _api_key(role, config, os.environ if environ is None else environ),
                              config.timeout_s, config.extra_headers)

    @property
    def model(self) -> str:
        """The configured model name."""
        return self.config.model

    @property
    def provenance(self) -> str:
        """What produced this role's text: the provider's label when it has one, else the model name."""
        return self._provenance or self.config.model

    def request_body(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]] | None = None,
        reply_format: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The exact JSON body sent for ``messages``: the basis of the cache key.

        A message with ``content: None`` (an assistant turn that only calls tools) is sent with
        ``content: ""``: servers differ on ``null`` (llama-cpp-python refuses it, and a missing key too),
        while every one accepts the empty string. ``null_tool_call_content`` sends ``null`` as it is.
        """
        if not self.config.null_tool_call_content:
            messages = [{**m, "content": ""} if "content" in m and m["content"] is None else m for m in messages]
        body: dict[str, Any] = {"model": self.config.model, "messages": list(messages),
                                "temperature": self.config.temperature}
        if reply_format is not None:
            body["response_format"] = dict(reply_format)
        if self.config.top_p is not None:
            body["top_p"] = self.config.top_p
        if self.config.max_tokens is not None:
            body["max_tokens"] = self.config.max_tokens
        if tools:
            body["tools"] = list(tools)
        body.update(self._fixed_fields)
        return body

    async def chat(
        self,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
        *,
        use_cache: bool = True,
        reply_format: Mapping[str, Any] | None = None,
    ) -> ChatReply:
        """One completion, retried as needed; ``reply_format`` is sent as ``response_format``.

        Raises :class:`EndpointUnavailable` when transient failures outlast the retries,
        :class:`AuthenticationFailed` at once on 401/403, :class:`RequestRejected` at once on other
        failures of the request itself (bad request, context length, a request validation error), and
        :class:`LLMReplyError` when the endpoint keeps answering with nothing.
        """
        body = self.request_body(messages, tools, reply_format)
        offered = {str(t.get("function", {}).get("name")) for t in tools} if tools else None
        # The key hashes the whole conversation: made only when there is a cache to look it up in.
        key = request_key(body) if self._cache is not None else ""
        if self._cache is not None and use_cache:
            hit = self._cache.get(key)
            if hit is not None:
                self.usage.calls += 1
                self.usage.cache_hits += 1
                reply = reply_from_completion(hit, offered)
                reply.cached = True
                return reply
        started = time.monotonic()
        try:
            reply = await self._complete(body, offered)
        except Exception:
            self.usage.failures += 1
            raise
        finally:
            self.usage.latency_s += time.monotonic() - started
        reply.latency_s = time.monotonic() - started
        self.usage.calls += 1
        self.usage.prompt_tokens += reply.usage.prompt_tokens
        self.usage.completion_tokens += reply.usage.completion_tokens
        self.usage.cached_prompt_tokens += reply.usage.cached_prompt_tokens
        if self._cache is not None:
            self._cache.put(key, self.config.model, reply.completion)
        return reply

    async def chat_structured(
        self, messages: Sequence[Mapping[str, Any]], reply_model: type[Reply], *, asks: int = JSON_ASKS,
    ) -> tuple[Reply, ChatReply]:
        """A completion that must be one JSON object of ``reply_model``'s shape.

        The shape is sent as ``response_format`` in the endpoint's structured-output mode; a server that
        refuses the mode makes the endpoint fall back to the next weaker one. A reply that still cannot be
        read, or lacks a required field, is asked again (``asks`` times in all, bypassing the cache);
        after the last, :class:`LLMReplyError` says why, with the raw reply (cut at
        :data:`MAX_RAW_CHARS`) kept for the failure record. A broken object is never read for a part.
        """
        def reask() -> None:
            self.usage.reasks += 1

        return await ask_structured(
            lambda number: self._chat_in_mode(messages, reply_model, use_cache=number == 1),
            reply_model, role=self.role, asks=asks, on_reask=reask)

    async def _chat_in_mode(self, messages: Sequence[Mapping[str, Any]], reply_model: type[BaseModel], *,
                            use_cache: bool) -> ChatReply:
        """One completion in the structured mode in effect, falling back while the server refuses it."""
        while True:
            mode = self.structured_mode
            self.usage.structured_output = mode
            try:
                return await self.chat(messages, use_cache=use_cache,
                                       reply_format=response_format(mode, reply_model))
            except RequestRejected as exc:
                weaker = WEAKER.get(mode)
                if weaker is None or not names_response_format(exc.reason):
                    raise
                if self.structured_mode == mode:  # concurrent refusals of one mode fall back once
                    self.structured_mode = weaker
                    self.usage.structured_fallbacks.append(f"{mode} → {weaker}: {exc.reason}")
                    log.warning("%s endpoint refused structured output %r (%s); using %r from now on",
                                self.role, mode, exc.reason, weaker)

    async def _complete(self, body: dict[str, Any], offered: set[str] | None) -> ChatReply:
        """Send ``body`` until a non-empty reply comes back, within the retry budgets.

        The reply's usage includes the empty replies asked again before it: the server spent (and a
        hosted API bills) those tokens too, a thinking model's cut-off reasoning often most of them.
        """
        failures = 0
        empties = 0
        attempts = 0
        spent = TokenUsage()
        while True:
            attempts += 1
            self.usage.attempts += 1
            try:
                async with self._gate:
                    raw = await self._wire.post(body)
            except WireError as exc:
                verdict = classify(exc)
                if isinstance(exc, WireStatus):
                    log.debug("%s endpoint: HTTP %d, whole body: %s", self.role, exc.status_code, error_body(exc))
                if not verdict.retry:
                    rejected = AuthenticationFailed if verdict.auth else RequestRejected
                    raise rejected(
                        f"{self.role} endpoint ({self.base_url}) rejected the request: {verdict.reason}",
                        role=self.role, attempts=attempts, reason=verdict.reason,
                    ) from exc
                failures += 1
                if failures > self.config.max_retries:
                    raise EndpointUnavailable(
                        f"{self.role} endpoint ({self.base_url}) failed {attempts} times; last: {verdict.reason}",
                        role=self.role, attempts=attempts, reason=verdict.reason,
                    ) from exc
                delay = backoff_delay(failures, self.config.backoff_s, retry_after_s(exc), self._rng)
                log.warning("%s endpoint: %s; retry %d/%d in %.1fs", self.role, verdict.reason, failures,
                            self.config.max_retries, delay)
                self.usage.retries += 1
                await asyncio.sleep(delay)
                continue
            reply = reply_from_completion(_completion_json(raw), offered)
            reply.attempts = attempts
            spent = spent.plus(reply.usage)
            reply.usage = spent
            if not reply.is_empty:
                return reply
            empties += 1
            if empties > EMPTY_REPLY_RETRIES:
                hint = " (the token limit was reached; raise max_tokens)" if reply.finish_reason == "length" else ""
                raise LLMReplyError(
                    f"{self.role} endpoint returned an empty reply {empties} times{hint}",
                    role=self.role, attempts=attempts, raw=reply.content[:MAX_RAW_CHARS],
                )
            log.warning("%s endpoint: empty reply; asking again", self.role)
            self.usage.retries += 1

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._wire.aclose()


def _completion_json(content: bytes) -> dict[str, Any]:
    """A completion body as plain JSON; a body that is not a JSON object reads as an empty reply."""
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
