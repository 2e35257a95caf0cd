"""The world figures of a corpus: calls by world, faults by kind, and what the agent did after each."""

from __future__ import annotations

from tests.stats.test_corpus import I1, Conversation, episode

from isetrace.records import Termination, WorldLog
from isetrace.stats import corpus_stats


def _entry(world: str, call: str | None, fault: str | None = None, status: int = 200) -> dict[str, object]:
    return {"seq": 1, "time_s": 0.0, "world": world, "via": "http", "method": "GET", "host": "x", "path": "/",
            "status": status, "fault": fault, "detail": {"tool_call": call} if call else {}}


def test_faults_are_counted_by_kind_with_the_calls_that_met_failed_and_recovered() -> None:
    # c1 exec meets a 429 and fails; c2 exec succeeds in the same turn: recovered.
    # c3 web_fetch meets a 500 and fails; the next success of web_fetch is after the user's next message: not.
    # c5 exec meets a 429 but succeeds (curl retried): met, not failed.
    c = (Conversation().user().calls("exec").result(False, exit_code=22).calls("exec").result(True, exit_code=0)
         .calls("web_fetch").result(False, error_kind="tool_error").reply()
         .user().calls("web_fetch").result(True).calls("exec").result(True, exit_code=0).reply())
    with_worlds = episode("w", [I1], c.messages, Termination.SUCCESS).model_copy(update={"world": WorldLog(
        worlds=["web", "office"],
        audit=[_entry("web", "c1", "rate_limited", 429), _entry("web", "c2"), _entry("web", "c3", "server_error", 500),
               _entry("web", "c4"), _entry("web", "c5", "rate_limited", 429), _entry("web", "c5"),
               _entry("office", None), _entry("scheduler", None)])})
    without = episode("n", [I1], Conversation().user().reply().messages, Termination.SUCCESS)
    stats = corpus_stats([with_worlds, without])
    assert stats.worlds.as_dict() == {
        "episodes": 1, "calls": {"web": 6, "office": 1, "scheduler": 1},
        "faults": {"rate_limited": {"injected": 2, "tool_calls_met": 2, "tool_calls_failed": 1,
                                    "recovered_same_turn": 1},
                   "server_error": {"injected": 1, "tool_calls_met": 1, "tool_calls_failed": 1,
                                    "recovered_same_turn": 0}}}
    rows = dict((row.label, row.value) for row in stats.table_rows())
    assert rows["Fault rate_limited"] == ("2 injected; 2 tool calls met it, 1 failed, 1 of those recovered in the "
                                          "same turn")
    assert stats.as_dict()["worlds"]["calls"]["web"] == 6


def test_a_corpus_without_worlds_has_no_world_rows() -> None:
    plain = episode("n", [I1], Conversation().user().reply().messages, Termination.SUCCESS)
    stats = corpus_stats([plain])
    assert not [row for row in stats.table_rows() if row.label.startswith(("World", "Fault"))]
    assert stats.as_dict()["worlds"] == {"episodes": 0, "calls": {}, "faults": {}}
