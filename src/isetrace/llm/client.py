"""The one way isetrace talks to a model: an async chat client for one role's endpoint.

It speaks the OpenAI chat-completions protocol through the official ``openai`` SDK (whose own retries
are switched off: retrying is decided here, once, for every server). Around each call it adds what a
days-long run needs: a concurrency limit per endpoint, retries with backoff on transient failures,
clear errors on permanent ones, an optional replay cache, usage accounting, and the tolerant reading
of replies in :mod:`isetrace.llm.replies`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

import openai

from isetrace.config import EndpointConfig
from isetrace.errors import ConfigError, EndpointUnavailable, LLMReplyError, RequestRejected
from isetrace.llm.cache import ResponseCache, request_key
from isetrace.llm.jsonparse import JsonReply, parse_json_object
from isetrace.llm.replies import ChatReply, reply_from_completion
from isetrace.llm.retry import backoff_delay, classify, retry_after_s
from isetrace.llm.thinking import request_fields
from isetrace.llm.usage import RoleUsage

__all__ = ["EMPTY_REPLY_RETRIES", "ChatClient"]

log = logging.getLogger(__name__)

EMPTY_REPLY_RETRIES = 2
"""How many times an empty reply is asked again before it is an error (servers do this transiently)."""

_NO_KEY = "not-needed"
"""Sent when no key is configured: the SDK insists on one, and local servers ignore it."""


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
    """Chat completions for one role, against one OpenAI-compatible endpoint."""

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
    ) -> None:
        """Raises :class:`ConfigError` when the endpoint's API key variable is named but unset."""
        self.role = role
        self.config = config
        self.base_url = base_url
        self.usage = usage
        self._cache = cache
        self._gate = asyncio.Semaphore(config.concurrency)
        self._rng = random.Random(seed)
        self._fixed_fields = {**request_fields(config.model, config.thinking_style, config.thinking),
                              **config.extra_body}
        """What every request of this endpoint carries besides messages, tools and sampling settings."""
        self._sdk = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=_api_key(role, config, os.environ if environ is None else environ),
            max_retries=0,
            timeout=config.timeout_s,
            default_headers=config.extra_headers or None,
            http_client=openai.DefaultAioHttpClient(timeout=config.timeout_s),
        )

    @property
    def provenance(self) -> str:
        """``scripted`` for the offline endpoint, else the model name: what produced this role's text."""
        return "scripted" if self.config.provider == "scripted" else self.config.model

    def request_body(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The exact JSON body sent for ``messages``: the basis of the cache key."""
        body: dict[str, Any] = {"model": self.config.model, "messages": list(messages),
                                "temperature": self.config.temperature}
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
    ) -> ChatReply:
        """One completion, retried as needed.

        Raises :class:`EndpointUnavailable` when transient failures outlast the retries,
        :class:`RequestRejected` at once on auth, bad-request and context-length errors, and
        :class:`LLMReplyError` when the endpoint keeps answering with nothing.
        """
        body = self.request_body(messages, tools)
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
        if self._cache is not None:
            self._cache.put(key, self.config.model, reply.completion)
        return reply

    async def chat_json(self, messages: Sequence[Mapping[str, Any]], *, asks: int = 2) -> tuple[JsonReply, ChatReply]:
        """A completion whose answer should be one JSON object.

        The object is found even in a code fence or among prose. When no object can be read, the model
        is asked again (``asks`` times in all, bypassing the cache); if it still fails, the last
        :class:`JsonReply` comes back with ``error`` set and the raw text, for the caller to decide.
        """
        parsed = JsonReply(None, "not asked", "")
        reply: ChatReply | None = None
        for ask in range(max(1, asks)):
            reply = await self.chat(messages, use_cache=ask == 0)
            parsed = parse_json_object(reply.content)
            if parsed.ok:
                return parsed, reply
            log.warning("%s endpoint: unusable JSON reply (%s); asking again", self.role, parsed.error)
        assert reply is not None
        return parsed, reply

    async def _complete(self, body: dict[str, Any], offered: set[str] | None) -> ChatReply:
        """Send ``body`` until a non-empty reply comes back, within the retry budgets."""
        failures = 0
        empties = 0
        attempts = 0
        while True:
            attempts += 1
            self.usage.attempts += 1
            try:
                async with self._gate:
                    # The body goes whole as extra_body: the SDK then sends it as it is, instead of walking
                    # every message of a long conversation through its type transforms on every call
                    # (measured: two thirds of our CPU per episode in benchmarks/pipeline.py).
                    # The raw response is read as JSON once, not built into SDK models and dumped back.
                    raw = await self._sdk.chat.completions.with_raw_response.create(
                        model=body["model"], messages=[], extra_body={k: v for k, v in body.items() if k != "model"},
                    )
            except openai.APIError as exc:
                verdict = classify(exc)
                if not verdict.retry:
                    raise RequestRejected(
                        f"{self.role} endpoint ({self.base_url}) rejected the request: {verdict.reason}",
                        role=self.role, attempts=attempts,
                    ) from exc
                failures += 1
                if failures > self.config.max_retries:
                    raise EndpointUnavailable(
                        f"{self.role} endpoint ({self.base_url}) failed {attempts} times; last: {verdict.reason}",
                        role=self.role, attempts=attempts,
                    ) from exc
                delay = backoff_delay(failures, self.config.backoff_s, retry_after_s(exc), self._rng)
                log.warning("%s endpoint: %s; retry %d/%d in %.1fs", self.role, verdict.reason, failures,
                            self.config.max_retries, delay)
                self.usage.retries += 1
                await asyncio.sleep(delay)
                continue
            reply = reply_from_completion(_completion_json(raw.content), offered)
            reply.attempts = attempts
            if not reply.is_empty:
                return reply
            empties += 1
            if empties > EMPTY_REPLY_RETRIES:
                hint = " (the token limit was reached; raise max_tokens)" if reply.finish_reason == "length" else ""
                raise LLMReplyError(
                    f"{self.role} endpoint returned an empty reply {empties} times{hint}",
                    role=self.role, attempts=attempts, raw=reply.content,
                )
            log.warning("%s endpoint: empty reply; asking again", self.role)
            self.usage.retries += 1

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._sdk.close()


def _completion_json(content: bytes) -> dict[str, Any]:
    """A completion body as plain JSON; a body that is not a JSON object reads as an empty reply."""
    try:
        data = json.loads(content)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
