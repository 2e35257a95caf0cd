"""``run_pipeline``: ``ise run`` as a function — the same run directory, the same resume rules, nothing printed.

Everything real: the offline config (scripted endpoint over HTTP), the best sandbox this machine has.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.extras import offline_exports
from tests.sandbox.backends import BEST_BACKEND

import isetrace
from isetrace.config import RunConfig, load_config
from isetrace.errors import ConfigError
from isetrace.jsonl import load_jsonl
from isetrace.pipeline.ray_runner import episode_job
from isetrace.records import Episode, Intent, Termination

TOY_INTENTS = Path(__file__).parents[1] / "data" / "toy_intents.jsonl"


def offline(sandbox_home: Path, *overrides: str) -> RunConfig:
    return load_config("offline", [f"sandbox.backend={BEST_BACKEND}", f"sandbox.home={sandbox_home}",
                                   "intents.embedder=tfidf", "simulate.date=2026-01-15", "intents.count=2",
                                   offline_exports(), *overrides], environ={})


class Jobs:
    """A progress that writes down what it was told."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def start(self, label: str, total: int) -> None:
        self.seen.append(("start", (label, total)))

    def advance(self, ok: bool = True) -> None:
        self.seen.append(("advance", ok))

    def note(self, *, in_flight: int | None = None, tokens: int | None = None) -> None:
        pass

    def close(self) -> None:
        self.seen.append(("close", None))


def test_a_whole_run_returns_its_summary_exports_and_statistics(tmp_path: Path, sandbox_home: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    lines: list[str] = []
    jobs = Jobs()
    config = offline(sandbox_home)
    summary = isetrace.run_pipeline(config, run_dir, progress=jobs, notify=lines.append)
    assert capsys.readouterr() == ("", "")  # the library prints nothing
    episodes, errors = load_jsonl(run_dir / "episodes.jsonl", Episode)
    assert not errors and summary.episodes == len(episodes) == 2 and summary.root == run_dir
    assert summary.stopped is None and summary.interrupted == 0
    assert lines == [f"intents: 2 ready ({run_dir / 'intents' / 'intents.jsonl'})", "episodes: 2 to run"]
    starts = [what for kind, what in jobs.seen if kind == "start"]
    assert starts == [("rendering intents", 2), ("episodes", 2)]
    assert [kind for kind, _ in jobs.seen].count("close") == 2
    assert list(summary.exports) == [spec.format for spec in config.run.exports]
    assert all(e.path.exists() for e in summary.exports.values())
    assert summary.stats is not None and summary.stats.path == run_dir / "stats" / "corpus.json"
    assert json.loads(summary.stats.path.read_text())["trajectories"] == summary.stats.stats.trajectories == 2
    usage = [json.loads(line) for line in (run_dir / "usage.jsonl").read_text().splitlines()]
    assert [row["stage"] for row in usage] == ["all"]

    with pytest.raises(ConfigError, match="already holds a run"):
        isetrace.run_pipeline(offline(sandbox_home), run_dir)
    again: list[str] = []
    resumed = isetrace.run_pipeline(offline(sandbox_home), run_dir, resume=True, notify=again.append)
    assert "episodes: 0 to run" in again and resumed.episodes == 2  # nothing ran twice
    with pytest.raises(ConfigError, match="different configuration"):
        isetrace.run_pipeline(offline(sandbox_home, "simulate.max_user_turns=3"), run_dir, resume=True)


def test_stages_run_one_at_a_time_as_ise_run_stage_does(tmp_path: Path, sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    first = isetrace.run_pipeline(offline(sandbox_home), run_dir, stages="intents")
    assert first.episodes == 0 and not first.exports and first.stats is None
    assert (run_dir / "intents" / "intents.jsonl").exists() and not (run_dir / "episodes.jsonl").exists()
    second = isetrace.run_pipeline(offline(sandbox_home), run_dir, resume=True, stages=["episodes", "export"])
    assert second.episodes == 2 and list(second.exports) and second.stats is None
    assert not (run_dir / "stats" / "corpus.json").exists()
    # prices are not part of what a run makes: it resumes under them, and its statistics put a cost on it
    priced = offline(sandbox_home, "endpoints.agent.prices={prompt: 0.15, completion: 0.6, cached_prompt: 0.075}")
    third = isetrace.run_pipeline(priced, run_dir, resume=True, stages="stats")
    assert third.stats is not None and third.stats.path is not None and third.stats.path.exists()
    cost = json.loads(third.stats.path.read_text())["cost"]
    assert cost["total"] > 0 and list(cost["by_role"]) == ["agent"] and cost["unpriced_roles"] == ["user"]
    with pytest.raises(ConfigError, match="unknown stage render"):
        isetrace.run_pipeline(offline(sandbox_home), run_dir, resume=True, stages="render")


def test_a_budget_stops_the_run_before_export_and_says_why(tmp_path: Path, sandbox_home: Path) -> None:
    config = offline(sandbox_home, "intents.count=4", "run.max_llm_calls=5", "run.concurrency=1")
    summary = isetrace.run_pipeline(config, tmp_path / "run")
    assert summary.stopped is not None and "budget of 5 model calls" in summary.stopped
    assert 0 < summary.episodes < 4 and not summary.exports and summary.stats is None


def test_a_run_with_no_episode_skips_export_and_statistics_with_a_line_each(tmp_path: Path,
                                                                             sandbox_home: Path) -> None:
    lines: list[str] = []
    config = offline(sandbox_home, "endpoints.renderer.provider_options.faults.malformed_json=1.0")
    summary = isetrace.run_pipeline(config, tmp_path / "run", notify=lines.append)
    assert summary.episodes == 0 and not summary.exports and summary.stats is None
    assert lines[-2:] == ["export: skipped, no episodes to export", "stats: skipped, no episodes to count"]


def test_the_ray_task_runs_an_episode_with_its_own_endpoints_and_sandbox(sandbox_home: Path) -> None:
    config = offline(sandbox_home)
    intents, _ = load_jsonl(TOY_INTENTS, Intent)
    before = _sessions_of_this_process(sandbox_home)
    result = json.loads(episode_job(config.model_dump_json(), [intents[0].model_dump_json()], "job-1"))
    episode = Episode.model_validate(result["episode"])
    assert episode.episode_id == "job-1" and episode.termination is Termination.SUCCESS, episode.termination_detail
    assert result["usage"]["agent"]["calls"] > 0 and result["usage"]["user"]["calls"] > 0
    assert _sessions_of_this_process(sandbox_home) == before  # the sandbox it opened is closed and removed


def _sessions_of_this_process(home: Path) -> list[Path]:
    sessions = home / "sessions"
    return sorted(d for d in sessions.iterdir() if (d / ".owner").exists()
                  and (d / ".owner").read_text() == str(os.getpid())) if sessions.is_dir() else []


def test_an_export_format_this_machine_cannot_write_stops_the_run_before_it_starts(tmp_path: Path) -> None:
    # pyarrow made unimportable in a fresh interpreter: the hf extra as good as missing
    code = ("import sys; sys.modules['pyarrow'] = None\n"
            "import isetrace\n"
            "config = isetrace.load_config('offline', ['run.exports=[ise-openai, hf]'], environ={})\n"
            "try:\n"
            "    isetrace.run_pipeline(config, sys.argv[1])\n"
            "except isetrace.ConfigError as exc:\n"
            "    print(exc)\n")
    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", code, str(run_dir)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ("the hf export format needs pyarrow, which is not installed: "
                                   "pip install 'isetrace[hf]' (or leave hf out of run.exports)")
    assert not run_dir.exists()  # nothing started: no run directory, no episodes to lose
