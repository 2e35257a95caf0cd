"""``ise verify``: a stored run labelled again on a replay of its episodes' tool calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.extras import offline_exports
from tests.sandbox.backends import BEST_BACKEND
from typer.testing import CliRunner

import isetrace
from isetrace.cli import app
from isetrace.config import load_config
from isetrace.errors import ConfigError
from isetrace.jsonl import load_jsonl, write_jsonl
from isetrace.pipeline.reverify import reverify_run
from isetrace.records import Episode


def labels(path: Path) -> list[tuple[str, bool, list[tuple[str, bool]]]]:
    episodes, errors = load_jsonl(path, Episode)
    assert errors == []
    return sorted((e.episode_id, e.verified, [(v.method, v.passed) for v in e.verifications]) for e in episodes)


def test_a_run_stripped_of_its_labels_gets_them_back_from_a_replay(tmp_path: Path, sandbox_home: Path) -> None:
    run_dir = tmp_path / "run"
    config = load_config("offline", [f"sandbox.backend={BEST_BACKEND}", f"sandbox.home={sandbox_home}",
                                     "intents.embedder=tfidf", "intents.count=3", "simulate.date=2026-01-15",
                                     offline_exports()], environ={})
    isetrace.run_pipeline(config, run_dir)
    original = labels(run_dir / "episodes.jsonl")
    assert any(verified for _, verified, _ in original) and all(verdicts for _, _, verdicts in original)

    episodes, _ = load_jsonl(run_dir / "episodes.jsonl", Episode)
    unlabelled = [e.model_copy(update={"verifications": [], "verified": False, "verified_by": ""}) for e in episodes]
    write_jsonl(run_dir / "episodes.jsonl", unlabelled)  # as a run made before verification was

    elsewhere = tmp_path / "relabelled.jsonl"
    result = CliRunner().invoke(app, ["verify", str(run_dir), "--out", str(elsewhere)])
    assert result.exit_code == 0, result.output
    assert labels(elsewhere) == original
    assert labels(run_dir / "episodes.jsonl") != original  # --out leaves the run's own file as it was
    verified = sum(verified for _, verified, _ in original)
    assert f"verified: {verified} of {len(original)} ({len(original)} checked)" in result.output

    done = reverify_run(run_dir)
    assert done.path == run_dir / "episodes.jsonl" and labels(done.path) == original


def test_only_a_run_directory_can_be_verified_again(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a run directory with episodes"):
        reverify_run(tmp_path)
