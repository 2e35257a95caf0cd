"""Answers against references, and the rule that makes one label of the verdicts."""

from __future__ import annotations

import pytest

from isetrace.records import Intent, Verification
from isetrace.verify import decide, reference_verdict
from isetrace.verify.verdicts import boxed_answer, normalise_answer


@pytest.mark.parametrize(("answer", "reference", "passed"), [
    ("The total is \\boxed{1,250}.", "1250", True),
    ("\\boxed{\\frac{1}{2}} then \\boxed{2.50}", "2.5", True),  # the last box counts
    ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}", True),
    ("Paris.", "paris", True),
    ("Let me think.\nThe answer is Paris", "Paris", False),  # neither the whole answer nor its last line is it
    ("Let me think.\nParis", "Paris", True),
    ("$42$", "42", True),
    ("\\boxed{41}", "42", False),
    ("42", "", None),
])
def test_an_answer_matches_its_reference_normalised_and_boxed_first(answer: str, reference: str,
                                                                    passed: bool | None) -> None:
    query = Intent.model_validate({"id": "q", "question": "?", "answer": reference})
    verdict = reference_verdict(query, answer)
    assert (verdict.passed if verdict else None) == passed


def test_boxes_and_normal_forms() -> None:
    assert boxed_answer("a \\boxed{x^{2}} b") == "x^{2}" and boxed_answer("\\boxed{open") is None
    assert boxed_answer("no box") is None
    assert normalise_answer(" 3.0 ") == "3" and normalise_answer("1,000,000") == "1e+06"
    assert normalise_answer("  Hello   World. ") == "hello world"


def verdict(method: str, intent: str, passed: bool) -> Verification:
    return Verification(method=method, passed=passed, intent_id=intent)


def test_checks_decide_before_the_judge_and_the_simulator_never_decides() -> None:
    a, b = Intent(id="a"), Intent(id="b")
    assert decide([a, b], [verdict("checks", "a", True), verdict("judge", "b", True)]) == (True, "checks+judge")
    assert decide([a], [verdict("checks", "a", False), verdict("judge", "a", True)]) == (False, "checks")
    assert decide([a], [verdict("judge", "a", True), verdict("user_simulator", "a", True)]) == (True, "judge")
    assert decide([a, b], [verdict("checks", "a", True)]) == (False, "checks")  # b has no verdict
    assert decide([a], [verdict("user_simulator", "a", True)]) == (False, "")
    assert decide([], []) == (False, "")
