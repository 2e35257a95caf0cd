"""``ise intents make | dedup | stats`` end to end, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def ise(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "isetrace", "intents", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"})


def test_make_runs_every_stage_and_reports(tmp_path: Path) -> None:
    result = ise("make", "--config", "offline", "--out-dir", str(tmp_path), "--count", "30", "--seed", "4",
                 "-c", "intents.embedder=tfidf")
    assert result.returncode == 0, result.stderr
    for name in ("sampled.jsonl", "rendered.jsonl", "intents.jsonl", "stats.json"):
        assert (tmp_path / name).exists(), name
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["vendi"]["embedder"].startswith("tfidf") and stats["vendi"]["q1"] > 1
    assert "exact:" in result.stdout and "near-duplicate:" in result.stdout and "semantic:" in result.stdout
    assert "Vendi q=1 (tfidf" in result.stdout


def test_dedup_drops_duplicates_and_says_of_what(tmp_path: Path, data_dir: Path) -> None:
    lines = (data_dir / "ise_intents_original.jsonl").read_text().splitlines()
    copy = json.loads(lines[0])
    copy["id"] = "copy-of-17"
    copy["natural_language_intent"] = copy["natural_language_intent"].upper() + "  "
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join([*lines, json.dumps(copy)]) + "\n")
    out = tmp_path / "out.jsonl"
    result = ise("dedup", "--in", str(source), "--out", str(out), "-c", "intents.embedder=tfidf")
    assert result.returncode == 0, result.stderr
    assert "kept 2 of 3" in result.stdout
    dropped = [json.loads(line) for line in (tmp_path / "out.dropped.jsonl").read_text().splitlines()]
    assert dropped[0]["id"] == "copy-of-17" and "17" in dropped[0]["reason"]


def test_stats_reads_the_original_recipe_layout(tmp_path: Path, data_dir: Path) -> None:
    report = tmp_path / "stats.json"
    result = ise("stats", "--in", str(data_dir / "ise_intents_original.jsonl"), "--json", str(report),
                 "--embedder", "tfidf")
    assert result.returncode == 0, result.stderr
    assert json.loads(report.read_text())["items"] == 2
