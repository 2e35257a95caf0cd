"""Episodes verified by the state they leave: replayed roles, a real sandbox, the checks of each intent."""

from __future__ import annotations

import json
from typing import Any

from isetrace import run_episode
from isetrace.llm.endpoints import Endpoints
from isetrace.llm.replay import ReplayModel, tool_call
from isetrace.records import Intent, Termination

REPORT = [{"kind": "file_exists", "path": "report.md"}, {"kind": "file_contains", "path": "report.md", "text": "42"}]


def user_says(query: str, *, completed: bool = False, success: bool = False) -> str:
    return json.dumps({"completed": completed, "query": query, "reason": "", "is_success": success})


def satisfied_user(*queries: str) -> ReplayModel:
    """A user who asks, asks for the verification pass, and is then content: it never looks at the files."""
    replies = [user_says(q) for q in queries] + [user_says("Thanks.", completed=True, success=True)] * 2
    return ReplayModel(replies, role="user")


def intent(identity: str, checks: list[dict[str, Any]]) -> Intent:
    return Intent(id=identity, natural_language_intent="Write report.md with the answer, 42.", checks=checks)


async def test_an_agent_that_claims_a_file_it_never_wrote_is_not_verified_whatever_the_user_said(
        make_config: Any) -> None:
    agent = ReplayModel(["I wrote report.md with the answer 42.", "Checked again: report.md is there."])
    episode = await run_episode([intent("claims", REPORT)], make_config(),
                                endpoints=Endpoints({"agent": agent, "user": satisfied_user("Write report.md.")}))
    assert episode.termination is Termination.SUCCESS and episode.verification is not None
    assert episode.verification.passed  # the simulator was talked into it
    [verdict] = episode.verifications
    assert (verdict.method, verdict.passed, verdict.score, verdict.intent_id) == ("checks", False, 0.0, "claims")
    assert [c.evidence for c in verdict.checks] == ["report.md does not exist", "report.md does not exist"]
    assert (episode.verified, episode.verified_by) == (False, "checks")


async def test_an_agent_that_did_the_work_is_verified_by_its_checks(make_config: Any) -> None:
    agent = ReplayModel([{"tool_calls": [tool_call("write", {"path": "report.md", "content": "Answer: 42\n"}, "w1")]},
                         "Wrote report.md.", "It is there."])
    episode = await run_episode([intent("does", REPORT)], make_config(),
                                endpoints=Endpoints({"agent": agent, "user": satisfied_user("Write report.md.")}))
    [verdict] = episode.verifications
    assert verdict.passed and verdict.score == 1.0 and [c.passed for c in verdict.checks] == [True, True]
    assert verdict.checks[0].spec == {"kind": "file_exists", "path": "report.md", "non_empty": True}
    assert (episode.verified, episode.verified_by) == (True, "checks")


async def test_each_intent_of_a_session_is_checked_when_it_ends_not_after_later_ones(make_config: Any) -> None:
    agent = ReplayModel([{"tool_calls": [tool_call("write", {"path": "report.md", "content": "42\n"}, "w1")]},
                         "Done.", "Verified.",
                         {"tool_calls": [tool_call("exec", {"command": "rm report.md"}, "x1")]},
                         "Removed it.", "Still removed."])
    user = ReplayModel([user_says("Write report.md."), *[user_says("ok", completed=True, success=True)] * 2,
                        user_says("Now remove report.md."), *[user_says("ok", completed=True, success=True)] * 2],
                       role="user")
    gone = [{"kind": "file_absent", "path": "report.md"}]
    episode = await run_episode([intent("first", REPORT), intent("second", gone)],
                                make_config("simulate.mode=multi"), endpoints=Endpoints({"agent": agent, "user": user}))
    assert [(v.intent_id, v.passed) for v in episode.verifications] == [("first", True), ("second", True)]
    assert (episode.verified, episode.verified_by) == (True, "checks")


async def test_an_intent_without_checks_is_not_verified_by_the_simulators_word(make_config: Any) -> None:
    agent = ReplayModel(["Done.", "Done again."])
    episode = await run_episode([intent("plain", [])], make_config(),
                                endpoints=Endpoints({"agent": agent, "user": satisfied_user("Do it.")}))
    assert episode.verification is not None and episode.verification.passed
    assert episode.verifications == [] and (episode.verified, episode.verified_by) == (False, "")


async def test_a_direct_query_is_verified_against_its_reference_answer(make_config: Any) -> None:
    query = Intent.model_validate({"id": "q1", "question": "What is 6 times 7?", "answer": "42"})
    right = await run_episode([query], make_config("simulate.mode=query"),
                              endpoints=Endpoints({"agent": ReplayModel(["6 × 7: \\boxed{42}"])}))
    wrong = await run_episode([query], make_config("simulate.mode=query"),
                              endpoints=Endpoints({"agent": ReplayModel(["It is 41 or \\boxed{41.0}"])}))
    assert [(v.method, v.passed) for v in right.verifications] == [("reference_answer", True)]
    assert (right.verified, right.verified_by) == (True, "reference_answer")
    assert [(v.method, v.passed) for v in wrong.verifications] == [("reference_answer", False)]
    assert "'41.0'" in wrong.verifications[0].detail and not wrong.verified


async def test_verification_can_be_switched_off(make_config: Any) -> None:
    agent = ReplayModel(["Done.", "Done again."])
    episode = await run_episode([intent("off", REPORT)], make_config("verify.enabled=false"),
                                endpoints=Endpoints({"agent": agent, "user": satisfied_user("Do it.")}))
    assert episode.verifications == [] and not episode.verified


async def test_a_last_message_claiming_success_with_an_unsupported_claim_is_not_verified(make_config: Any) -> None:
    agent = ReplayModel([{"tool_calls": [tool_call("write", {"path": "report.md", "content": "Answer: 42\n"}, "w1")]},
                         "Wrote report.md.",
                         "All done: I also saved `appendix.md` with the 1,024 sources."])
    episode = await run_episode([intent("over", REPORT)], make_config(),
                                endpoints=Endpoints({"agent": agent, "user": satisfied_user("Write report.md.")}))
    [verdict] = episode.verifications
    assert verdict.passed  # the checks alone would call it verified
    assert {(c.kind, c.claim) for c in episode.unsupported_claims} == {("file", "appendix.md"), ("number", "1,024")}
    assert (episode.verified, episode.verified_by) == (False, "checks+claims")


def judge_says(passed: bool, score: float) -> str:
    return json.dumps({"passed": passed, "score": score, "reasons": ["holds: the deliverable exists"]})


async def test_an_intent_without_checks_goes_to_the_judge_which_sees_the_evidence(make_config: Any) -> None:
    agent = ReplayModel([{"tool_calls": [tool_call("write", {"path": "report.md", "content": "42\n"}, "w1")]},
                         "Wrote report.md.", "Checked."])
    judge = ReplayModel([judge_says(True, 1.0)], role="judge")
    episode = await run_episode([intent("judged", [])], make_config(), endpoints=Endpoints(
        {"agent": agent, "user": satisfied_user("Write report.md."), "judge": judge}))
    [verdict] = episode.verifications
    assert (verdict.method, verdict.passed, verdict.score, verdict.intent_id) == ("judge", True, 1.0, "judged")
    assert (episode.verified, episode.verified_by) == (True, "judge")
    shown = judge.requests[0].messages[0]["content"]
    assert "f 3 report.md" in shown.split("```listing")[1]  # the real workspace: a file of 3 bytes
    assert '"tool_calls": 1' in shown and "AGENT CALLS write" in shown and '"rubric"' in shown


async def test_a_judge_that_fails_gives_no_verdict_and_says_why(make_config: Any) -> None:
    agent = ReplayModel(["Done.", "Done again."])
    episode = await run_episode([intent("unjudged", [])], make_config(), endpoints=Endpoints(
        {"agent": agent, "user": satisfied_user("Do it."), "judge": ReplayModel([], role="judge")}))
    [verdict] = episode.verifications
    assert verdict.method == "judge_failed" and "the judge endpoint failed" in verdict.detail
    assert (episode.verified, episode.verified_by) == (False, "")


async def test_the_scripted_judge_grades_over_http_with_structured_output(make_config: Any) -> None:
    plain = Intent(id="http", natural_language_intent="Save the numbers 4, 8 and 15 in `numbers.csv`.")
    episode = await run_episode([plain], make_config())
    judged = [v for v in episode.verifications if v.method == "judge"]
    assert len(judged) == 1 and judged[0].score is not None and judged[0].detail
    assert episode.verified == judged[0].passed and episode.models["judge"] == "scripted-judge"


async def test_verification_catches_a_sloppy_agent(make_config: Any, toy_intents: list[Intent]) -> None:
    toy = toy_intents[0].model_copy(update={"checks": [{"kind": "file_exists", "path": "late_rates.md"}]})
    honest = await run_episode([toy], make_config())
    sloppy = await run_episode([toy], make_config("endpoints.agent.provider_options.sloppiness.wrong_deliverable=1",
                                                  "endpoints.agent.provider_options.sloppiness.overclaim=1"))
    assert honest.verified and not honest.unsupported_claims and honest.verification is not None
    assert not sloppy.verified and sloppy.verified_by == "checks+claims"
    assert sloppy.verifications[0].checks[0].evidence == "late_rates.md does not exist"
    claimed = {c.claim for c in sloppy.unsupported_claims}
    assert "late_rates.md" in claimed and "deliveries_final.md" in claimed  # misplaced, and never written
