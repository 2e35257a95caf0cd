"""``ise run`` against an endpoint that refuses the API key: it stops at once, records nothing partial,
says so once, and resumes once the key is fixed. The refusing server is a real HTTP server
(tests/proxy.py) in front of a scripted endpoint."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from tests.extras import needs_extra, offline_exports
from tests.proxy import error, proxy
from tests.sandbox.backends import BEST_BACKEND

from isetrace.records import Termination
from isetrace_scripted.server import scripted_server

REFUSED = error(401, "Incorrect API key provided: sk-...wrong.", "invalid_api_key")


async def ise_run(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "isetrace", "run", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "COLUMNS": "200", "AGENT_KEY": "sk-wrong"})
    out, err = await asyncio.wait_for(process.communicate(), 480)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def settings(run_dir: Path, home: Path, *extra: str) -> list[str]:
    items = [f"run.dir={run_dir}", f"sandbox.home={home}", f"sandbox.backend={BEST_BACKEND}", "intents.count=3",
             "intents.embedder=tfidf", "simulate.date=2026-01-15", "run.concurrency=2", offline_exports(), *extra]
    return ["--config", "offline", *(arg for item in items for arg in ("-c", item))]


@pytest.mark.parametrize("executor", ["local", pytest.param("ray", marks=pytest.mark.ray)])
async def test_a_refused_key_stops_the_run_at_once_and_it_resumes_when_fixed(tmp_path: Path, sandbox_home: Path,
                                                                             executor: str) -> None:
    if executor == "ray":
        needs_extra("ray")
    run_dir = tmp_path / "run"
    async with scripted_server() as (upstream, _), proxy(upstream, lambda n, body: REFUSED) as (front, seen):
        agent = ["endpoints.agent.provider=openai", f"endpoints.agent.base_url={front}",
                 "endpoints.agent.model=scripted", "endpoints.agent.api_key_env=AGENT_KEY", f"run.executor={executor}"]
        code, out, err = await ise_run(*settings(run_dir, sandbox_home, *agent))
    assert code == 3, err
    assert err.count("HTTP 401") == 1 and "Traceback" not in err and "ray::" not in err
    assert f"ise run --resume {run_dir}" in err
    assert "episodes: 0; episode failures: 0" in out  # nothing partial is recorded: all of it runs again
    assert len(seen.bodies) <= 2  # no new episode started after the first refusal (two lanes in flight)
    episodes = run_dir / "episodes.jsonl"
    assert not episodes.exists() or episodes.read_text() == ""
    if executor == "local":  # a Ray task that raised took its worker's counters with it
        usage = [json.loads(line) for line in (run_dir / "usage.jsonl").read_text().splitlines()]
        assert usage[-1]["roles"]["agent"]["failures"] >= 1

    code, out, err = await ise_run("--resume", str(run_dir), "--force", "-c", "endpoints.agent.provider=scripted")
    assert code == 0, err
    rows = [json.loads(line) for line in episodes.read_text().splitlines()]
    assert len(rows) == 3 and {r["termination"] for r in rows} <= {t.value for t in Termination}
    usage = [json.loads(line) for line in (run_dir / "usage.jsonl").read_text().splitlines()]
    assert usage[-1]["roles"]["user"]["structured_output"] == "json_schema"  # from the workers too, under Ray
    assert usage[-1]["roles"]["agent"]["calls"] > 0
