"""The run directory survives being killed at any moment: it resumes, repairs and never duplicates."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

import isetrace.pipeline
from isetrace.config import RunConfig, config_hash, load_config
from isetrace.errors import ConfigError
from isetrace.pipeline import rundir
from isetrace.pipeline.rundir import EpisodeFailure, RunDir, episode_key
from isetrace.records import Episode, Intent, Message, Termination, ToolCall


def _episode(n: int, *, attempt: int = 0, termination: Termination = Termination.SUCCESS,
             intents: list[str] | None = None) -> Episode:
    call = ToolCall(id="c1", name="exec", arguments={"command": "ls"}, arguments_raw='{"command": "ls"}')
    return Episode(
        episode_id=f"e{n}-{attempt}", attempt=attempt, provenance="scripted", termination=termination,
        intents=[Intent(id=i, natural_language_intent=f"do {i}") for i in (intents or [f"i{n}"])],
        messages=[Message(role="user", content=f"task {n}"),
                  Message(role="assistant", content=None, tool_calls=[call]),
                  Message(role="tool", tool_call_id="c1", name="exec", content="ok")],
    )


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _valid_keys(path: Path) -> list[tuple[str, int]]:
    """Every line of ``path`` must be a whole, valid episode; their keys in file order."""
    keys = []
    for number, line in enumerate(_lines(path), start=1):
        assert line.endswith(b"\n"), f"line {number} has no newline"
        keys.append(episode_key(Episode.model_validate_json(line)))
    return keys


@pytest.fixture
def config() -> RunConfig:
    return load_config("offline")


# --------------------------------------------------------------------------------------------- create/resume


def test_public_names_are_exported_from_the_package() -> None:
    for name in rundir.__all__:
        assert getattr(isetrace.pipeline, name) is getattr(rundir, name)
        assert name in isetrace.pipeline.__all__


def test_create_lays_out_the_directory_and_refuses_a_second_run(tmp_path: Path, config: RunConfig) -> None:
    root = tmp_path / "runs" / "one"
    with RunDir.create(root, config) as run:
        assert run.paths.root == root and run.config_hash == config_hash(config)
        assert (root / "config.hash").read_text().strip() == config_hash(config)
        assert yaml.safe_load((root / "config.yaml").read_text())["intents"] == config.intents.model_dump(mode="json")
        assert run.paths.intents.dir.is_dir() and run.paths.exports.is_dir() and run.paths.stats.is_dir()
        assert run.paths.intents.rendered == root / "intents" / "rendered.jsonl"
        assert run.paths.intents.stats == root / "intents" / "stats.json"
        assert run.paths.llm_cache == root / "llm-cache.sqlite"
        assert run.repair_report.clean and run.done_keys() == set()
        assert list(run.episodes()) == [] and run.failures() == []
    with pytest.raises(ConfigError, match="already holds a run; resume it"):
        RunDir.create(root, config)


def test_create_refuses_leftover_episodes_without_a_config(tmp_path: Path, config: RunConfig) -> None:
    (tmp_path / "episodes.jsonl").write_text("")
    with pytest.raises(ConfigError, match=r"no config\.hash"):
        RunDir.create(tmp_path, config)
    with pytest.raises(ConfigError, match=r"is not a run directory: it has no config\.hash"):
        RunDir.open_for_resume(tmp_path, config)
    with pytest.raises(ConfigError, match="missing does not exist: nothing to resume"):
        RunDir.open_for_resume(tmp_path / "missing", config)


def test_resume_with_the_stored_config_carries_on(tmp_path: Path, config: RunConfig) -> None:
    with RunDir.create(tmp_path, config) as run:
        assert run.append_episode(_episode(1))
    stored = RunDir.load_config(tmp_path)
    assert stored == config and config_hash(stored) == config_hash(config)
    with RunDir.open_for_resume(tmp_path, stored) as run:
        assert run.done_keys() == {("i1", 0)}
        assert run.append_episode(_episode(2))
        assert [e.episode_id for e in run.episodes()] == ["e1-0", "e2-0"]


def test_a_changed_config_is_refused_with_a_dotted_diff(tmp_path: Path, config: RunConfig) -> None:
    RunDir.create(tmp_path, config).close()
    changed = load_config("offline", overrides=[f"intents.seed={config.intents.seed + 7}",
                                                "endpoints.agent.temperature=0.25"])
    with pytest.raises(ConfigError) as caught:
        RunDir.open_for_resume(tmp_path, changed)
    message = str(caught.value)
    old_temperature = config.endpoint("agent").temperature
    assert f"intents.seed: {config.intents.seed} → {config.intents.seed + 7}" in message
    assert f"endpoints.agent.temperature: {old_temperature} → 0.25" in message
    assert f"{config_hash(config)} → {config_hash(changed)}" in message
    assert "--force" in message
    assert message.count(" → ") == 3  # the hash line and the two settings, nothing else
    assert (tmp_path / "config.hash").read_text().strip() == config_hash(config)  # nothing recorded
    RunDir.open_for_resume(tmp_path, config).close()  # and the lock was released


def test_force_records_the_new_config_and_keeps_the_old_one(tmp_path: Path, config: RunConfig) -> None:
    RunDir.create(tmp_path, config).close()
    old_yaml = (tmp_path / "config.yaml").read_text()
    changed = load_config("offline", overrides=["simulate.max_user_turns=3"])
    with RunDir.open_for_resume(tmp_path, changed, force=True) as run:
        assert run.config_hash == config_hash(changed)
    assert (tmp_path / "config.previous.yaml").read_text() == old_yaml
    assert (tmp_path / "config.hash").read_text().strip() == config_hash(changed)
    assert RunDir.load_config(tmp_path) == changed
    RunDir.open_for_resume(tmp_path, changed).close()
    with pytest.raises(ConfigError, match=r"simulate\.max_user_turns: 3 → "):
        RunDir.open_for_resume(tmp_path, config)


def test_a_resume_with_new_prices_is_the_same_run_and_records_them(tmp_path: Path, config: RunConfig) -> None:
    RunDir.create(tmp_path, config).close()
    priced = load_config("offline", overrides=["endpoints.agent.prices={prompt: 0.15, completion: 0.6}"])
    with RunDir.open_for_resume(tmp_path, priced) as run:  # no --force: prices change no data
        assert run.config_hash == config_hash(config)
    assert (tmp_path / "config.hash").read_text().strip() == config_hash(config)
    assert not (tmp_path / "config.previous.yaml").exists()
    assert RunDir.load_config(tmp_path) == priced  # what `ise stats DIR` prices the run with from now on
    unchanged = (tmp_path / "config.yaml").stat().st_mtime_ns
    RunDir.open_for_resume(tmp_path, priced).close()
    assert (tmp_path / "config.yaml").stat().st_mtime_ns == unchanged  # the same config is not written again


def test_load_config_refuses_a_config_with_masked_secrets(tmp_path: Path) -> None:
    secret = load_config("offline", overrides=["endpoints.agent.extra_headers={X-Api-Key: s3cret}"])
    RunDir.create(tmp_path, secret).close()
    assert "s3cret" not in (tmp_path / "config.yaml").read_text()
    with pytest.raises(ConfigError, match=r"endpoints\.agent\.extra_headers\.X-Api-Key"):
        RunDir.load_config(tmp_path)
    RunDir.open_for_resume(tmp_path, secret).close()  # the original config still resumes


# --------------------------------------------------------------------------------------------- repair


def test_a_torn_last_line_is_cut_and_kept_aside(tmp_path: Path, config: RunConfig) -> None:
    with RunDir.create(tmp_path, config) as run:
        run.append_episode(_episode(1))
        run.append_episode(_episode(2))
    episodes = tmp_path / "episodes.jsonl"
    good = episodes.read_bytes()
    torn = _episode(3).model_dump_json().encode()[:57]
    with episodes.open("ab") as handle:
        handle.write(torn)
    with RunDir.open_for_resume(tmp_path, config) as run:
        report = run.repair_report
        assert len(report.torn) == 1 and not report.bad_lines
        cut = report.torn[0]
        assert cut.line == 3 and cut.size == len(torn) and "no newline" in cut.reason
        assert episodes.read_bytes() == good
        assert cut.kept_at.read_bytes() == torn and cut.kept_at.name.startswith("episodes.jsonl.torn-")
        assert f"{episodes}:3: torn tail of {len(torn)} bytes" in str(report)
        assert run.done_keys() == {("i1", 0), ("i2", 0)}
        assert run.append_episode(_episode(3))
    assert _valid_keys(episodes) == [("i1", 0), ("i2", 0), ("i3", 0)]


def test_a_whole_but_invalid_last_line_is_torn_too_and_never_trusted(tmp_path: Path, config: RunConfig) -> None:
    with RunDir.create(tmp_path, config) as run:
        run.append_failure(EpisodeFailure.of(["a"], attempt=0, stage="sandbox", reason="no bwrap"))
    failures = tmp_path / "failures.jsonl"
    good = failures.read_bytes()
    complete_but_unterminated = EpisodeFailure.of(["b"], attempt=0, stage="x", reason="y").model_dump_json()
    failures.write_bytes(good + b'{"session_key": "c", "intent\n' + complete_but_unterminated.encode())
    with RunDir.open_for_resume(tmp_path, config) as run:
        (cut,) = run.repair_report.torn
        assert cut.line == 2 and "not valid JSON" in cut.reason and "1 more line" in cut.reason
        assert failures.read_bytes() == good
        assert run.done_keys() == {("a", 0)}  # the valid-looking but unterminated record is not trusted
    with RunDir.open_for_resume(tmp_path, config) as run:
        assert run.repair_report.clean  # repaired once, stays repaired


def test_a_bad_line_in_the_middle_is_reported_and_left_in_place(tmp_path: Path, config: RunConfig) -> None:
    with RunDir.create(tmp_path, config) as run:
        run.append_episode(_episode(1))
    episodes = tmp_path / "episodes.jsonl"
    with episodes.open("ab") as handle:
        handle.write(b"{not json\n")
        handle.write(b'{"episode_id": "x"}\n')
        handle.write(_episode(2).model_dump_json().encode() + b"\n")
    before = episodes.read_bytes()
    with RunDir.open_for_resume(tmp_path, config) as run:
        report = run.repair_report
        assert report.torn == ()
        assert [(e.line, e.path) for e in report.bad_lines] == [(2, episodes), (3, episodes)]
        assert str(report.bad_lines[0]).startswith(f"{episodes}:2: not valid JSON")
        assert "intents: Field required" in str(report.bad_lines[1])
        assert episodes.read_bytes() == before
        assert [e.episode_id for e in run.episodes()] == ["e1-0", "e2-0"]
        assert run.done_keys() == {("i1", 0), ("i2", 0)}


def test_duplicate_lines_are_reported_and_only_the_first_counts(tmp_path: Path, config: RunConfig) -> None:
    with RunDir.create(tmp_path, config) as run:
        run.append_episode(_episode(1, termination=Termination.SUCCESS))
    with (tmp_path / "episodes.jsonl").open("ab") as handle:  # as a buggy writer might
        handle.write(_episode(1, termination=Termination.STEP_LIMIT).model_dump_json().encode() + b"\n")
    with RunDir.open_for_resume(tmp_path, config) as run:
        (duplicate,) = run.repair_report.duplicates
        assert duplicate.line == 2 and "duplicate of line 1" in duplicate.reason
        assert [e.termination for e in run.episodes()] == [Termination.SUCCESS]
        assert run.summary().episodes == 1


# --------------------------------------------------------------------------------------------- done-set


def test_done_set_spans_episodes_and_failures_and_appends_are_idempotent(tmp_path: Path, config: RunConfig) -> None:
    with RunDir.create(tmp_path, config) as run:
        assert run.append_episode(_episode(1))
        assert run.append_episode(_episode(1, attempt=1, termination=Termination.USER_TURN_LIMIT))
        assert run.append_episode(_episode(0, intents=["a", "b"], termination=Termination.STEP_LIMIT))
        failure = EpisodeFailure.of(["i2"], attempt=0, stage="sandbox", reason="bwrap missing")
        assert failure.session_key == "i2" and failure.key == ("i2", 0)
        assert run.append_failure(failure)
        expected = {("i1", 0), ("i1", 1), ("a+b", 0), ("i2", 0)}
        assert run.done_keys() == expected
        assert ("a+b", 0) in run.done_keys() and ("a+b", 1) not in run.done_keys()

        assert not run.append_episode(_episode(1))
        assert not run.append_failure(EpisodeFailure.of(["i1"], attempt=0, stage="verify", reason="late"))
        assert not run.append_episode(_episode(2))  # a recorded failure is done too
        assert len(_lines(run.paths.episodes)) == 3 and len(_lines(run.paths.failures)) == 1

    with RunDir.open_for_resume(tmp_path, config) as run:
        assert run.done_keys() == expected
        assert not run.append_episode(_episode(1, attempt=1))
        assert run.append_failure(EpisodeFailure.of(["i2"], attempt=1, stage="simulate", reason="drift"))
        summary = run.summary()
        assert (summary.episodes, summary.failures, summary.sessions) == (3, 2, 3)
        assert summary.by_termination == {Termination.SUCCESS: 1, Termination.USER_TURN_LIMIT: 1,
                                          Termination.STEP_LIMIT: 1}
        assert summary.failures_by_stage == {"sandbox": 1, "simulate": 1}
        assert summary.tool_calls == 3 and summary.user_turns == 3
        assert [f.reason for f in run.failures()] == ["bwrap missing", "drift"]


def test_episode_failure_is_strict(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not match intent_ids"):
        EpisodeFailure(session_key="a", intent_ids=["a", "b"], stage="x", reason="y")
    with pytest.raises(ValueError, match="Extra inputs"):
        EpisodeFailure.model_validate({"session_key": "a", "intent_ids": ["a"], "stage": "x", "reason": "y",
                                       "note": "z"})
    record = EpisodeFailure.of(["a", "b"], attempt=2, stage="x", reason="y")
    assert set(json.loads(record.model_dump_json())) == {"session_key", "intent_ids", "attempt", "stage", "reason",
                                                         "at"}


def test_a_closed_run_directory_refuses_appends(tmp_path: Path, config: RunConfig) -> None:
    run = RunDir.create(tmp_path, config)
    run.close()
    run.close()
    assert run.closed
    with pytest.raises(RuntimeError, match="closed"):
        run.append_episode(_episode(1))


# --------------------------------------------------------------------------------------------- lock and crashes

HOLDER = """
import sys, time
from isetrace.pipeline.rundir import RunDir
root = sys.argv[1]
run = RunDir.open_for_resume(root, RunDir.load_config(root))
print("ready", flush=True)
time.sleep(60)
"""

WRITER = """
import os, sys, time
from isetrace.pipeline import rundir
from isetrace.pipeline.rundir import RunDir
from isetrace.records import Episode, Intent, Message, Termination
root, total, slow = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "slow"

def slow_append(path, records):  # a disk so slow that a kill lands in the middle of a line
    data = "".join(r.model_dump_json() + "\\n" for r in records).encode()
    with open(path, "ab") as handle:
        handle.write(data[: len(data) // 2])
        handle.flush()
        time.sleep(0.02)
        handle.write(data[len(data) // 2 :])
        handle.flush()
        os.fsync(handle.fileno())
    return len(records)

if slow:
    rundir.append_jsonl = slow_append
with RunDir.open_for_resume(root, RunDir.load_config(root)) as run:
    print("ready", flush=True)
    done = run.done_keys()
    for n in range(total):
        if (f"i{n}", 0) in done:
            continue
        text = ("x" * 300_000) if n % 4 == 0 else f"task {n}"  # big lines: a real kill may tear one too
        run.append_episode(Episode(episode_id=f"e{n}", intents=[Intent(id=f"i{n}")], provenance="scripted",
                                   termination=Termination.SUCCESS, messages=[Message(role="user", content=text)]))
"""


def _start(tmp_path: Path, source: str, *args: str) -> subprocess.Popen[bytes]:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(source))
    with (tmp_path / "child.err").open("ab") as err:
        child = subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE, stderr=err)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line == b"ready\n", (tmp_path / "child.err").read_text()
    return child


def test_a_second_process_is_locked_out_until_the_holder_dies(tmp_path: Path, config: RunConfig) -> None:
    root = tmp_path / "run"
    RunDir.create(root, config).close()
    holder = _start(tmp_path, HOLDER, str(root))
    try:
        with pytest.raises(ConfigError, match=rf"in use by process {holder.pid}\b"):
            RunDir.open_for_resume(root, config)
        with pytest.raises(ConfigError, match=str(holder.pid)):
            RunDir.create(root, config)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert holder.returncode == -signal.SIGKILL
    with RunDir.open_for_resume(root, config) as run:  # the kernel released the dead holder's lock
        assert run.paths.lock.read_text().split()[0] == str(os.getpid())
        with pytest.raises(ConfigError, match="in use by process"):  # one holder per directory, even here
            RunDir.open_for_resume(root, config)


def test_kill_9_at_random_moments_loses_nothing_whole_and_duplicates_nothing(tmp_path: Path) -> None:
    root, endless = tmp_path / "run", str(10**9)
    config = RunConfig()
    RunDir.create(root, config).close()
    rng = random.Random(20240607)
    counts, torn = [0], 0
    for mode in ["real", "slow", "real", "slow", "slow", "real", "slow"]:
        writer = _start(tmp_path, WRITER, str(root), endless, mode)
        time.sleep(rng.uniform(0.05, 0.4))
        writer.send_signal(signal.SIGKILL)
        assert writer.wait() == -signal.SIGKILL
        with RunDir.open_for_resume(root, config) as run:
            report = run.repair_report
            assert not report.bad_lines and not report.duplicates, str(report)
            torn += len(report.torn)
            keys = _valid_keys(run.paths.episodes)
            assert len(keys) == len(set(keys)) and set(keys) == run.done_keys()
            assert keys == [(f"i{n}", 0) for n in range(len(keys))]  # a prefix, in order, no holes
            counts.append(len(keys))
    assert counts == sorted(counts) and counts[-1] > counts[1] > 0
    assert torn >= 1, "no kill tore a line: the repair path was not exercised"
    kept = sorted(root.glob("episodes.jsonl.torn-*"))
    assert len(kept) == torn and all(not k.read_bytes().endswith(b"\n") for k in kept)

    total = counts[-1] + 20
    writer = _start(tmp_path, WRITER, str(root), str(total), "real")
    assert writer.wait(timeout=60) == 0, (tmp_path / "child.err").read_text()
    with RunDir.open_for_resume(root, config) as run:
        assert run.repair_report.clean
        assert _valid_keys(run.paths.episodes) == [(f"i{n}", 0) for n in range(total)]
        assert run.summary().episodes == total
