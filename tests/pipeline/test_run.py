"""``ise run`` end to end: a whole offline run, SIGKILL at random moments and resume, SIGINT, budgets, Ray."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.extras import has_extra, needs_extra, offline_exports
from tests.sandbox.backends import BEST_BACKEND

from isetrace.jsonl import load_jsonl
from isetrace.records import Episode, Intent


def ise_run(run_dir: Path, home: Path, *extra: str, resume: bool = False) -> subprocess.Popen[str]:
    base = ["--resume", str(run_dir)] if resume else ["--config", "offline", "-c", f"run.dir={run_dir}"]
    settings = [] if resume else ["-c", f"sandbox.home={home}", "-c", f"sandbox.backend={BEST_BACKEND}",
                                  "-c", "intents.embedder=tfidf", "-c", "simulate.date=2026-01-15",
                                  "-c", offline_exports()]
    return subprocess.Popen([sys.executable, "-m", "isetrace", "run", *base, *settings, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "200"}, start_new_session=True)


def finish(process: subprocess.Popen[str], timeout: float = 240) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def check_run(run_dir: Path) -> list[Episode]:
    episodes, errors = load_jsonl(run_dir / "episodes.jsonl", Episode)
    assert errors == [], errors  # every line valid
    keys = [e.episode_id for e in episodes]
    assert len(keys) == len(set(keys)), "an episode was recorded twice"
    intents, _ = load_jsonl(run_dir / "intents" / "intents.jsonl", Intent)
    assert sorted(keys) == sorted(i.id for i in intents), "not exactly one episode per intent"
    return episodes


def test_a_whole_offline_run_writes_dataset_and_report(tmp_path: Path, sandbox_home: Path) -> None:
    code, out, err = finish(ise_run(tmp_path / "run", sandbox_home, "-c", "intents.count=4"))
    assert code == 0, err
    episodes = check_run(tmp_path / "run")
    assert episodes and "Trajectories" in out and "dataset:" in out
    parquet = ["hf.parquet"] if has_extra("hf") else []  # the offline config's hf export needs the hf extra
    for name in ("ise-openai.jsonl", "openai-strict.jsonl", "sharegpt.jsonl", *parquet):
        assert (tmp_path / "run" / "exports" / name).exists(), name
    assert json.loads((tmp_path / "run" / "stats" / "corpus.json").read_text())


def test_a_run_where_no_intent_survives_rendering_exits_0_with_its_summary(tmp_path: Path,
                                                                          sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    code, out, err = finish(ise_run(run_dir, sandbox_home, "-c", "intents.count=2",
                                    "-c", "endpoints.renderer.provider_options.faults.malformed_json=1.0"))
    assert code == 0, err
    assert "intents: 2 sampled, 0 kept, 2 not kept (render 2;" in out
    assert "episodes: 0; episode failures: 0" in out
    assert f"no intents survived rendering: see {run_dir / 'intents' / 'failures.jsonl'}" in out
    assert "export: skipped, no episodes to export" in err and "stats: skipped, no episodes to count" in err
    assert "Traceback" not in err and "no episodes file" not in err


def test_every_export_line_says_how_many_episodes_it_left_out_and_why(tmp_path: Path, sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    settings = ["-c", "run.exports=[ise-openai, sharegpt, {format: openai-strict, include: all}]",
                "-c", "endpoints.agent.provider_options.faults.server_error=1.0", "-c", "endpoints.agent.max_retries=0"]
    code, out, err = finish(ise_run(run_dir, sandbox_home, "-c", "intents.count=2", *settings))
    assert code == 0, err
    exported = run_dir / "exports"
    assert f"export ise-openai: 2 rows → {exported / 'ise-openai.jsonl'} (left out 0)" in err
    assert f"export sharegpt: 0 rows → {exported / 'sharegpt.jsonl'} (left out 2: agent_endpoint_failure 2)" in err
    assert f"export openai-strict: 2 rows → {exported / 'openai-strict.jsonl'} (left out 0)" in err
    assert "note: sharegpt is a training format and keeps only success episodes by default" in err
    assert (exported / "sharegpt.jsonl").read_text() == ""
    assert "episodes: 2 (agent_endpoint_failure 2); episode failures: 0" in out


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_loses_and_duplicates_nothing(tmp_path: Path,
                                                                            sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    rng = random.Random(11)
    slow = ["-c", "intents.count=10", "-c", "endpoints.agent.provider_options.latency_ms=40",
            "-c", "endpoints.user.provider_options.latency_ms=40", "-c", "run.concurrency=3"]
    process = ise_run(run_dir, sandbox_home, *slow)
    for _ in range(4):
        time.sleep(rng.uniform(1.0, 4.0))
        if process.poll() is not None:
            break
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if (run_dir / "episodes.jsonl").exists():
            check_partial = load_jsonl(run_dir / "episodes.jsonl", Episode)  # torn tail allowed only here
            assert len(check_partial[1]) <= 1
        process = ise_run(run_dir, sandbox_home, resume=True)
    code, _, err = finish(process)
    assert code == 0, err
    check_run(run_dir)


def test_sigint_stops_cleanly_and_says_how_to_resume(tmp_path: Path, sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    process = ise_run(run_dir, sandbox_home, "-c", "intents.count=6",
                      "-c", "endpoints.agent.provider_options.latency_ms=100", "-c", "run.concurrency=2")
    deadline = time.monotonic() + 60
    while not (run_dir / "episodes.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    code, _, err = finish(process)
    assert code == 130 and f"ise run --resume {run_dir}" in err
    left = [d for d in (sandbox_home / "sessions").iterdir() if (d / ".owner").read_text() == str(process.pid)]
    assert not left  # every sandbox it opened, spares included, was closed and removed
    code, _, err = finish(ise_run(run_dir, sandbox_home, resume=True))
    assert code == 0, err
    check_run(run_dir)


def test_a_global_budget_stops_the_run_cleanly(tmp_path: Path, sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    code, _, err = finish(ise_run(run_dir, sandbox_home, "-c", "intents.count=8", "-c", "run.max_llm_calls=20",
                                  "-c", "run.concurrency=1"))
    assert code == 0 and "budget of 20 model calls" in err
    episodes, errors = load_jsonl(run_dir / "episodes.jsonl", Episode)
    assert errors == [] and 0 < len(episodes) < 8


def test_faults_at_twenty_percent_every_intent_is_accounted_for(tmp_path: Path, sandbox_home: Path) -> None:
    faults = []
    for role in ("agent", "user", "renderer"):
        faults += ["-c", f"endpoints.{role}.provider_options.faults.rate_limit=0.2",
                   "-c", f"endpoints.{role}.provider_options.faults.retry_after_s=0",
                   "-c", f"endpoints.{role}.provider_options.faults.server_error=0.2",
                   "-c", f"endpoints.{role}.backoff_s=0.01"]
    faults += ["-c", "endpoints.agent.provider_options.faults.bad_tool_args=0.2",
               "-c", "endpoints.user.provider_options.faults.malformed_json=0.2"]
    run_dir = tmp_path / "run"
    code, _, err = finish(ise_run(run_dir, sandbox_home, "-c", "intents.count=8", *faults))
    assert code == 0, err
    sampled, _ = load_jsonl(run_dir / "intents" / "sampled.jsonl", Intent)
    lost = {json.loads(line)["id"] for name in ("failures.jsonl", "dropped.jsonl")
            for line in (run_dir / "intents" / name).read_text().splitlines()}
    check_run(run_dir)
    episodes, _ = load_jsonl(run_dir / "episodes.jsonl", Episode)
    assert {e.episode_id for e in episodes} | lost == {i.id for i in sampled}


CLOCK = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +(\d\d:\d\d(:\d\d)?( \d{4})?|\d{4})\b"
                   r"|\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?")
"""A time as ``ls -l``, ``date`` or ``git log`` print it, or in ISO form: the wall clock, in a real sandbox."""


def same_under_any_executor(episode: Episode) -> dict[str, Any]:
    """An episode less what two runs of one config may differ in: when it ran and how long each step took.

    Two runs differ in the wall clock, so file times that a tool printed are masked; and the tool-call ids
    (the scripted endpoint derives them from a hash of the request, tool outputs included) are numbered in
    order of appearance, so the calls must still pair with their results. ``models.renderer`` is left out
    too: an episode names the renderer's model only when the renderer's endpoint is open in the process
    that runs it, which a Ray worker (and a resumed run) never does.
    """
    row = episode.model_dump(mode="json", exclude={"started_at", "ended_at"})
    call_ids: dict[str, str] = {}

    def number(call_id: str | None) -> str | None:
        return None if call_id is None else call_ids.setdefault(call_id, f"call-{len(call_ids)}")

    for message in [*row["messages"], *(m for thread in row["subagents"].values() for m in thread)]:
        if isinstance(message["content"], str):
            message["content"] = CLOCK.sub("<time>", message["content"])
        for call in message["tool_calls"]:
            call["id"] = number(call["id"])
        message["tool_call_id"] = number(message["tool_call_id"])
        if message["meta"] is not None:
            del message["meta"]["latency_s"]
        if message["result"] is not None:
            del message["result"]["duration_s"]
            message["result"]["call_id"] = number(message["result"]["call_id"])
            for stream in ("stdout", "stderr"):
                message["result"][stream] = CLOCK.sub("<time>", message["result"][stream])
    row["models"].pop("renderer", None)
    for entry in (row["world"] or {}).get("audit", []):  # the worlds' log: when each call came, and from which
        del entry["time_s"]
        if "tool_call" in entry["detail"]:
            entry["detail"]["tool_call"] = number(entry["detail"]["tool_call"])
    return row


@pytest.mark.ray
@pytest.mark.slow
def test_the_ray_executor_gives_the_same_episodes_as_the_local_one(tmp_path: Path, sandbox_home: Path) -> None:
    needs_extra("ray")
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    for executor in ("local", "ray"):
        run_dir = tmp_path / executor
        code, _, err = finish(ise_run(run_dir, sandbox_home, "-c", "intents.count=3", "--executor", executor),
                              timeout=600)
        assert code == 0, err
        runs[executor] = {e.episode_id: same_under_any_executor(e) for e in check_run(run_dir)}
    assert len(runs["local"]) == 3 and runs["ray"].keys() == runs["local"].keys()
    for episode_id, episode in runs["local"].items():
        assert runs["ray"][episode_id] == episode, f"episode {episode_id} differs under Ray"
