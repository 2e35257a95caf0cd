"""The scripted agent's sloppiness: less done than said, at its rates (caught by verification: see
tests/simulate/test_episode_verification.py)."""

from __future__ import annotations

from isetrace_scripted.policy._plans import Plan, Step, Write
from isetrace_scripted.policy._sloppiness import Sloppiness, misplace_deliverable, slips


def test_slips_come_at_their_rates_and_always_in_the_same_conversations() -> None:
    sloppy = Sloppiness(wrong_deliverable=0.3, overclaim=0.6, seed=4)
    conversations = [[{"role": "user", "content": f"request {n}"}] for n in range(400)]
    decided = [slips(sloppy, c) for c in conversations]
    assert decided == [slips(sloppy, c) for c in conversations]
    assert 0.22 < sum(w for w, _ in decided) / 400 < 0.38 and 0.52 < sum(o for _, o in decided) / 400 < 0.68
    assert not any(any(slips(Sloppiness(), c)) for c in conversations)  # off by default


def test_the_deliverable_is_written_under_another_name() -> None:
    plan = Plan("report", (Step("write it", "wrote `q3/report.md`", (Write("q3/report.md", "x"), Write("a.md", "y"))),))
    moved = misplace_deliverable(plan, "Put the totals in `report.md`, please.")
    assert [op.path for op in moved.steps[0].ops] == ["q3/draft_report.md", "a.md"]  # type: ignore[union-attr]
    assert moved.steps[0].done == "wrote `q3/report.md`"  # what it will say it did
