"""``ise simulate``: intents in, Episode JSONL out; bad lines named and skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.sandbox.backends import BEST_BACKEND as BACKEND

from isetrace.jsonl import load_jsonl
from isetrace.records import Episode, Termination


def test_simulate_writes_episodes_and_names_bad_lines(data_dir: Path, tmp_path: Path, sandbox_home: Path) -> None:
    intents = tmp_path / "intents.jsonl"
    lines = (data_dir / "toy_intents.jsonl").read_text().splitlines()
    unrendered = json.dumps({"id": "blank", "natural_language_intent": ""})
    intents.write_text("\n".join([lines[0], "{oops", unrendered, lines[2]]) + "\n")
    out = tmp_path / "episodes.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "isetrace", "simulate", "--config", "offline", "--intents", str(intents), "--out",
         str(out), "-c", f"sandbox.backend={BACKEND}", "-c", f"sandbox.home={sandbox_home}"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    assert f"{intents}:2: not valid JSON" in result.stderr and "intent blank has no text" in result.stderr
    episodes, errors = load_jsonl(out, Episode)
    assert errors == [] and sorted(e.episode_id for e in episodes) == ["toy-1", "toy-3"]
    assert all(e.termination is Termination.SUCCESS for e in episodes)
    assert "success: 2" in result.stdout
