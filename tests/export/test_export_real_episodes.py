"""Real episodes from the offline pipeline (scripted endpoint over HTTP, a real sandbox) through every format."""

from __future__ import annotations

import json
from pathlib import Path

from tests.extras import formats_here, needs_extra
from tests.sandbox.backends import BEST_BACKEND

from isetrace.config import load_config
from isetrace.export import export_episodes, get_format, sharegpt_problems, strict_problems
from isetrace.jsonl import load_jsonl
from isetrace.llm.endpoints import open_endpoints
from isetrace.records import Episode, Intent, Termination
from isetrace.simulate.batch import simulate_all


async def simulate(data_dir: Path, sandbox_home: Path, *overrides: str) -> list[Episode]:
    intents, errors = load_jsonl(data_dir / "toy_intents.jsonl", Intent)
    assert not errors
    config = load_config("offline", [f"sandbox.backend={BEST_BACKEND}", f"sandbox.home={sandbox_home}",
                                     "simulate.date=2026-01-15", "endpoints.agent.backoff_s=0.01",
                                     "endpoints.user.backoff_s=0.01", *overrides], environ={})
    async with open_endpoints(config, ["agent", "user"], environ={}) as endpoints:
        return await simulate_all(intents, config, endpoints, lambda _: None)


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_real_episodes_export_to_every_format(data_dir: Path, sandbox_home: Path, tmp_path: Path) -> None:
    episodes = await simulate(data_dir, sandbox_home)
    assert episodes and all(e.termination is Termination.SUCCESS for e in episodes)
    environ = {"AGENT_API_KEY": "not-in-any-episode-0123456789", "HOME": "/root"}
    paths = {fmt: tmp_path / f"{fmt}{get_format(fmt).suffix}" for fmt in formats_here()}
    for fmt, path in paths.items():
        summary = export_episodes(episodes, fmt, path, environ=environ)
        assert summary.written == len(episodes) and summary.skipped_by_reason == {}, fmt

    ise = lines(paths["ise-openai"])
    for row, episode in zip(ise, episodes, strict=True):
        assert row["session_id"] == episode.episode_id and row["total_steps"] == episode.tool_call_count > 0
        assert row["tools"] == episode.tools and row["messages"][0] == {  # type: ignore[index]
            "role": "system", "content": episode.messages[0].content}
        assert row["metadata"]["provenance"] == "scripted"  # type: ignore[index]
    assert all(strict_problems(row) == [] for row in lines(paths["openai-strict"]))
    assert all(sharegpt_problems(row) == [] for row in lines(paths["sharegpt"]))

    datasets = needs_extra("hf", "datasets")
    rows = datasets.load_dataset("parquet", data_files=str(paths["hf"]), split="train", cache_dir=str(tmp_path / "c"))
    assert rows["session_id"] == [e.episode_id for e in episodes]
    assert [json.loads(t) for t in rows["tools"]] == [e.tools for e in episodes]


async def test_faulty_real_episodes_keep_bad_arguments_and_count_what_sharegpt_cannot_hold(
        data_dir: Path, sandbox_home: Path, tmp_path: Path) -> None:
    episodes = await simulate(data_dir, sandbox_home, "endpoints.agent.provider_options.faults.bad_tool_args=0.4",
                              "simulate.max_turn_steps=2")
    unparsed = [c for e in episodes for m in e.messages for c in m.tool_calls if c.arguments is None]
    assert unparsed, "the fault should have produced arguments that do not parse"

    export_episodes(episodes, "ise-openai", tmp_path / "ise.jsonl", environ={})
    raw = {c["function"]["arguments"] for row in lines(tmp_path / "ise.jsonl")
           for m in row["messages"] for c in m.get("tool_calls", [])  # type: ignore[attr-defined]
           if isinstance(c["function"]["arguments"], str)}
    assert {c.arguments_raw for c in unparsed} <= raw

    every = set(Termination)  # what is under test is how faulty calls convert, not which episodes train
    strict = export_episodes(episodes, "openai-strict", tmp_path / "strict.jsonl", include=every, environ={})
    assert strict.written == len(episodes) and all(strict_problems(r) == [] for r in lines(tmp_path / "strict.jsonl"))

    sharegpt = export_episodes(episodes, "sharegpt", tmp_path / "sg.jsonl", include=every, environ={})
    assert sharegpt.written + sharegpt.skipped == len(episodes)
    assert all(reason.startswith("unrepresentable: ") for reason in sharegpt.skipped_by_reason)
    assert all(sharegpt_problems(row) == [] for row in lines(tmp_path / "sg.jsonl"))
