"""``export_episodes``: the format registry, filters by termination (training formats keep only success by
default), skipped counts, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.export.episodes import call, calls, episode, plain_episode, result, say, system, user
from tests.extras import format_params

import isetrace.export
from isetrace.errors import ConfigError
from isetrace.export import FORMATS, ExportSummary, export_episodes, get_format
from isetrace.records import Episode, Termination


def corpus() -> list[Episode]:
    return [plain_episode("a"), plain_episode("b", Termination.STEP_LIMIT), plain_episode("c", Termination.BUDGET),
            plain_episode("d"), plain_episode("e", Termination.USER_JUDGED_FAILURE)]


def ids(path: Path) -> list[str]:
    return [json.loads(line)["session_id"] for line in path.read_text().splitlines()]


def test_public_api_is_exactly_all() -> None:
    assert sorted(isetrace.export.__all__) == sorted([
        "FORMATS", "STRICT_DROPS", "ExportFormat", "ExportSummary", "SecretFinding", "SecretScanner",
        "Unrepresentable", "export_episodes", "export_file", "get_format", "hf_schema", "sharegpt_problems",
        "strict_problems", "to_hf_row", "to_ise_openai", "to_openai_strict", "to_sharegpt",
    ])
    for name in isetrace.export.__all__:
        assert hasattr(isetrace.export, name), name


def test_formats_by_name() -> None:
    assert list(FORMATS) == ["ise-openai", "openai-strict", "sharegpt", "hf"]
    assert get_format("hf").suffix == ".parquet"
    with pytest.raises(ConfigError, match=r"unknown export format 'csv' .*ise-openai, openai-strict, sharegpt, hf"):
        get_format("csv")


def test_default_exports_everything(tmp_path: Path) -> None:
    summary = export_episodes(corpus(), "ise-openai", tmp_path / "all.jsonl", environ={})
    assert summary == ExportSummary(written=5, skipped_by_reason={}, path=tmp_path / "all.jsonl")
    assert ids(tmp_path / "all.jsonl") == ["a", "b", "c", "d", "e"]


def endpoint_failure(ident: str) -> Episode:
    """What an episode looks like when the agent's endpoint failed at once: a system and a user message."""
    return episode([system(), user("List the files.")], ident=ident, termination=Termination.AGENT_ENDPOINT_FAILURE)


TRAINING = [name for name, form in FORMATS.items() if form.training]


def test_the_training_formats_are_those_that_keep_only_success() -> None:
    assert TRAINING == ["openai-strict", "sharegpt", "hf"]
    assert all(FORMATS[name].default_include == {Termination.SUCCESS} for name in TRAINING)
    assert FORMATS["ise-openai"].default_include is None and not FORMATS["ise-openai"].training


@pytest.mark.parametrize("fmt", format_params(TRAINING))
def test_a_training_format_keeps_only_success_by_default_and_counts_what_it_left_out(fmt: str,
                                                                                     tmp_path: Path) -> None:
    mix = [*corpus(), endpoint_failure("f"), endpoint_failure("g")]
    summary = export_episodes(mix, fmt, tmp_path / f"out{get_format(fmt).suffix}", environ={})
    assert summary.written == 2  # a and d
    assert summary.skipped_by_reason == {"step_limit": 1, "budget": 1, "user_judged_failure": 1,
                                         "agent_endpoint_failure": 2}
    assert summary.kept_by_default == {Termination.SUCCESS}
    assert summary.left_out() == "left out 5: agent_endpoint_failure 2, budget 1, step_limit 1, user_judged_failure 1"
    # every termination asked for: every episode written, and the format's default did not decide
    everything = export_episodes(corpus(), fmt, tmp_path / f"all{get_format(fmt).suffix}", include=set(Termination),
                                 environ={})
    assert everything.written == 5 and everything.left_out() == "left out 0" and everything.kept_by_default is None


def test_the_ise_format_keeps_every_episode_with_its_status(tmp_path: Path) -> None:
    path = tmp_path / "ise.jsonl"
    summary = export_episodes([*corpus(), endpoint_failure("f")], "ise-openai", path, environ={})
    assert summary.written == 6 and summary.skipped == 0 and summary.kept_by_default is None
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [row["metadata"]["termination"] for row in rows] == [
        "success", "step_limit", "budget", "success", "user_judged_failure", "agent_endpoint_failure"]
    assert [row["status"] for row in rows] == ["completed", "failed", "failed", "completed", "failed", "failed"]


def test_include_keeps_only_those_reasons(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    summary = export_episodes(corpus(), "ise-openai", path, include={Termination.SUCCESS}, environ={})
    assert ids(path) == ["a", "d"] and summary.written == 2
    assert summary.skipped_by_reason == {"step_limit": 1, "budget": 1, "user_judged_failure": 1}
    assert summary.skipped == 3


def test_exclude_drops_those_reasons_and_combines_with_include(tmp_path: Path) -> None:
    path = tmp_path / "some.jsonl"
    summary = export_episodes(corpus(), "ise-openai", path, exclude={Termination.BUDGET, Termination.STEP_LIMIT},
                              environ={})
    assert ids(path) == ["a", "d", "e"] and summary.skipped_by_reason == {"budget": 1, "step_limit": 1}
    both = export_episodes(corpus(), "ise-openai", path, include={Termination.SUCCESS, Termination.BUDGET},
                           exclude={Termination.BUDGET}, environ={})
    assert ids(path) == ["a", "d"] and both.skipped_by_reason == {"step_limit": 1, "budget": 1,
                                                                  "user_judged_failure": 1}


def test_episodes_a_format_cannot_express_are_counted_not_fatal(tmp_path: Path) -> None:
    cut_off = episode([system(), user("go"), calls(call("k", "exec", {"command": "ls"})), result("k", "exec", "a"),
                       user("go on"), say("done")], ident="cut")
    path = tmp_path / "sg.jsonl"
    summary = export_episodes([plain_episode("a"), cut_off], "sharegpt", path, environ={})
    assert summary.written == 1 and len(path.read_text().splitlines()) == 1
    [(reason, count)] = summary.skipped_by_reason.items()
    assert reason.startswith("unrepresentable: ") and "cut off" in reason and count == 1
    # the same episode is fine where the format can hold it
    assert export_episodes([cut_off], "openai-strict", tmp_path / "strict.jsonl", environ={}).written == 1


@pytest.mark.parametrize("fmt", format_params())
def test_every_format_writes_one_row_per_trajectory_and_streams_its_input(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"out{get_format(fmt).suffix}"
    summary = export_episodes(iter(corpus()), fmt, path, include=set(Termination), environ={})  # consumed once
    assert summary.written == 5 and path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind


def test_export_is_a_pure_function_of_the_episodes(tmp_path: Path) -> None:
    source = corpus()
    before = [e.model_dump_json() for e in source]
    export_episodes(source, "ise-openai", tmp_path / "one.jsonl", environ={})
    export_episodes(source, "ise-openai", tmp_path / "two.jsonl", environ={})
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert [e.model_dump_json() for e in source] == before


def test_a_failure_midway_leaves_the_previous_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "keep.jsonl"
    path.write_text("previous export\n")

    def broken() -> object:
        yield plain_episode("a")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        export_episodes(broken(), "ise-openai", path, environ={})  # type: ignore[arg-type]
    assert path.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.jsonl"]


def test_verified_only_keeps_the_verified_work_and_counts_the_rest(tmp_path: Path) -> None:
    episodes = [plain_episode("a").model_copy(update={"verified": True, "verified_by": "checks"}),
                plain_episode("b"), plain_episode("c", Termination.STEP_LIMIT)]
    out = tmp_path / "v.jsonl"
    summary = export_episodes(episodes, "sharegpt", out, verified_only=True)
    assert summary.written == 1 and summary.skipped_by_reason == {"not verified": 1, "step_limit": 1}
    assert summary.left_out() == "left out 2: not verified 1, step_limit 1"
