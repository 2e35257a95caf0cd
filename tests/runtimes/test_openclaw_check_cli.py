"""``ise sandbox check --runtime openclaw`` as a user runs it: what was found, each problem, the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.runtimes.installed import needs_openclaw
from tests.sandbox.test_sandbox_cli import ise
from typer.testing import CliRunner

from isetrace.cli import app
from isetrace.runtimes import OPENCLAW_VERSION

DATA = Path(__file__).resolve().parents[1] / "data" / "openclaw"


@needs_openclaw
def test_check_says_the_runtime_starts_and_runs_the_suite(sandbox_home: Path) -> None:
    result = ise(sandbox_home, "check", "--backend", "local", "--runtime", "openclaw", timeout_s=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"✓ openclaw runtime: OpenClaw {OPENCLAW_VERSION} starts" in result.stdout
    assert f"({OPENCLAW_VERSION}; pinned {OPENCLAW_VERSION})" in result.stdout
    assert "local: 12 passed, 0 failed" in result.stdout


def test_check_lists_each_problem_and_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ISETRACE_OPENCLAW_DIR", str(tmp_path))  # a directory OpenClaw was never installed in
    monkeypatch.setenv("ISE_SANDBOX__HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["sandbox", "check", "--backend", "local", "--runtime", "openclaw"])
    assert result.exit_code == 1, result.output
    assert "(not installed; pinned" in result.output
    assert f"✗ OpenClaw is not installed in {tmp_path}" in result.output
    assert "make install-openclaw" in result.output
    assert "the openclaw runtime cannot run on this machine" in result.output
    assert "passed" not in result.output  # the suite does not run for a runtime that cannot


def test_check_refuses_an_unknown_runtime() -> None:
    result = CliRunner().invoke(app, ["sandbox", "check", "--runtime", "claude"])
    assert result.exit_code == 2 and "isetrace, openclaw" in result.output


def test_the_recorded_openclaw_outputs_have_the_shapes_they_were_recorded_with() -> None:
    """One agent turn of OpenClaw in a bwrap sandbox (an exec call, then a reply), as ``agent --json`` and
    ``sessions export-trajectory`` gave it; these are the shapes transcripts are read from."""
    turn = json.loads((DATA / "agent-turn.json").read_text(encoding="utf-8"))
    assert turn["payloads"][0]["text"] and turn["meta"]["toolSummary"] == {"calls": 1, "tools": ["exec"],
                                                                            "failures": 0}
    bundle = DATA / "trajectory"
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    assert {c["path"]: c["bytes"] for c in manifest["contents"]} == {
        c["path"]: (bundle / c["path"]).stat().st_size for c in manifest["contents"]}
    events = [json.loads(line) for line in (bundle / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(events) == manifest["eventCount"]
    kinds = [e["type"] for e in events if e["source"] == "transcript"]
    assert kinds.count("assistant.message") == 2 and "tool.result" in kinds and "user.message" in kinds
    branch = json.loads((bundle / "session-branch.json").read_text(encoding="utf-8"))
    roles = [e["message"]["role"] for e in branch["entries"] if e["type"] == "message"]
    assert roles == ["user", "assistant", "toolResult", "assistant"]
