"""``ise import openclaw`` end to end, in a subprocess like a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.importers.openclaw_logs import assistant, header, user, write_log
from tests.upstream import upstream_file

from isetrace.jsonl import load_jsonl
from isetrace.records import Episode


def ise(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "isetrace", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def test_import_then_export_the_recipes_example(tmp_path: Path) -> None:
    episodes = tmp_path / "episodes.jsonl"
    result = ise("import", "openclaw", str(upstream_file("safety_compliance_audit_session.jsonl")),
                 "--out", str(episodes))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"import openclaw: 1 episode from 1 file → {episodes} "
                                     "(skipped 0 lines; kept aside 0)")
    loaded, errors = load_jsonl(episodes, Episode)
    assert errors == [] and len(loaded) == 1 and loaded[0].tool_call_count == 88
    data = tmp_path / "data.jsonl"
    exported = ise("export", str(episodes), "--format", "ise-openai", "--out", str(data))
    assert exported.returncode == 0, exported.stderr
    [row] = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    assert row["session_id"] == "2562cd0e-d465-4ab3-9fe0-afc9dc548b73" and row["total_steps"] == 88


def test_a_directory_with_bad_lines_and_unknown_entries_is_reported_and_imported(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    good = write_log(logs / "a.jsonl", header("s1"), user("Go."), "{oops", {"type": "compaction"}, assistant("Ok."))
    write_log(logs / "b.jsonl", header("s2"))
    intents = tmp_path / "intents.jsonl"
    intents.write_text(json.dumps({"id": "i1", "natural_language_intent": "Go."}) + "\n{bad\n", encoding="utf-8")
    out = tmp_path / "episodes.jsonl"
    result = ise("import", "openclaw", str(logs), "--out", str(out), "--intents", str(intents))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"import openclaw: 1 episode from 2 files, 1 without a conversation → {out} "
                                     "(skipped 1 line; kept aside 1 (entry type 'compaction' 1))")
    assert f"skipped {good}:3: not valid JSON" in result.stderr
    assert f"skipped {intents}:2: not valid JSON" in result.stderr
    assert f"kept aside 1 × entry type 'compaction' (first at {good}:4)" in result.stderr
    assert f"no conversation in {logs / 'b.jsonl'}" in result.stderr
    [episode], _ = load_jsonl(out, Episode)
    assert [i.id for i in episode.intents] == ["i1"]


def test_missing_inputs_and_empty_imports_exit_1_and_leave_the_output_alone(tmp_path: Path) -> None:
    out = tmp_path / "episodes.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    missing = ise("import", "openclaw", str(tmp_path / "nope.jsonl"), "--out", str(out))
    assert missing.returncode == 1 and "no such log file or directory" in missing.stderr
    empty = write_log(tmp_path / "empty.jsonl", header())
    nothing = ise("import", "openclaw", str(empty), "--out", str(out))
    assert nothing.returncode == 1 and "no conversation in the given logs" in nothing.stderr
    assert "Traceback" not in nothing.stderr and out.read_text(encoding="utf-8") == "previous\n"
    assert list(tmp_path.glob(".episodes.jsonl.tmp-*")) == []
    bad_option = ise("import", "openclaw", str(empty), "--out", str(out), "--intents-per-session", "0")
    assert bad_option.returncode == 2
