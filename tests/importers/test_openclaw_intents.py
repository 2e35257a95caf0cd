"""Which intents an imported log served: named by its archive name, else the next ones in order."""

from __future__ import annotations

from pathlib import Path

from tests.importers.openclaw_logs import assistant, header, user, write_log

from isetrace.importers import ImportReport, import_openclaw
from isetrace.importers.openclaw_intents import named_intent_id
from isetrace.records import Intent


def _log(tmp_path: Path, name: str, session: str) -> Path:
    return write_log(tmp_path / name, header(session), user(f"Request of {session}."), assistant("Done."))


def _intents(*ids: str) -> list[Intent]:
    return [Intent(id=i, natural_language_intent=f"Intent {i}.") for i in ids]


def test_the_recipes_archive_name_names_the_intent() -> None:
    assert named_intent_id(Path("intent_intent_5723a36d__gendata-worker-1__2562cd0e.jsonl")) == "intent_5723a36d"
    assert named_intent_id(Path("intent_abc__w__s.jsonl")) == "abc"
    assert named_intent_id(Path("2562cd0e.jsonl")) is None
    assert named_intent_id(Path("intent_abc__w.jsonl")) is None


def test_named_logs_get_their_intent_and_the_others_the_rest_in_order(tmp_path: Path) -> None:
    plain_one = _log(tmp_path, "one.jsonl", "s1")
    named = _log(tmp_path, "intent_b__worker-1__s2.jsonl", "s2")
    plain_two = _log(tmp_path, "two.jsonl", "s3")
    report = ImportReport()
    episodes = list(import_openclaw([plain_one, named, plain_two], report, _intents("a", "b", "c")))
    assert [[i.id for i in e.intents] for e in episodes] == [["a"], ["b"], ["c"]]
    assert report.notes == []


def test_several_intents_per_session_are_taken_in_groups(tmp_path: Path) -> None:
    logs = [_log(tmp_path, f"{n}.jsonl", f"s{n}") for n in range(2)]
    episodes = list(import_openclaw(logs, ImportReport(), _intents("a", "b", "c"), intents_per_session=2))
    assert [[i.id for i in e.intents] for e in episodes] == [["a", "b"], ["c"]]


def test_without_a_matching_intent_one_is_made_from_the_first_request_and_noted(tmp_path: Path) -> None:
    plain = [_log(tmp_path, f"{n}.jsonl", f"s{n}") for n in range(2)]
    named = _log(tmp_path, "intent_zzz__w__s9.jsonl", "s9")
    report = ImportReport()
    episodes = list(import_openclaw([*plain, named], report, _intents("a")))
    assert [(e.intents[0].id, e.intents[0].natural_language_intent) for e in episodes] == [
        ("a", "Intent a."), ("s1", "Request of s1."), ("zzz", "Request of s9.")]
    assert len(report.notes) == 2 and "no intent was left" in report.notes[0] and "'zzz'" in report.notes[1]


def test_without_intents_each_episode_serves_its_first_request_silently(tmp_path: Path) -> None:
    report = ImportReport()
    [episode] = import_openclaw([_log(tmp_path, "x.jsonl", "s1")], report)
    assert [(i.id, i.natural_language_intent) for i in episode.intents] == [("s1", "Request of s1.")]
    assert report.notes == []
