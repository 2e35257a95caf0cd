"""isetrace: synthesize training data for tool-using OS agents with the ISE recipe.

Intent → Simulate → Execute: sample and render user intents, let a role-locked simulated user delegate
them turn by turn to an agent, and run every tool call the agent makes for real in an isolated
workspace. The public API is re-exported here; everything else is internal.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from isetrace.config import RunConfig, load_config
from isetrace.errors import (
    AuthenticationFailed,
    ConfigError,
    DataError,
    EndpointError,
    EndpointUnavailable,
    IseError,
    LLMReplyError,
    RequestRejected,
    SandboxUnavailable,
)
from isetrace.jsonl import LineError, append_jsonl, iter_jsonl, load_jsonl
from isetrace.records import (
    Episode,
    Intent,
    Message,
    MessageMeta,
    Persona,
    Termination,
    ToolCall,
    ToolResult,
)

try:
    __version__ = version("isetrace")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

__all__ = [
    "AuthenticationFailed",
    "ConfigError",
    "DataError",
    "EndpointError",
    "EndpointUnavailable",
    "Episode",
    "Intent",
    "IseError",
    "LLMReplyError",
    "LineError",
    "Message",
    "MessageMeta",
    "Persona",
    "RequestRejected",
    "RunConfig",
    "SandboxUnavailable",
    "Termination",
    "ToolCall",
    "ToolResult",
    "__version__",
    "append_jsonl",
    "iter_jsonl",
    "load_config",
    "load_jsonl",
]
