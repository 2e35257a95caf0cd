"""Corpus statistics: hand-counted episodes checked figure by figure, the paper's table with its reference
column, ``ise stats`` on a run directory, and the figures of real episodes from the offline pipeline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import typer
from tests.sandbox.backends import BEST_BACKEND
from typer.testing import CliRunner

import isetrace.stats
from isetrace.cli.stats import stats_command
from isetrace.config import load_config
from isetrace.diversity import TfidfEmbedder, distinct_n, vendi_score
from isetrace.jsonl import append_jsonl, load_jsonl
from isetrace.llm.endpoints import open_endpoints
from isetrace.records import Episode, Intent, Message, Termination, ToolCall, ToolResult
from isetrace.simulate.batch import simulate_all
from isetrace.stats import ISE_REFERENCE_EMBEDDER, corpus_stats

# --------------------------------------------------------------------------------------------- building blocks


def intent(ident: str, *, domains: int, tasks: int, tools: int, complexity: str, text: str = "") -> Intent:
    return Intent(id=ident, natural_language_intent=text, domains=[f"d{k}" for k in range(domains)],
                  tasks=[f"t{k}" for k in range(tasks)], tools_used=[f"tool{k}" for k in range(tools)],
                  complexity=complexity)


I1 = intent("i1", domains=2, tasks=4, tools=3, complexity="complex", text="Count the late parcels per depot")
I2 = intent("i2", domains=3, tasks=6, tools=5, complexity="medium", text="Fetch the rates and email the team")
I3 = intent("i3", domains=2, tasks=3, tools=1, complexity="")  # not rendered: no text for Distinct-N / Vendi


class Conversation:
    """Builds a message list: ``user``, ``calls`` (one assistant message), ``result`` (one tool message)."""

    def __init__(self) -> None:
        self.messages = [Message(role="system", content="You are an agent.")]
        self.pending: list[ToolCall] = []
        self.count = 0

    def user(self, text: str = "next") -> Conversation:
        self.messages.append(Message(role="user", content=text))
        return self

    def reply(self, text: str = "done") -> Conversation:
        self.messages.append(Message(role="assistant", content=text))
        return self

    def calls(self, *names: str) -> Conversation:
        calls = []
        for name in names:
            self.count += 1
            calls.append(ToolCall(id=f"c{self.count}", name=name, arguments={}, arguments_raw="{}"))
        self.pending = calls
        self.messages.append(Message(role="assistant", tool_calls=calls))
        return self

    def result(self, ok: bool | None, **fields: object) -> Conversation:
        """The result of the oldest unanswered call; ``ok=None`` is a tool message without a structured result."""
        call = self.pending.pop(0)
        result = None if ok is None else ToolResult.model_validate({"call_id": call.id, "tool": call.name, "ok": ok,
                                                                    **fields})
        self.messages.append(Message(role="tool", tool_call_id=call.id, name=call.name, content="…", result=result))
        return self


def episode(ident: str, intents: list[Intent], messages: list[Message], termination: Termination, *,
            provenance: str = "scripted", drift: int = 0, subagents: dict[str, list[Message]] | None = None) -> Episode:
    return Episode(episode_id=ident, intents=intents, messages=messages, termination=termination,
                   provenance=provenance, drift_regenerations=drift, subagents=subagents or {})


def episode_a() -> Episode:
    """2 user turns, 12 messages, 4 calls of {exec, read}; 2 failures, 1 recovered in its turn (exec) and 1
    whose success comes only after the next user message (read): not a recovery."""
    c = (Conversation().user("u1")
         .calls("exec").result(False, exit_code=1)
         .calls("exec", "read").result(True, exit_code=0).result(False, error_kind="tool_error")
         .reply()
         .user("u2").calls("read").result(True).reply())
    return episode("a", [I1], c.messages, Termination.SUCCESS, drift=2)


def episode_b() -> Episode:
    """Two intents in one session; 7 user turns, 24 messages, 5 calls of {write, exec, web_fetch}; web_fetch
    fails twice and then succeeds in the same turn (2 recoveries); one sub-agent with one tool call."""
    c = Conversation().user().calls("write", "exec").result(True).result(True).reply()
    c.user().calls("web_fetch").result(False, timed_out=True).calls("web_fetch").result(False, error_kind="tool_error")
    c.calls("web_fetch").result(True).reply()
    for _ in range(5):
        c.user().reply()
    sub = Conversation().user("sub-task").calls("exec").result(True).reply().messages[1:]
    return episode("b", [I2, I1], c.messages, Termination.USER_TURN_LIMIT, provenance="agent=qwen, user=qwen",
                   subagents={"sub-1": sub})


def episode_c() -> Episode:
    """11 user turns, 26 messages, 2 calls of {exec, read} whose tool messages carry no structured result."""
    c = Conversation().user().calls("exec", "read").result(None).result(None).reply()
    for _ in range(10):
        c.user().reply()
    return episode("c", [I3], c.messages, Termination.SANDBOX_FAILURE, drift=1)


def corpus() -> list[Episode]:
    return [episode_a(), episode_b(), episode_c()]


class Identity:
    """An embedder whose rows are mutually orthogonal: the Vendi score is exactly the number of texts."""

    name = "identity-test"

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> npt.NDArray[np.float32]:
        return np.eye(len(texts), dtype=np.float32)


# --------------------------------------------------------------------------------------------- the figures


def test_the_public_api_is_exactly_all() -> None:
    assert sorted(isetrace.stats.__all__) == sorted([
        "ISE_REFERENCE", "ISE_REFERENCE_EMBEDDER", "CorpusStats", "IntentDiversity", "StatRow", "StatsReport",
        "corpus_stats", "stats_report",
    ])
    for name in isetrace.stats.__all__:
        assert hasattr(isetrace.stats, name), name


def test_the_building_blocks_have_the_documented_shapes() -> None:
    a, b, c = corpus()
    assert [(len(e.messages), e.user_turns, e.tool_call_count) for e in (a, b, c)] == [(12, 2, 4), (24, 7, 5),
                                                                                        (26, 11, 2)]


def test_every_figure_of_a_hand_counted_corpus() -> None:
    stats = corpus_stats(corpus())
    assert stats.trajectories == 3
    assert stats.source_intents == 3 and stats.intent_pool is None and stats.intent_scope == "episodes"
    assert stats.intents == 3
    # user turns 2, 7, 11
    assert stats.user_turns_mean == pytest.approx(20 / 3)
    assert stats.user_turns_median == 7.0 and stats.user_turns_max == 11
    assert stats.user_turns_6_10 == 1 and stats.user_turns_6_10_share == pytest.approx(1 / 3)
    assert stats.messages_total == 62 and stats.messages_mean == pytest.approx(62 / 3)
    assert stats.tool_calls_total == 11 and stats.tool_calls_mean == pytest.approx(11 / 3)
    assert stats.distinct_tools_mean == pytest.approx((2 + 3 + 2) / 3)
    # per intent over i1, i2, i3 (i1 counted once though two episodes ran it)
    assert stats.domains_per_intent == pytest.approx(7 / 3)
    assert stats.tasks_per_intent == pytest.approx(13 / 3)
    assert stats.tools_per_intent == pytest.approx(3.0)
    assert stats.complexity == {"simple": 0, "medium": 1, "complex": 1, "(none)": 1}
    assert list(stats.complexity) == ["simple", "medium", "complex", "(none)"]
    assert stats.complexity_shares["medium"] == pytest.approx(1 / 3)
    assert list(stats.terminations) == [t.value for t in Termination]
    assert {k: v for k, v in stats.terminations.items() if v} == {"success": 1, "user_turn_limit": 1,
                                                                   "sandbox_failure": 1}
    assert stats.termination_shares["success"] == pytest.approx(1 / 3) and stats.termination_shares["budget"] == 0
    # 9 structured results (episode c's two tool messages carry none), 4 failed, 3 recovered in their turn
    assert stats.tool_results == 9 and stats.tool_failures == 4
    assert stats.tool_error_rate == pytest.approx(4 / 9)
    assert stats.errors_by_kind == {"tool_error": 2, "nonzero_exit": 1, "timeout": 1}
    assert next(iter(stats.errors_by_kind)) == "tool_error"
    assert stats.recoveries == 3 and stats.recovery_rate == pytest.approx(3 / 4)
    assert stats.cooccurrence == [("exec", "read", 2), ("exec", "web_fetch", 1), ("exec", "write", 1),
                                  ("web_fetch", "write", 1)]
    assert stats.provenance == {"scripted": 2, "agent=qwen, user=qwen": 1}
    assert stats.drift_regenerations == 3 and stats.drift_episodes == 2
    assert stats.subagent_sessions == 1 and stats.subagent_tool_calls == 1
    assert stats.diversity is None


def test_recoveries_are_counted_only_within_the_agent_turn() -> None:
    def recoveries(c: Conversation) -> int:
        return corpus_stats([episode("x", [I1], c.messages, Termination.SUCCESS)]).recoveries

    same_turn = Conversation().user().calls("exec").result(False).calls("exec").result(True).reply()
    next_turn = Conversation().user().calls("exec").result(False).reply().user().calls("exec").result(True).reply()
    other_tool = Conversation().user().calls("exec").result(False).calls("read").result(True).reply()
    success_first = Conversation().user().calls("exec").result(True).calls("exec").result(False).reply()
    twice_then_once = Conversation().user().calls("exec", "exec").result(False).result(False)
    twice_then_once.calls("exec").result(True).calls("exec").result(True).reply()
    assert recoveries(same_turn) == 1
    assert recoveries(next_turn) == 0  # the user stepped in: not the agent's own recovery
    assert recoveries(other_tool) == 0
    assert recoveries(success_first) == 0
    assert recoveries(twice_then_once) == 2  # each failed call is recovered once


def test_the_intent_pool_drives_the_per_intent_figures() -> None:
    i4 = intent("i4", domains=1, tasks=1, tools=0, complexity="simple", text="Archive the logs")
    stats = corpus_stats(corpus(), intents=[I1, I2, I3, i4, I1])
    assert stats.intent_pool == 4 and stats.source_intents == 3 and stats.intent_scope == "pool"
    assert stats.intents == 4
    assert stats.domains_per_intent == pytest.approx(2.0) and stats.tasks_per_intent == pytest.approx(14 / 4)
    assert stats.complexity == {"simple": 1, "medium": 1, "complex": 1, "(none)": 1}


def test_diversity_is_over_the_rendered_intent_texts_with_the_embedders_name() -> None:
    stats = corpus_stats(corpus(), embedder=Identity())
    assert stats.diversity is not None
    assert stats.diversity.embedder == "identity-test" and stats.diversity.items == 2  # i3 has no text
    assert stats.diversity.vendi == pytest.approx(2.0)
    texts = [I1.natural_language_intent, I2.natural_language_intent]
    assert stats.diversity.distinct == {n: distinct_n(texts, n) for n in (1, 2, 3)}

    tfidf = TfidfEmbedder(64)  # few buckets keep Vendi's d×d eigenproblem instant
    lexical = corpus_stats(corpus(), embedder=tfidf)
    assert lexical.diversity is not None and lexical.diversity.embedder == tfidf.name
    assert lexical.diversity.vendi == pytest.approx(vendi_score(tfidf.embed(texts)))


def test_top_pairs_bounds_the_cooccurrence_list() -> None:
    assert corpus_stats(corpus(), top_pairs=2).cooccurrence == [("exec", "read", 2), ("exec", "web_fetch", 1)]
    assert corpus_stats(corpus(), top_pairs=0).cooccurrence == []


def test_an_empty_corpus_gives_zeros() -> None:
    stats = corpus_stats([])
    assert stats.trajectories == 0 and stats.user_turns_mean == 0.0 and stats.user_turns_median == 0.0
    assert stats.messages_mean == 0.0 and stats.tool_error_rate == 0.0 and stats.recovery_rate == 0.0
    assert stats.cooccurrence == [] and stats.complexity == {"simple": 0, "medium": 0, "complex": 0}
    assert json.loads(json.dumps(stats.as_dict()))["trajectories"] == 0
    assert stats.table_rows()[1] == ("Trajectories", "0", "23,132")


def test_episodes_are_read_once_so_a_generator_streams() -> None:
    stats = corpus_stats(e for e in corpus())
    assert stats.trajectories == 3 and stats.tool_calls_total == 11


# --------------------------------------------------------------------------------------------- the views


def test_the_table_follows_the_papers_order_with_the_reference_column() -> None:
    rows = corpus_stats(corpus(), embedder=Identity()).table_rows()
    assert rows[:8] == [
        ("Intents (in episodes)", "3", "43,956"),
        ("Trajectories", "3", "23,132"),
        ("Avg user turns", "6.67", "8.12"),
        ("Avg messages", "20.67", "68.24"),
        ("Avg tool calls", "3.67", "29.26"),
        ("Avg distinct tools", "2.33", "4.69"),
        ("Avg domains per intent", "2.33", "2.35"),
        ("Avg tasks per intent", "4.33", "4.40"),
    ]
    by_label = {row.label: row for row in rows}
    vendi = by_label["Vendi q=1 (intents)"]
    assert vendi.value == "2.00 (identity-test, 2 intents)"
    assert vendi.reference == f"61.57 ({ISE_REFERENCE_EMBEDDER})" and ISE_REFERENCE_EMBEDDER == "all-mpnet-base-v2"
    assert by_label["Complexity"].value == "simple 0% / medium 33% / complex 33% / (none) 33%"
    assert by_label["Complexity"].reference == "simple 10% / medium 40% / complex 50% (sampling prior)"
    assert by_label["User turns median / max"].value == "7 / 11"
    assert by_label["User turns in 6–10"].value == "33.3% (1)"
    assert by_label["Tool error rate"].value == "44.4% (4 of 9)"
    assert by_label["Recovered in the same turn"].value == "75.0% (3 of 4 failed)"
    assert by_label["Ended: success"].value == "33.3% (1)" and "Ended: budget" not in by_label
    assert by_label["Used together: exec + read"].value == "66.7% (2)"
    assert by_label["Provenance"].value == "scripted 2, agent=qwen, user=qwen 1"
    assert by_label["Drift regenerations"].value == "3 in 2 trajectories"
    assert by_label["Sub-agent sessions"].value == "1 (1 tool calls)"
    assert all(isinstance(cell, str) for row in rows for cell in row)


def test_without_an_embedder_the_vendi_row_still_shows_the_reference() -> None:
    by_label = {row.label: row for row in corpus_stats(corpus()).table_rows()}
    assert by_label["Vendi q=1 (intents)"] == ("Vendi q=1 (intents)", "not computed", "61.57 (all-mpnet-base-v2)")
    assert by_label["Intents (in episodes)"].value == "3"


def test_as_dict_is_json_with_the_reference_embedder_named() -> None:
    data = json.loads(json.dumps(corpus_stats(corpus(), embedder=Identity()).as_dict()))
    assert data["trajectories"] == 3
    assert data["intents"]["count"] == 3 and data["intents"]["scope"] == "episodes"
    assert data["user_turns"] == {"mean": pytest.approx(20 / 3), "median": 7.0, "max": 11, "in_6_10": 1,
                                  "share_6_10": pytest.approx(1 / 3)}
    assert data["tool_calls"] == {"mean": pytest.approx(11 / 3), "total": 11}
    assert data["tool_results"]["recoveries"] == 3 and data["tool_results"]["error_rate"] == pytest.approx(4 / 9)
    assert data["tool_cooccurrence"][0] == {"tools": ["exec", "read"], "trajectories": 2,
                                            "share": pytest.approx(2 / 3)}
    assert data["diversity"]["embedder"] == "identity-test" and data["diversity"]["vendi_q1"] == pytest.approx(2)
    assert data["diversity"]["distinct_1"] == pytest.approx(distinct_n([I1.natural_language_intent,
                                                                         I2.natural_language_intent], 1))
    assert data["reference"]["vendi"] == 61.57 and data["reference"]["vendi_embedder"] == "all-mpnet-base-v2"
    assert data["reference"]["trajectories"] == 23_132


# --------------------------------------------------------------------------------------------- ise stats


def run_dir_with(tmp_path: Path, episodes: list[Episode], pool: list[Intent] | None = None) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    append_jsonl(run / "episodes.jsonl", episodes)
    if pool is not None:
        (run / "intents").mkdir()
        append_jsonl(run / "intents" / "intents.jsonl", pool)
    return run


def test_stats_command_writes_corpus_json_in_the_run_directory(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    run = run_dir_with(tmp_path, corpus(), pool=[I1, I2, I3])
    stats_command(run, embedder="tfidf-hashing-64")
    data = json.loads((run / "stats" / "corpus.json").read_text())
    assert data["trajectories"] == 3 and data["intents"]["scope"] == "pool" and data["intents"]["pool"] == 3
    assert data["diversity"]["embedder"] == "tfidf-hashing-64"
    printed = capsys.readouterr()
    assert "ISE (published)" in printed.out and "23,132" in printed.out
    assert "embeddings: tfidf-hashing-64" in printed.err and f"→ {run / 'stats' / 'corpus.json'}" in printed.err


def test_stats_command_on_a_file_writes_only_where_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "eps.jsonl"
    append_jsonl(path, corpus())
    with path.open("a") as handle:
        handle.write("{torn\n")
    stats_command(path, embedder="none")
    assert not (tmp_path / "stats").exists()
    assert f"{path}:4: not valid JSON" in capsys.readouterr().err
    target = tmp_path / "out" / "figures.json"
    stats_command(path, embedder="none", json_file=target)
    data = json.loads(target.read_text())
    assert data["trajectories"] == 3 and data["diversity"] is None and data["intents"]["scope"] == "episodes"


def test_stats_command_without_episodes_exits_1(tmp_path: Path) -> None:
    with pytest.raises(typer.Exit) as missing:
        stats_command(tmp_path, embedder="none")
    assert missing.value.exit_code == 1
    (tmp_path / "episodes.jsonl").write_text("")
    with pytest.raises(typer.Exit) as empty:
        stats_command(tmp_path, embedder="none")
    assert empty.value.exit_code == 1


def test_stats_command_options_parse_as_a_typer_command(tmp_path: Path) -> None:
    run = run_dir_with(tmp_path, corpus())
    app = typer.Typer()
    app.command()(stats_command)
    target = tmp_path / "s.json"
    result = CliRunner().invoke(app, [str(run), "--embedder", "none", "--json", str(target), "--intents",
                                      str(_pool_file(tmp_path))])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text())
    assert data["intents"]["pool"] == 1 and not (run / "stats").exists()


def _pool_file(tmp_path: Path) -> Path:
    path = tmp_path / "pool.jsonl"
    append_jsonl(path, [I2])
    return path


# --------------------------------------------------------------------------------------------- real episodes


async def test_figures_of_real_offline_episodes_match_a_direct_count(data_dir: Path, sandbox_home: Path,
                                                                      tmp_path: Path) -> None:
    intents, errors = load_jsonl(data_dir / "toy_intents.jsonl", Intent)
    assert not errors
    config = load_config("offline", [f"sandbox.backend={BEST_BACKEND}", f"sandbox.home={sandbox_home}",
                                     "simulate.date=2026-01-15", "endpoints.agent.backoff_s=0.01",
                                     "endpoints.user.backoff_s=0.01"], environ={})
    async with open_endpoints(config, ["agent", "user"], environ={}) as endpoints:
        episodes = await simulate_all(intents, config, endpoints, lambda _: None)

    stats = corpus_stats(episodes, intents=intents, embedder=TfidfEmbedder(64))
    results = [m.result for e in episodes for m in e.messages if m.role == "tool" and m.result is not None]
    assert stats.trajectories == len(intents) == stats.source_intents == stats.intent_pool
    assert stats.messages_total == sum(len(e.messages) for e in episodes)
    assert stats.tool_calls_total == sum(e.tool_call_count for e in episodes) > 0
    assert stats.user_turns_max == max(e.user_turns for e in episodes) >= 3
    assert stats.tool_results == len(results) and stats.tool_failures == sum(not r.ok for r in results)
    assert 1 <= stats.recoveries <= stats.tool_failures  # the scripted agent fixes its failed commands
    assert stats.provenance == {"scripted": len(episodes)}
    assert sum(stats.terminations.values()) == len(episodes)
    assert stats.terminations["success"] == sum(e.termination is Termination.SUCCESS for e in episodes)
    assert stats.distinct_tools_mean >= 1 and stats.cooccurrence
    assert stats.diversity is not None and stats.diversity.items == len(intents) and stats.diversity.vendi > 1
    written = [m.meta for e in episodes for m in [*e.messages, *(m for sub in e.subagents.values() for m in sub)]
               if m.meta is not None]
    tokens = stats.as_dict()["tokens"]
    assert tokens["total"]["prompt"] == sum(meta.usage.prompt_tokens for meta in written) > 0
    assert tokens["total"]["cached_prompt"] == sum(meta.usage.cached_prompt_tokens for meta in written)
    assert set(tokens["by_role"]) == {"agent", "user"}  # the judge's calls are not on the episode
    assert all(0 < role["cache_hit_share"] < 1 for role in tokens["by_role"].values())  # the scripted prefix cache

    run = run_dir_with(tmp_path, episodes, pool=intents)
    stats_command(run, embedder="tfidf-hashing-64")
    assert json.loads((run / "stats" / "corpus.json").read_text()) == json.loads(json.dumps(stats.as_dict()))
