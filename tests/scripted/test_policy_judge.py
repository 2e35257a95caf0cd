"""The scripted judge: recognised by its rubric, and grading on the listing and the digest it is shown."""

from __future__ import annotations

import json

from isetrace.prompts import render_prompt
from isetrace.records import Intent
from isetrace.verify.judge import rubric_of
from isetrace_scripted.policy import Role, detect_role, respond


def judge_body(listing: str, unresolved: int) -> dict[str, object]:
    intent = Intent(id="j", natural_language_intent="Put the totals in `totals.md`.", tasks=["summarise"])
    rubric = json.dumps({"request": intent.natural_language_intent, "rubric": rubric_of(intent)})
    digest = json.dumps({"tool_calls": 2, "failed": unresolved, "unresolved_failures": unresolved})
    prompt = render_prompt("judge", rubric_json=rubric, transcript="USER: hi", digest=digest, listing=listing)
    return {"messages": [{"role": "system", "content": prompt}, {"role": "user", "content": "Grade it now."}]}


def test_the_judge_passes_only_what_the_evidence_shows() -> None:
    assert detect_role(judge_body("f 10 totals.md", 0)) is Role.JUDGE
    done = json.loads(respond(judge_body("f 10 totals.md\nd 0 out", 0)).content or "")
    assert done["passed"] is True and done["score"] == 1.0 and len(done["reasons"]) == 3
    missing = json.loads(respond(judge_body("f 10 notes.md", 0)).content or "")
    assert missing["passed"] is False and "totals.md is not in the workspace" in missing["reasons"][0]
    broken = json.loads(respond(judge_body("f 10 totals.md", 1)).content or "")
    assert broken["passed"] is False and broken["score"] == round(1 / 3, 3)
