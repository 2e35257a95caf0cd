"""The role-drift detector: measured on a hand-labelled set of user turns, then kind by kind.

The labelled set (tests/data/drift/rules_shaped.jsonl) mixes clean user turns across registers with drifted
ones of every kind, including hard negatives that share words with the rules ("help", "sorry", "I've",
questions). The precision/recall floor guards against regressions; the unit tests pin down each rule
family and the exemptions that keep a delegating user's own words from being flagged.
"""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import pytest

from isetrace.drift import DRIFT_KINDS, DriftFinding, DriftVerdict, detect_drift
from isetrace.drift import rules as drift

LABELLED = Path(__file__).parent.parent / "data" / "drift" / "rules_shaped.jsonl"

VENDOR_INTENT = (
    "I'm preparing the Q3 vendor spend review for our procurement committee. Please load vendors.csv, "
    "normalise the vendor names, total the spend per vendor for July through September, flag any vendor "
    "whose spend grew more than 25% over Q2, and write a one-page markdown summary to "
    "reports/q3_vendor_review.md with a table of the top ten vendors."
)


def _load() -> list[dict[str, Any]]:
    with LABELLED.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _judge(row: dict[str, Any]) -> DriftVerdict:
    return detect_drift(row["text"], intent=row.get("intent", ""), turn_index=row.get("turn_index", 0))


# --- the labelled set -------------------------------------------------------------------------------


def test_labelled_set_is_well_formed_and_covers_every_kind() -> None:
    rows = _load()
    assert len(rows) >= 120
    for number, row in enumerate(rows, 1):
        assert isinstance(row["text"], str) and row["text"].strip(), number
        assert row["drifted"] == (row["kind"] is not None), number
        assert row["kind"] is None or row["kind"] in DRIFT_KINDS, number
    drifted = [row for row in rows if row["drifted"]]
    assert 0.3 <= len(drifted) / len(rows) <= 0.5
    for kind in DRIFT_KINDS:
        assert sum(row["kind"] == kind for row in drifted) >= 5, kind


def test_precision_and_recall_on_the_labelled_set() -> None:
    rows = _load()
    false_pos: list[str] = []
    false_neg: list[str] = []
    true_pos = 0
    for row in rows:
        verdict = _judge(row)
        if verdict.drifted and row["drifted"]:
            true_pos += 1
        elif verdict.drifted:
            false_pos.append(f"  FP {row['text']!r} <- {verdict.reason}")
        elif row["drifted"]:
            false_neg.append(f"  FN [{row['kind']}] {row['text']!r}")
    precision = true_pos / (true_pos + len(false_pos))
    recall = true_pos / (true_pos + len(false_neg))
    report = (
        f"precision={precision:.3f} recall={recall:.3f} (tp={true_pos}, fp={len(false_pos)}, "
        f"fn={len(false_neg)}, n={len(rows)})\n" + "\n".join(false_pos + false_neg)
    )
    assert precision >= 0.9, report
    assert recall >= 0.85, report


# --- one family at a time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turn", "kind"),
    [
        ("I can help you with that. Just send over the file.", "assistant_offer"),
        ("Would you like me to add a legend to the chart?", "assistant_offer"),
        ("That should do it. Let me know if you need anything else.", "assistant_offer"),
        ("Feel free to ask if something is unclear.", "assistant_offer"),
        ("Happy to help!", "assistant_offer"),
        ("Certainly! The numbers are in the table above.", "assistant_offer"),
        ("What would you like me to do next?", "open_question"),
        ("How can I assist you today?", "open_question"),
        ("Is there anything else?", "open_question"),
        ("What format do you prefer?", "open_question"),
        ("I apologize for the confusion.", "apology"),
        ("Sorry for the confusion, the earlier figure was from the draft.", "apology"),
        ("My apologies, that was the wrong column.", "apology"),
        ("As an AI, I have no opinion on fonts.", "ai_identity"),
        ("As a language model I cannot run commands.", "ai_identity"),
        ("I'm an AI assistant.", "ai_identity"),
        ("I don't have access to your files.", "ai_identity"),
        ("I have created the file notes.md with the outline.", "agent_voice"),
        ("I've run the tests and they all pass.", "agent_voice"),
        ("Here is the summary:\n- two leases expire in May", "agent_voice"),
        ("Below is the revised memo.", "agent_voice"),
        ("The script now handles empty lines.", "agent_voice"),
    ],
)
def test_each_kind_is_recognised(turn: str, kind: str) -> None:
    verdict = detect_drift(turn)
    assert verdict.drifted
    assert kind in {finding.kind for finding in verdict.findings}, verdict.reason


@pytest.mark.parametrize(
    "turn",
    [
        "Can you help me find out why the job fails?",
        "Sorry, I meant column B.",
        "Sorry, typo: 25%, not 2.5%.",
        "sorry for the late reply. go with option 2.",
        "Did the tests pass?",
        "Which file did you change?",
        "Why is the total 412?",
        "Is there anything in the log about the mount?",
        "I've uploaded the CSV to the workspace.",
        "I pasted the log below.",
        "I already tried restarting it.",
        "I've created archive/ — move the old exports into it.",
        "Let me know when the run finishes.",
        "Feel free to restructure the module.",
        "I don't have access to the prod database, use the dump.",
        "The script now fails on line 12. Fix it.",
        "Do you want me to upload the other two files?",
        "Sure, go ahead.",
        "Great, that's all for today — thanks!",
    ],
)
def test_a_delegating_users_own_words_are_not_drift(turn: str) -> None:
    verdict = detect_drift(turn)
    assert not verdict.drifted, verdict.reason


def test_self_correction_is_judged_per_sentence() -> None:
    assert not detect_drift("Sorry, I meant column B. Redo the totals.").drifted
    later = detect_drift("Redo the totals with column B. I apologize for the confusion.")
    assert [finding.kind for finding in later.findings] == ["apology"]


# --- whole-intent restatement -----------------------------------------------------------------------


def test_pasting_the_whole_intent_is_drift_even_at_turn_zero() -> None:
    verdict = detect_drift(VENDOR_INTENT, intent=VENDOR_INTENT, turn_index=0)
    assert [finding.kind for finding in verdict.findings] == ["whole_intent"]


def test_turn_zero_may_open_with_a_summary() -> None:
    opener = (
        "I need the Q3 vendor spend review for the procurement committee. Start with the data: load "
        "vendors.csv and show me the columns."
    )
    assert not detect_drift(opener, intent=VENDOR_INTENT, turn_index=0).drifted


def test_a_paraphrased_restatement_is_drift_after_turn_zero_only() -> None:
    recap = (
        "So again: Q3 vendor spend review for procurement. Load vendors.csv, clean up the vendor names, total "
        "spend per vendor July to September, flag anyone up more than 25% over Q2, and put a one-page markdown "
        "summary with a top-ten table in reports/q3_vendor_review.md."
    )
    assert detect_drift(recap, intent=VENDOR_INTENT, turn_index=3).drifted
    assert not detect_drift(recap, intent=VENDOR_INTENT, turn_index=0).drifted


def test_a_sub_goal_that_shares_words_with_the_intent_is_not_drift() -> None:
    for turn in (
        "Now flag any vendor whose spend grew more than 25% over Q2.",
        "Write the one-page markdown summary to reports/q3_vendor_review.md with the top ten vendors.",
    ):
        assert not detect_drift(turn, intent=VENDOR_INTENT, turn_index=3).drifted, turn


def test_short_or_missing_intents_are_never_compared() -> None:
    assert not detect_drift("Fix the login bug.", intent="Fix the login bug.", turn_index=2).drifted
    assert not detect_drift(VENDOR_INTENT, turn_index=2).drifted


# --- evidence, reason and the public surface ---------------------------------------------------------


def test_evidence_quotes_the_turn() -> None:
    turn = "The totals match now. Let me know if you need anything else, I'm around."
    verdict = detect_drift(turn)
    assert verdict.findings == (DriftFinding("assistant_offer", "Let me know if you need anything else"),)
    assert verdict.reason == "assistant_offer: 'Let me know if you need anything else'"


def test_evidence_is_verbatim_for_typographic_apostrophes() -> None:
    turn = "Thanks. I’ve updated the backup script to skip the mount."
    (finding,) = detect_drift(turn).findings
    assert finding.kind == "agent_voice"
    assert finding.evidence in turn
    assert finding.evidence.startswith("I’ve updated")


def test_every_finding_of_the_labelled_set_carries_evidence_from_its_turn() -> None:
    for row in _load():
        for finding in _judge(row).findings:
            assert finding.kind in DRIFT_KINDS
            assert finding.evidence
            if finding.kind != "whole_intent":
                assert finding.evidence in row["text"], (finding, row["text"])


def test_several_kinds_are_all_reported() -> None:
    verdict = detect_drift("My apologies. As an AI, I can't open links. Would you like me to summarise it?")
    assert [finding.kind for finding in verdict.findings] == ["apology", "ai_identity", "assistant_offer"]
    assert verdict.reason.count(";") == 2


def test_a_clean_turn_has_no_findings() -> None:
    verdict = detect_drift("Load vendors.csv and show me the first ten rows.")
    assert verdict == DriftVerdict(drifted=False, findings=())
    assert verdict.reason == "no drift"


def test_verdicts_are_immutable() -> None:
    verdict = detect_drift("Happy to help!")
    with pytest.raises(FrozenInstanceError):
        verdict.drifted = False  # type: ignore[misc]


def test_public_api_is_exactly_all() -> None:
    assert sorted(drift.__all__) == ["DRIFT_KINDS", "DriftFinding", "DriftVerdict", "PERSPECTIVE_KINDS", "detect_drift",
                                     "excerpt"]
    assert DRIFT_KINDS == ("assistant_offer", "open_question", "apology", "ai_identity", "agent_voice", "whole_intent")
