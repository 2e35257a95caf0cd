"""``ise run``'s episode stage when one episode's tool raises what it should not (a bug, a race).

That episode is recorded — as a sandbox failure, with the reason and the tool calls that ran — not as
a failed session that lost them; the other episodes of the run are recorded as usual. Real run
directory, scripted endpoint and sandbox; only the faulty tool is registered for the test
(tests/simulate/faulty_tools.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.sandbox.backends import BEST_BACKEND
from tests.simulate.faulty_tools import FAULTY_PATH, TYPE_ERROR

from isetrace.config import load_config
from isetrace.jsonl import load_jsonl
from isetrace.llm.endpoints import open_endpoints
from isetrace.pipeline.run import run_episodes
from isetrace.pipeline.rundir import RunDir
from isetrace.records import Intent, Termination
from isetrace.registry import PLUGINS
from isetrace.simulate.batch import group_intents

TOY_INTENTS = Path(__file__).parents[1] / "data" / "toy_intents.jsonl"


async def test_an_episode_whose_tool_raises_is_recorded_with_its_calls_and_the_run_goes_on(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sandbox_home: Path) -> None:
    monkeypatch.setitem(PLUGINS["dialect"], "openclaw", "tests.simulate.faulty_tools:RAISES_TYPE_ERROR")
    config = load_config("offline", [f"sandbox.backend={BEST_BACKEND}", f"sandbox.home={sandbox_home}",
                                     "simulate.date=2026-01-15", "run.concurrency=3"], environ={})
    intents, errors = load_jsonl(TOY_INTENTS, Intent)
    assert not errors
    with RunDir.create(tmp_path / "run", config) as run:
        async with open_endpoints(config, ["agent", "user"], environ={}) as endpoints:
            outcome = await run_episodes(config, run, group_intents(intents, config), endpoints, stop=asyncio.Event())
        episodes = {e.episode_id: e for e in run.episodes()}
        failures = run.failures()
    assert failures == []  # no session lost its episode
    assert outcome.recorded == len(intents) and outcome.failed_groups == 0
    assert sorted(episodes) == sorted(i.id for i in intents)
    failed = episodes.pop("toy-2")
    assert failed.termination is Termination.SANDBOX_FAILURE
    assert f"tool write failed: TypeError: {TYPE_ERROR}" in failed.termination_detail
    calls = [c for m in failed.messages if m.role == "assistant" for c in m.tool_calls]
    results = [m.result for m in failed.messages if m.role == "tool"]
    assert (calls[-1].arguments or {}).get("path") == FAULTY_PATH
    assert len(results) == len(calls) - 1 >= 3 and all(r is not None and r.ok for r in results)
    assert all(e.termination is Termination.SUCCESS for e in episodes.values()), \
        {e.episode_id: e.termination_detail for e in episodes.values()}
