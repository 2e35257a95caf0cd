"""The public API is exactly what ``__all__`` says, and importing it stays as light as the records."""

from __future__ import annotations

import subprocess
import sys

import isetrace


def test_exported_names_are_exactly_the_public_api() -> None:
    assert sorted(isetrace.__all__) == sorted([
        "AuthenticationFailed", "ConfigError", "DataError", "EndpointError", "EndpointUnavailable", "Episode",
        "Intent", "IseError", "LLMReplyError", "LineError", "Message", "MessageMeta", "OutputError", "Persona",
        "RequestRejected", "RunConfig", "SandboxUnavailable", "Termination", "ToolCall", "ToolResult", "__version__",
        "append_jsonl", "iter_jsonl", "load_config", "load_jsonl",
        # the runners, and the building blocks under them
        "run_pipeline", "RunSummary", "run_episode", "simulate_all", "open_endpoints", "Endpoints", "SessionOpener",
        "export_episodes", "ExportSummary", "corpus_stats", "CorpusStats", "Progress",
        # the model protocol, its HTTP client and the replay model for tests
        "ChatModel", "ChatClient", "ChatReply", "ReplayModel",
    ])
    for name in isetrace.__all__:
        assert hasattr(isetrace, name), name
    assert set(isetrace.__all__) <= set(dir(isetrace))


def test_the_runners_are_the_ones_the_cli_and_the_pipeline_call() -> None:
    from isetrace.pipeline.stages import run_pipeline
    from isetrace.simulate.episode import run_episode

    assert isetrace.run_pipeline is run_pipeline and isetrace.run_episode is run_episode


def test_importing_isetrace_loads_no_model_client_sandbox_or_exporter() -> None:
    code = ("import sys, isetrace; "
            "print(sorted(m for m in ('openai', 'httpx', 'isetrace.pipeline', 'isetrace.sandbox', 'isetrace.export') "
            "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
