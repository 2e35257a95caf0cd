"""The ``ise`` command end to end, in a subprocess like a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from isetrace.cli import app

ISE = [sys.executable, "-m", "isetrace"]


def ise(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ISE, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command registered under ``command`` (itself first), with the words that name it; a group is
    what has sub-commands (typer carries its own click, so no isinstance against click's classes)."""
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _commands(sub, (*path, name))
    return found


def test_every_command_has_help() -> None:
    commands = _commands(typer.main.get_command(app))
    leaves = [path for path, command in commands if not hasattr(command, "commands")]
    assert len(leaves) >= 16, leaves  # the walk found the commands, not an empty tree
    runner = CliRunner()
    for path, command in commands:
        assert (command.help or "").strip(), f"ise {' '.join(path)} has no description"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, (path, result.output)


def test_config_show_masks_secrets_and_reports_key_variables(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("endpoints:\n  agent: {base_url: 'http://u:pw@h/v1', model: m, api_key_env: MY_KEY,"
                    " extra_headers: {X-Api-Key: sekrit}}\n")
    result = ise("config", "show", "--config", str(path), "-c", "intents.count=5", env={"MY_KEY": "sk-abc"})
    assert result.returncode == 0, result.stderr
    assert "sekrit" not in result.stdout and "pw@" not in result.stdout and "sk-abc" not in result.stdout
    assert "count: 5" in result.stdout and "key variable MY_KEY is set" in result.stdout


def test_config_errors_are_one_clear_line_and_exit_2() -> None:
    result = ise("config", "show", "--config", "offline", "-c", "endpoints.agent.temprature=1")
    assert result.returncode == 2
    assert "endpoints.agent.temprature: unknown key (did you mean endpoints.agent.temperature?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_render_without_endpoints_names_the_offline_config(tmp_path: Path) -> None:
    result = ise("intents", "render", "--out", str(tmp_path / "x.jsonl"), env={"ISE_CONFIG": ""})
    assert result.returncode == 2 and "configs/offline.yaml" in result.stderr


def test_sample_then_render_offline(tmp_path: Path) -> None:
    sampled = tmp_path / "sampled.jsonl"
    assert ise("intents", "sample", "--count", "4", "--seed", "2", "--out", str(sampled)).returncode == 0
    rows = [json.loads(line) for line in sampled.read_text().splitlines()]
    assert len(rows) == 4 and all(r["natural_language_intent"] == "" for r in rows)
    assert {"id", "domains", "tasks", "persona_id", "tools_used", "skills_used", "complexity"} <= set(rows[0])
    assert set(rows[0]["metadata"]["domains"][0]) == {"name", "description", "selected_tasks"}
    with sampled.open("a") as handle:
        handle.write("{broken\n")
    rendered = tmp_path / "rendered.jsonl"
    result = ise("intents", "render", "--config", "offline", "--in", str(sampled), "--out", str(rendered))
    assert result.returncode == 0, result.stderr
    assert f"{sampled}:5: not valid JSON" in result.stderr
    assert "rendered and valid 4, not kept 0" in result.stdout
    assert all(json.loads(line)["natural_language_intent"] for line in rendered.read_text().splitlines())


def test_scripted_llm_serve_answers_the_real_client() -> None:
    import asyncio

    from isetrace.config import EndpointConfig
    from isetrace.llm.client import ChatClient
    from isetrace.llm.usage import RoleUsage

    server = subprocess.Popen([*ISE, "scripted-llm", "serve", "--port", "0"], stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "COLUMNS": "200"})
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        assert "listening on http://127.0.0.1:" in line and "scripted" in line
        url = line.rsplit(" ", 1)[-1].strip()
        async def ask() -> bool:
            client = ChatClient("agent", EndpointConfig(provider="scripted", model="scripted"), url, usage=RoleUsage(),
                                environ={})
            try:
                reply = await client.chat([{"role": "user", "content": "list the files here"}])
            finally:
                await client.aclose()
            return bool(reply.content or reply.tool_calls)

        assert asyncio.run(ask())
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_stats_prices_the_run_with_its_config_and_a_bad_price_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from tests.stats.test_cost import run_dir

    root = run_dir(tmp_path, "endpoints.agent.prices={prompt: 0.15, completion: 0.6, cached_prompt: 0.075}")
    env = {"ISE_CONFIG": ""}
    priced = ise("stats", str(root), "--embedder", "none", "-c", "endpoints.user.prices={prompt: 1, completion: 2}",
                 env=env)
    assert priced.returncode == 0, priced.stderr
    assert "$0.00180 (agent $0.000781, user $0.00102)" in priced.stdout
    refused = ise("stats", str(root), "--embedder", "none", "-c", "endpoints.agent.prices.completion=-1", env=env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "endpoints.agent.prices.completion: Input should be greater than or equal to 0" in refused.stderr
