"""``ise run`` end to end: a whole offline run, SIGKILL at random moments and resume, SIGINT, budgets, Ray."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.sandbox.backends import BEST_BACKEND

from isetrace.jsonl import load_jsonl
from isetrace.records import Episode, Intent


def ise_run(run_dir: Path, home: Path, *extra: str, resume: bool = False) -> subprocess.Popen[str]:
    base = ["--resume", str(run_dir)] if resume else ["--config", "offline", "-c", f"run.dir={run_dir}"]
    settings = [] if resume else ["-c", f"sandbox.home={home}", "-c", f"sandbox.backend={BEST_BACKEND}",
                                  "-c", "intents.embedder=tfidf", "-c", "simulate.date=2026-01-15"]
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
    for name in ("ise-openai.jsonl", "openai-strict.jsonl", "sharegpt.jsonl", "hf.parquet"):
        assert (tmp_path / "run" / "exports" / name).exists(), name
    assert json.loads((tmp_path / "run" / "stats" / "corpus.json").read_text())


def test_a_run_where_no_intent_survives_rendering_exits_0_with_its_summary(tmp_path: Path,
                                                                          sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    code, out, err = finish(ise_run(run_dir, sandbox_home, "-c", "intents.count=2",
                                    "-c", "endpoints.renderer.faults.malformed_json=1.0"))
    assert code == 0, err
    assert "intents: 2 sampled, 0 kept, 2 not kept (render 2;" in out
    assert "episodes: 0; episode failures: 0" in out
    assert f"no intents survived rendering: see {run_dir / 'intents' / 'failures.jsonl'}" in out
    assert "export: skipped, no episodes to export" in err and "stats: skipped, no episodes to count" in err
    assert "Traceback" not in err and "no episodes file" not in err


def test_every_export_line_says_how_many_episodes_it_left_out_and_why(tmp_path: Path, sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    settings = ["-c", "run.exports=[ise-openai, sharegpt, {format: openai-strict, include: all}]",
                "-c", "endpoints.agent.faults.server_error=1.0", "-c", "endpoints.agent.max_retries=0"]
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
    slow = ["-c", "intents.count=10", "-c", "endpoints.agent.latency_ms=40", "-c", "endpoints.user.latency_ms=40",
            "-c", "run.concurrency=3"]
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
    process = ise_run(run_dir, sandbox_home, "-c", "intents.count=6", "-c", "endpoints.agent.latency_ms=100",
                      "-c", "run.concurrency=2")
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
        faults += ["-c", f"endpoints.{role}.faults.rate_limit=0.2", "-c", f"endpoints.{role}.faults.retry_after_s=0",
                   "-c", f"endpoints.{role}.faults.server_error=0.2", "-c", f"endpoints.{role}.backoff_s=0.01"]
    faults += ["-c", "endpoints.agent.faults.bad_tool_args=0.2", "-c", "endpoints.user.faults.malformed_json=0.2"]
    run_dir = tmp_path / "run"
    code, _, err = finish(ise_run(run_dir, sandbox_home, "-c", "intents.count=8", *faults))
    assert code == 0, err
    sampled, _ = load_jsonl(run_dir / "intents" / "sampled.jsonl", Intent)
    lost = {json.loads(line)["id"] for name in ("failures.jsonl", "dropped.jsonl")
            for line in (run_dir / "intents" / name).read_text().splitlines()}
    check_run(run_dir)
    episodes, _ = load_jsonl(run_dir / "episodes.jsonl", Episode)
    assert {e.episode_id for e in episodes} | lost == {i.id for i in sampled}


@pytest.mark.ray
@pytest.mark.slow
def test_the_ray_executor_gives_the_same_results_format(tmp_path: Path, sandbox_home: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed")
    run_dir = tmp_path / "run"
    code, _, err = finish(ise_run(run_dir, sandbox_home, "-c", "intents.count=3", "--executor", "ray"), timeout=600)
    assert code == 0, err
    check_run(run_dir)
