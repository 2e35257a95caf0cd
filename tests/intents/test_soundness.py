"""Checks that already pass on the untouched template are dropped before any episode trusts them."""

from __future__ import annotations

from pathlib import Path

from tests.sandbox.backends import BEST_BACKEND

from isetrace.config import load_config
from isetrace.intents.soundness import drop_vacuous_checks
from isetrace.records import Intent
from isetrace.sandbox import SandboxHome


def intent(identity: str, *checks: dict[str, object]) -> Intent:
    return Intent(id=identity, natural_language_intent="Make the report.", checks=list(checks))


async def test_vacuous_checks_are_dropped_and_an_intent_left_without_any_is_judge_only(
        tmp_path: Path, sandbox_home: Path) -> None:
    source = tmp_path / "template"
    source.mkdir()
    (source / "data.csv").write_text("depot,late\nPorto,9\n")
    SandboxHome(sandbox_home).create_template("with-data", source, replace=True)
    config = load_config("offline", [f"sandbox.home={sandbox_home}", f"sandbox.backend={BEST_BACKEND}",
                                     "sandbox.template=with-data"], environ={})
    report = {"kind": "file_exists", "path": "report.md"}
    given = [
        intent("mixed", {"kind": "file_exists", "path": "data.csv"}, report,
               {"kind": "csv_table", "path": "data.csv", "rows": 1}),
        intent("destroys", {"kind": "command", "command": "rm data.csv; exit 1"}),  # runs in a session of its own
        intent("after", {"kind": "file_contains", "path": "data.csv", "text": "Porto"}),
        intent("none"),
        intent("broken", {"kind": "no_such_kind"}),
    ]
    result = await drop_vacuous_checks(given, config)
    by_id = {i.id: i for i in result.intents}
    assert by_id["mixed"].checks == [report] and not by_id["mixed"].judge_only
    assert by_id["destroys"].checks == given[1].checks  # it fails on the template: a real check
    assert by_id["after"].checks == [] and by_id["after"].judge_only  # data.csv was still there for it
    assert by_id["none"] == given[3] and by_id["broken"] == given[4]  # nothing to test, or left to the episode
    assert result.vacuous == {"file_exists": 1, "csv_table": 1, "file_contains": 1}
    assert result.judge_only == 1 and result.kept == 3
    assert [i.id for i in result.intents] == [i.id for i in given]


async def test_nothing_is_opened_when_no_intent_has_checks(tmp_path: Path) -> None:
    config = load_config("offline", [f"sandbox.home={tmp_path / 'home'}"], environ={})
    result = await drop_vacuous_checks([intent("a")], config)
    assert result.intents == [intent("a")] and not (tmp_path / "home").exists()


def test_checks_from_an_intents_file_are_made_sound_too(tmp_path: Path, sandbox_home: Path) -> None:
    import json

    import isetrace
    from isetrace.jsonl import load_jsonl

    given = tmp_path / "intents.jsonl"
    given.write_text(json.dumps({"id": "f1", "natural_language_intent": "Write out.md.", "checks": [
        {"kind": "command", "command": "true"}, {"kind": "file_exists", "path": "out.md"}]}) + "\n")
    config = load_config("offline", [f"sandbox.home={sandbox_home}", f"sandbox.backend={BEST_BACKEND}",
                                     f"intents.file={given}"], environ={})
    isetrace.run_pipeline(config, tmp_path / "run")
    [kept], errors = load_jsonl(tmp_path / "run" / "intents" / "intents.jsonl", Intent)
    assert errors == [] and kept.checks == [{"kind": "file_exists", "path": "out.md"}]
    counts = json.loads((tmp_path / "run" / "intents" / "checks.json").read_text())
    assert counts == {"checks_kept": 1, "vacuous_dropped": {"command": 1}, "judge_only_intents": 0}
