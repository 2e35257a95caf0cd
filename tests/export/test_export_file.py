"""Exporting a file on several worker processes gives exactly what one process gives: same rows, same order,
same bad lines reported, and a secret anywhere still stops everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.export.episodes import episode, plain_episode, say, system, user
from tests.extras import format_params

from isetrace.errors import DataError
from isetrace.export import export_episodes, export_file
from isetrace.export import files as export_files
from isetrace.jsonl import LineError
from isetrace.records import Episode, Termination

SECRET_VALUE = "s3cr3t-value-of-the-deploy-token"


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers for any file, and chunks of a few lines, so a small file crosses many chunks and workers."""
    monkeypatch.setattr(export_files, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(export_files, "_CHUNK_BYTES", 6000)


def corpus() -> list[Episode]:
    endings = [Termination.SUCCESS, Termination.USER_JUDGED_FAILURE, Termination.SUCCESS]
    return [episode(ident=f"ep-{n:03d}", termination=endings[n % 3]) if n % 2 else
            plain_episode(f"ep-{n:03d}", endings[n % 3]) for n in range(60)]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_back(path: Path) -> object:
    if path.suffix == ".parquet":
        import pyarrow.parquet as parquet  # type: ignore[import-untyped]

        return parquet.read_table(path).to_pylist()
    return path.read_bytes()


@pytest.mark.parametrize("fmt", format_params())
def test_workers_write_what_one_process_writes_and_report_bad_lines_in_order(
        fmt: str, tmp_path: Path, small_chunks: None) -> None:
    episodes = corpus()
    lines = [e.model_dump_json() for e in episodes]
    lines[7] = '{"episode_id": "torn", "messages": ['  # not JSON
    lines[30] = '{"episode_id": "no-intents"}'  # JSON, not an episode
    lines.insert(12, "")  # blank lines are skipped without a word
    source = write_lines(tmp_path / "episodes.jsonl", lines)
    suffix = ".parquet" if fmt == "hf" else ".jsonl"
    expected = export_episodes([e for n, e in enumerate(episodes) if n not in (7, 30)], fmt,
                               tmp_path / f"one{suffix}", include=set(Termination), environ={})
    errors: dict[int, list[LineError]] = {}
    for workers in (1, 2):
        errors[workers] = []
        summary = export_file(source, fmt, tmp_path / f"w{workers}{suffix}", on_error=errors[workers].append,
                              include=set(Termination), environ={}, workers=workers)
        assert (summary.written, summary.skipped_by_reason) == (expected.written, expected.skipped_by_reason)
        assert read_back(tmp_path / f"w{workers}{suffix}") == read_back(tmp_path / f"one{suffix}")
    assert [(e.line, e.path) for e in errors[2]] == [(8, source), (32, source)] and errors[1] == errors[2]
    assert "not valid JSON" in errors[2][0].reason


def test_the_default_keeps_and_skips_as_the_format_says_and_unique_keeps_the_first(
        tmp_path: Path, small_chunks: None) -> None:
    first = plain_episode("ep-dup")
    again = episode([system(), user("Again?"), say("Once more.")], ident="ep-dup")
    source = write_lines(tmp_path / "episodes.jsonl", [e.model_dump_json() for e in [*corpus(), first, again]])
    summary = export_file(source, "sharegpt", tmp_path / "out.jsonl", on_error=lambda _: None, environ={},
                          workers=2, unique_by=_episode_id)
    assert summary.kept_by_default == frozenset({Termination.SUCCESS})
    assert summary.skipped_by_reason == {"user_judged_failure": 20}
    rows = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(rows) == summary.written == 41 and "Again?" not in rows[-1]  # the repeat is dropped


@pytest.mark.parametrize("fmt", format_params())
def test_repeats_are_left_out_of_the_packed_rows_wherever_they_fall(fmt: str, tmp_path: Path,
                                                                     small_chunks: None) -> None:
    episodes = corpus()
    # a repeat right after its first (the same chunk), one far from it (another chunk), one of a skipped episode
    repeats = [(4, episode([system(), user("Again?"), say("Once more.")], ident="ep-003")),
               (40, episode([system(), user("Later?"), say("Much later.")], ident="ep-010")),
               (50, plain_episode("ep-001", Termination.SUCCESS))]
    lines = [e.model_dump_json() for e in episodes]
    for at, repeat in reversed(repeats):
        lines.insert(at, repeat.model_dump_json())
    source = write_lines(tmp_path / "episodes.jsonl", lines)
    suffix = ".parquet" if fmt == "hf" else ".jsonl"
    expected = export_episodes(episodes, fmt, tmp_path / f"first{suffix}", environ={})
    for workers in (1, 2):
        summary = export_file(source, fmt, tmp_path / f"w{workers}{suffix}", on_error=lambda _: None, environ={},
                              workers=workers, unique_by=_episode_id)
        assert (summary.written, summary.skipped_by_reason) == (expected.written, expected.skipped_by_reason)
        assert read_back(tmp_path / f"w{workers}{suffix}") == read_back(tmp_path / f"first{suffix}")


def _episode_id(episode: Episode) -> str:
    return episode.episode_id  # module level: workers receive it by name


def test_a_secret_in_a_late_row_stops_the_export_and_leaves_the_old_file(tmp_path: Path, small_chunks: None) -> None:
    episodes = corpus()
    episodes[55] = episode([system(), user("Deploy it."), say(f"Used token {SECRET_VALUE} to deploy.")],
                           ident="ep-leak")
    source = write_lines(tmp_path / "episodes.jsonl", [e.model_dump_json() for e in episodes])
    target = tmp_path / "out.jsonl"
    target.write_text("the previous export\n")
    with pytest.raises(DataError, match=r"episode ep-leak: secret found — environment variable DEPLOY_TOKEN"):
        export_file(source, "ise-openai", target, on_error=lambda _: None, environ={"DEPLOY_TOKEN": SECRET_VALUE},
                    workers=2)
    assert target.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_lines_longer_than_a_chunk_blank_lines_and_no_final_newline(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_files, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(export_files, "_CHUNK_BYTES", 64)  # every line is longer than a chunk
    episodes = corpus()[:9]
    source = tmp_path / "episodes.jsonl"
    source.write_text("\n\n".join(e.model_dump_json() for e in episodes) + "\n{torn", encoding="utf-8")
    expected = export_episodes(episodes, "ise-openai", tmp_path / "one.jsonl", include=set(Termination), environ={})
    errors: list[LineError] = []
    summary = export_file(source, "ise-openai", tmp_path / "two.jsonl", on_error=errors.append,
                          include=set(Termination), environ={}, workers=2)
    assert summary.written == expected.written == 9
    assert (tmp_path / "two.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert [e.line for e in errors] == [18]  # numbered as in the file, blank lines counted
