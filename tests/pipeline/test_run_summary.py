"""The summary ``ise run`` ends with: where the intents went and why, the episodes, and an empty stage named."""

from __future__ import annotations

from pathlib import Path

from tests.export.episodes import plain_episode

from isetrace.cli.run_summary import IntentTally, summary_lines
from isetrace.config import RunConfig
from isetrace.jsonl import write_rows
from isetrace.pipeline.rundir import EpisodeFailure, RunDir
from isetrace.records import Termination


def stage_files(run: RunDir, *, sampled: int, kept: int, failures: list[tuple[str, str]],
                dropped: list[str]) -> None:
    files = run.paths.intents
    write_rows(files.sampled, [{"id": f"s{i}"} for i in range(sampled)])
    write_rows(files.failures, [{"id": f"f{i}", "stage": stage, "reason": why}
                                for i, (stage, why) in enumerate(failures)])
    write_rows(files.dropped, [{"id": f"d{i}", "reason": why} for i, why in enumerate(dropped)])
    write_rows(files.intents, [{"id": f"k{i}"} for i in range(kept)])


def test_intents_not_kept_are_counted_by_render_validation_check_and_dedup_pass(tmp_path: Path) -> None:
    with RunDir.create(tmp_path / "run", RunConfig()) as run:
        stage_files(run, sampled=9, kept=2, failures=[
            ("render", "no usable JSON"), ("validate:in_voice", "sounds like an assistant"),
            ("validate:in_voice", "offers help"), ("validate:feasible", "needs a GPU")],
                    dropped=["exact duplicate of s1", "near-duplicate of s2 (jaccard ≥ 0.80)",
                             "semantic duplicate of s3 (cosine > 0.92)"])
        run.append_episode(plain_episode("k0"))
        run.append_episode(plain_episode("k1", Termination.USER_JUDGED_FAILURE).model_copy(update={"attempt": 1}))
        run.append_failure(EpisodeFailure.of(["k2"], attempt=0, stage="episode", reason="SandboxUnavailable: gone"))
        tally = IntentTally.read(run.paths.intents)
        assert tally.not_kept == 7 and tally.emptied_by() == "rendering, validation and deduplication"
        lines = summary_lines(run, run.summary())
    assert lines == [
        f"intents: 9 sampled, 2 kept, 7 not kept (render 1; validation: in_voice 2, feasible 1; "
        f"dedup: exact 1, near-duplicate 1, semantic 1; see {run.paths.intents.dir})",
        f"episodes: 2 (success 1, user_judged_failure 1); episode failures: 1 (episode 1; see {run.paths.failures})",
        "verified: 0 of 2; the simulated user called 0 a success that failed its checks",
        f"dataset: {run.paths.exports}   report: {run.paths.corpus_stats}",
    ]


def test_an_empty_stage_is_named_plainly(tmp_path: Path) -> None:
    with RunDir.create(tmp_path / "run", RunConfig()) as run:
        assert summary_lines(run, run.summary())[0] == "intents: none made yet"
        stage_files(run, sampled=3, kept=0, failures=[("render", "x"), ("validate:well_formed", "y"),
                                                      ("validate:well_formed", "z")], dropped=[])
        lines = summary_lines(run, run.summary())
    assert lines == [
        f"intents: 3 sampled, 0 kept, 3 not kept (render 1; validation: well_formed 2; see {run.paths.intents.dir})",
        "episodes: 0; episode failures: 0",
        f"no intents survived rendering and validation: see {run.paths.intents.failures}",
    ]


def test_sessions_that_all_failed_are_named(tmp_path: Path) -> None:
    with RunDir.create(tmp_path / "run", RunConfig()) as run:
        stage_files(run, sampled=1, kept=1, failures=[], dropped=[])
        run.append_failure(EpisodeFailure.of(["k0"], attempt=0, stage="episode", reason="SandboxUnavailable: gone"))
        lines = summary_lines(run, run.summary())
    assert lines[0] == "intents: 1 sampled, 1 kept"
    assert lines[2] == f"no episode was recorded: 1 sessions failed, see {run.paths.failures}"
