"""isetrace: synthesize training data for tool-using OS agents with the ISE recipe.

Intent → Simulate → Execute: sample and render user intents, let a role-locked simulated user delegate
them turn by turn to an agent, and run every tool call the agent makes for real in an isolated
workspace. The public API is re-exported here; everything else is internal.

    config = isetrace.load_config("offline")
    episode = await isetrace.run_episode([intent], config)      # one episode, endpoints and sandbox its own
    summary = isetrace.run_pipeline(config, "runs/demo")        # ``ise run``: intents → episodes → export → stats

The records, config, errors and JSONL helpers load with the package; the runners and their building
blocks load on first use, so ``import isetrace`` stays as light as the records.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from isetrace.config import RunConfig, load_config
from isetrace.errors import (
    AuthenticationFailed,
    ConfigError,
    DataError,
    EndpointError,
    EndpointUnavailable,
    IseError,
    LLMReplyError,
    OutputError,
    RequestRejected,
    SandboxUnavailable,
)
from isetrace.jsonl import LineError, append_jsonl, iter_jsonl, load_jsonl
from isetrace.records import (
    ISETRACE_VERSION,
    Episode,
    Intent,
    Message,
    MessageMeta,
    Persona,
    Termination,
    ToolCall,
    ToolResult,
)

if TYPE_CHECKING:
    from isetrace.export import ExportSummary, export_episodes
    from isetrace.llm.client import ChatClient
    from isetrace.llm.endpoints import Endpoints, open_endpoints
    from isetrace.llm.model import ChatModel
    from isetrace.llm.replay import ReplayModel
    from isetrace.llm.replies import ChatReply
    from isetrace.pipeline.rundir import RunSummary
    from isetrace.pipeline.stages import run_pipeline
    from isetrace.progress import Progress
    from isetrace.sandbox import SessionOpener
    from isetrace.simulate.batch import simulate_all
    from isetrace.simulate.episode import run_episode
    from isetrace.stats import CorpusStats, corpus_stats

_LAZY = {
    "ChatClient": "isetrace.llm.client",
    "ChatModel": "isetrace.llm.model",
    "ChatReply": "isetrace.llm.replies",
    "CorpusStats": "isetrace.stats",
    "Endpoints": "isetrace.llm.endpoints",
    "ExportSummary": "isetrace.export",
    "Progress": "isetrace.progress",
    "ReplayModel": "isetrace.llm.replay",
    "RunSummary": "isetrace.pipeline.rundir",
    "SessionOpener": "isetrace.sandbox",
    "corpus_stats": "isetrace.stats",
    "export_episodes": "isetrace.export",
    "open_endpoints": "isetrace.llm.endpoints",
    "run_episode": "isetrace.simulate.episode",
    "run_pipeline": "isetrace.pipeline.stages",
    "simulate_all": "isetrace.simulate.batch",
}
"""Public names imported on first use: the model client, the sandbox and the exporters are slow to load."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'isetrace' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__version__ = ISETRACE_VERSION

__all__ = [
    "AuthenticationFailed",
    "ChatClient",
    "ChatModel",
    "ChatReply",
    "ConfigError",
    "CorpusStats",
    "DataError",
    "EndpointError",
    "EndpointUnavailable",
    "Endpoints",
    "Episode",
    "ExportSummary",
    "Intent",
    "IseError",
    "LLMReplyError",
    "LineError",
    "Message",
    "MessageMeta",
    "OutputError",
    "Persona",
    "Progress",
    "ReplayModel",
    "RequestRejected",
    "RunConfig",
    "RunSummary",
    "SandboxUnavailable",
    "SessionOpener",
    "Termination",
    "ToolCall",
    "ToolResult",
    "__version__",
    "append_jsonl",
    "corpus_stats",
    "export_episodes",
    "iter_jsonl",
    "load_config",
    "load_jsonl",
    "open_endpoints",
    "run_episode",
    "run_pipeline",
    "simulate_all",
]
