"""Clients that tests open against a scripted endpoint, each closed when its test ends (tests/llm/conftest.py)."""

from __future__ import annotations

from typing import Any

from isetrace.config import EndpointConfig
from isetrace.llm.client import ChatClient
from isetrace.llm.usage import RoleUsage

OPENED: list[ChatClient] = []
"""Clients still open; the autouse fixture of this folder closes them after each test."""


def opened(chat: ChatClient) -> ChatClient:
    """The client, closed when the test ends."""
    OPENED.append(chat)
    return chat


def client(url: str, role: str = "agent", **settings: Any) -> ChatClient:
    """A client of ``role`` against ``url`` with fast retries, closed when the test ends."""
    config = EndpointConfig.model_validate({"provider": "scripted", "model": "scripted", "backoff_s": 0.01,
                                            **settings})
    return opened(ChatClient(role, config, url, usage=RoleUsage(), environ={}))
