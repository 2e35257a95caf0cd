"""The original recipe's input files run as they are: intents, direct queries, and queries appended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.extras import offline_exports
from tests.sandbox.backends import BEST_BACKEND
from tests.upstream import upstream_file
from typer.testing import CliRunner

import isetrace
from isetrace.cli import app
from isetrace.config import RunConfig, load_config
from isetrace.errors import ConfigError
from isetrace.jsonl import load_jsonl
from isetrace.records import Episode, Intent, Termination


def offline(sandbox_home: Path, *overrides: str) -> RunConfig:
    return load_config("offline", [f"sandbox.backend={BEST_BACKEND}", f"sandbox.home={sandbox_home}",
                                   "intents.embedder=tfidf", "simulate.date=2026-01-15", offline_exports(),
                                   *overrides], environ={})


def episodes_of(run_dir: Path) -> list[Episode]:
    episodes, errors = load_jsonl(run_dir / "episodes.jsonl", Episode)
    assert errors == []
    return sorted(episodes, key=lambda e: e.intents[0].id)


def test_ise_run_takes_the_recipes_intents_without_rendering_any(tmp_path: Path, sandbox_home: Path) -> None:
    intents = upstream_file("intents.jsonl")
    summary = isetrace.run_pipeline(offline(sandbox_home, f"intents.file={intents}"), tmp_path / "run")
    episodes = episodes_of(tmp_path / "run")
    given, _ = load_jsonl(intents, Intent)
    assert summary.episodes == 4 and [e.intents[0].id for e in episodes] == sorted(i.id for i in given)
    assert all(e.termination is Termination.SUCCESS for e in episodes)
    usage = [json.loads(line) for line in (tmp_path / "run" / "usage.jsonl").read_text().splitlines()]
    assert not any("renderer" in row["roles"] for row in usage)  # nothing was rendered
    assert (tmp_path / "run" / "intents" / "intents.jsonl").read_text() != ""


def test_query_mode_answers_the_recipes_queries_and_keeps_their_answers(tmp_path: Path, sandbox_home: Path) -> None:
    queries = upstream_file("queries.jsonl")
    isetrace.run_pipeline(offline(sandbox_home, f"intents.file={queries}", "simulate.mode=query"), tmp_path / "run")
    episodes = episodes_of(tmp_path / "run")
    assert len(episodes) == 4 and all(e.termination is Termination.SUCCESS for e in episodes)
    answers = {e.intents[0].reference_answer for e in episodes}
    assert "Judy Garland" in answers
    for episode in episodes:
        [asked] = [m.content for m in episode.messages if m.role == "user"]
        assert asked == episode.intents[0].natural_language_intent and asked.startswith(("Who", "Confirm"))


def test_an_appended_query_is_drawn_from_the_pool_by_seed_and_session(tmp_path: Path, sandbox_home: Path) -> None:
    intents, queries = upstream_file("intents.jsonl"), upstream_file("queries.jsonl")
    settings = (f"intents.file={intents}", f"simulate.appended_query_file={queries}")
    isetrace.run_pipeline(offline(sandbox_home, *settings), tmp_path / "a")
    isetrace.run_pipeline(offline(sandbox_home, *settings), tmp_path / "b")
    pool = {q.natural_language_intent for q in load_jsonl(queries, Intent)[0]}
    first, again = episodes_of(tmp_path / "a"), episodes_of(tmp_path / "b")
    for episode in first:
        assert episode.appended_query is not None and episode.appended_query.natural_language_intent in pool
        last_question = [m for m in episode.messages if m.role == "user"][-1]
        assert last_question.content == episode.appended_query.natural_language_intent
        assert last_question.meta is not None and last_question.meta.provenance == "query_pool"
        assert episode.seeds == {"intents": 0, "simulate": 0}
    assert [e.appended_query for e in first] == [e.appended_query for e in again]  # the same choice every run
    chosen = {seed: [q.id for q in _choices(queries, first, seed)] for seed in range(6)}
    assert len({tuple(c) for c in chosen.values()}) > 1  # the seed changes the choice


def _choices(queries: Path, episodes: list[Episode], seed: int) -> list[Intent]:
    from isetrace.simulate.query_pool import choose_query, load_query_pool

    return [choose_query(load_query_pool(str(queries)), seed, e.intents[-1].id) for e in episodes]


def test_ise_simulate_reads_intents_and_queries_as_the_recipe_writes_them(tmp_path: Path, sandbox_home: Path) -> None:
    runner = CliRunner()
    base = ["--config", "offline", "-c", f"sandbox.backend={BEST_BACKEND}", "-c", f"sandbox.home={sandbox_home}"]
    for name, extra in (("intents.jsonl", []), ("queries.jsonl", ["-c", "simulate.mode=query"])):
        out = tmp_path / f"{name}.episodes.jsonl"
        result = runner.invoke(app, ["simulate", *base, *extra, "--intents", str(upstream_file(name)),
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert len(load_jsonl(out, Episode)[0]) == 4


@pytest.mark.parametrize(("overrides", "message"), [
    (["simulate.appended_question=Anything else?", "simulate.appended_query_file=q.jsonl"], "not both"),
    (["simulate.mode=query", "simulate.appended_query_file=q.jsonl"], "intent and multi modes"),
])
def test_appended_questions_that_cannot_apply_are_refused(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config("offline", overrides, environ={})


def test_a_missing_pool_or_intents_file_stops_the_run_before_it_starts(tmp_path: Path, sandbox_home: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    with pytest.raises(ConfigError, match="appended_query_file: cannot read"):
        isetrace.run_pipeline(offline(sandbox_home, f"simulate.appended_query_file={missing}"), tmp_path / "a")
    with pytest.raises(ConfigError, match=r"intents\.file: no file at"):
        isetrace.run_pipeline(offline(sandbox_home, f"intents.file={missing}"), tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_intents_stage_alone_writes_the_intents_of_a_file(tmp_path: Path, sandbox_home: Path) -> None:
    intents = upstream_file("intents.jsonl")
    isetrace.run_pipeline(offline(sandbox_home, f"intents.file={intents}"), tmp_path / "run", stages="intents")
    written, errors = load_jsonl(tmp_path / "run" / "intents" / "intents.jsonl", Intent)
    given, _ = load_jsonl(intents, Intent)
    assert errors == [] and [i.id for i in written] == [i.id for i in given]
    assert not (tmp_path / "run" / "episodes.jsonl").exists()
