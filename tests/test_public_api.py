"""The public API is exactly what ``__all__`` says."""

from __future__ import annotations

import isetrace


def test_exported_names_are_exactly_the_public_api() -> None:
    assert sorted(isetrace.__all__) == sorted([
        "AuthenticationFailed", "ConfigError", "DataError", "EndpointError", "EndpointUnavailable", "Episode",
        "Intent", "IseError", "LLMReplyError", "LineError", "Message", "MessageMeta", "Persona", "RequestRejected",
        "RunConfig", "SandboxUnavailable", "Termination", "ToolCall", "ToolResult", "__version__", "append_jsonl",
        "iter_jsonl", "load_config", "load_jsonl",
    ])
    for name in isetrace.__all__:
        assert hasattr(isetrace, name), name
