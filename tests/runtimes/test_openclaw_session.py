"""The original OpenClaw runtime inside a bwrap session, on the scripted endpoint through the bridge.

Slow (OpenClaw's CLI takes most of half a minute to start on two cores), and only where it is installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.runtimes.installed import HERE, needs_openclaw
from tests.sandbox.backends import needs_bwrap

from isetrace.config import SandboxConfig
from isetrace.errors import SandboxUnavailable
from isetrace.runtimes.openclaw_install import OpenClawInstall
from isetrace.runtimes.openclaw_session import OpenClawSession, openclaw_sandbox_config
from isetrace.sandbox import SandboxHome, open_sandbox
from isetrace.sandbox.endpoint_bridge import endpoint_bridge


@needs_bwrap
@needs_openclaw
@pytest.mark.slow
async def test_an_openclaw_turn_runs_its_tool_calls_in_the_session(endpoint: Any, sandbox_home: Path) -> None:
    url, server = endpoint
    async with endpoint_bridge(url) as bridge:
        config = openclaw_sandbox_config(SandboxConfig.model_validate({"backend": "bwrap"}), HERE, bridge.directory,
                                         sandbox_home)
        assert config.limits.memory_mb is None and not config.network
        box = await open_sandbox(config, SandboxHome(sandbox_home))
        try:
            session = OpenClawSession(box, HERE, model="scripted", session_id="s1")
            await session.prepare()
            turn = await session.turn("Save the numbers 4, 8 and 15 in numbers.csv, then tell me it is done.",
                                      timeout_s=240)
            assert turn.exit_code == 0, turn.stderr
            assert turn.stop_reason == "stop" and turn.reply
            assert server.requests >= 2  # at least one tool call, then the answer, all through the bridge
            calls = turn.report["meta"].get("toolSummary", {}).get("calls", 0)
            assert calls >= 1
            listed = await box.run(["ls", "-a", box.info.workspace], timeout_s=10)
            assert b"AGENTS.md" in listed.stdout  # OpenClaw seeded the session's own workspace
        finally:
            await box.close()


def test_a_runtime_that_cannot_run_is_refused_with_its_problems(tmp_path: Path) -> None:
    missing = OpenClawInstall(runtime_dir=tmp_path, node=None, node_version=None, node_error=None, version=None,
                              entry=None)
    with pytest.raises(SandboxUnavailable, match=r"the OpenClaw runtime cannot run: Node\.js is not installed"):
        openclaw_sandbox_config(SandboxConfig(), missing, tmp_path, tmp_path)
