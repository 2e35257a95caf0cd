"""``export_command`` (``ise export``): file or run directory in, one format out, filters from the command line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import typer
from tests.export.episodes import plain_episode
from typer.testing import CliRunner

from isetrace.cli.export import export_command, parse_terminations
from isetrace.errors import ConfigError, DataError
from isetrace.jsonl import append_jsonl
from isetrace.records import Termination


def app() -> typer.Typer:
    application = typer.Typer()
    application.command()(export_command)
    return application


def episodes_file(tmp_path: Path) -> Path:
    path = tmp_path / "run" / "episodes.jsonl"
    append_jsonl(path, [plain_episode("a"), plain_episode("b", Termination.STEP_LIMIT),
                        plain_episode("c", Termination.BUDGET)])
    with path.open("a") as handle:
        handle.write("{not json\n")
    return path


def test_exports_a_run_directory_with_filters_and_reports_skips(tmp_path: Path) -> None:
    source = episodes_file(tmp_path)
    out = tmp_path / "sg.jsonl"
    result = CliRunner().invoke(app(), [str(source.parent), "--out", str(out), "--format", "sharegpt",
                                        "--include", "all", "--exclude", "budget", "--exclude", "user_turn_limit"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and all(set(r) == {"conversations", "system", "tools"} for r in rows)
    assert f"{source}:4: not valid JSON" in result.output
    assert f"export sharegpt: 2 rows → {out} (left out 1: budget 1)" in result.output
    assert "by default" not in result.output  # the caller chose, so no note about the format's default


def test_a_training_format_keeps_only_success_by_default_and_says_why(tmp_path: Path) -> None:
    source = episodes_file(tmp_path)
    out = tmp_path / "sg.jsonl"
    result = CliRunner().invoke(app(), [str(source), "-o", str(out), "-f", "sharegpt"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 1
    assert f"export sharegpt: 1 rows → {out} (left out 2: budget 1, step_limit 1)" in result.output
    assert ("note: sharegpt is a training format and keeps only success episodes by default; "
            "--include all keeps every one") in result.output

    result = CliRunner().invoke(app(), [str(source), "-o", str(out), "-f", "sharegpt", "--include", "all"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 3
    assert f"export sharegpt: 3 rows → {out} (left out 0)" in result.output and "note:" not in result.output


def test_the_ise_format_keeps_every_episode_by_default(tmp_path: Path) -> None:
    source = episodes_file(tmp_path)
    out = tmp_path / "ise.jsonl"
    result = CliRunner().invoke(app(), [str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["metadata"]["termination"] for line in out.read_text().splitlines()] == [
        "success", "step_limit", "budget"]
    assert f"export ise-openai: 3 rows → {out} (left out 0)" in result.output and "note:" not in result.output


def test_include_accepts_repeats_and_commas_and_the_default_format_is_ise_openai(tmp_path: Path) -> None:
    source = episodes_file(tmp_path)
    out = tmp_path / "ise.jsonl"
    result = CliRunner().invoke(app(), [str(source), "-o", str(out), "--include", "success,step_limit"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["metadata"]["termination"] for line in out.read_text().splitlines()] == [
        "success", "step_limit"]


def test_bad_names_are_refused_with_the_known_ones(tmp_path: Path) -> None:
    source = episodes_file(tmp_path)
    result = CliRunner().invoke(app(), [str(source), "-o", str(tmp_path / "x"), "--include", "succes"])
    assert result.exit_code == 2 and "unknown termination 'succes'" in result.output
    result = CliRunner().invoke(app(), [str(source), "-o", str(tmp_path / "x"), "-f", "csv"])
    assert isinstance(result.exception, ConfigError) and "sharegpt" in str(result.exception)
    assert parse_terminations(None, "--include") is None
    assert parse_terminations(["SUCCESS", " budget , "], "--include") == {Termination.SUCCESS, Termination.BUDGET}
    assert parse_terminations(["all"], "--include") == set(Termination)


def test_a_missing_file_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app(), [str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 1 and "no episodes file" in result.output


def test_a_secret_stops_the_command_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = episodes_file(tmp_path)
    monkeypatch.setenv("EXPORT_TEST_SECRET_KEY", "notes.txt-is-secret")  # value in the tool output below
    with source.open("a") as handle:
        leak = plain_episode("leak").model_dump(mode="json")
        leak["messages"][3]["content"] = "exit code: 0\nnotes.txt-is-secret"
        handle.write(json.dumps(leak) + "\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app(), [str(source), "-o", str(out)])
    assert isinstance(result.exception, DataError)
    assert "episode leak" in str(result.exception) and "EXPORT_TEST_SECRET_KEY" in str(result.exception)
    assert not out.exists()


def test_verified_keeps_only_verified_work(tmp_path: Path) -> None:
    source = tmp_path / "episodes.jsonl"
    verified = plain_episode("v").model_copy(update={"verified": True, "verified_by": "checks"})
    source.write_text(verified.model_dump_json() + "\n" + plain_episode("u").model_dump_json() + "\n")
    out = tmp_path / "v.jsonl"
    result = CliRunner().invoke(app(), [str(source), "-o", str(out), "-f", "ise-openai", "--verified"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["session_id"] for line in out.read_text().splitlines()] == ["v"]
    assert f"export ise-openai: 1 rows → {out} (left out 1: not verified 1)" in result.output


def test_an_output_that_is_a_device_is_written_through_and_stays_a_device(tmp_path: Path) -> None:
    """``-o /dev/null`` discards: the export writes into the node and leaves it a device (it used to be
    replaced by a regular file; as root, the machine's own /dev/null would have been)."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD, which this test process lacks")
    source = episodes_file(tmp_path)
    for fmt in ("sharegpt", "hf"):
        result = CliRunner().invoke(app(), [str(source), "-o", str(node), "-f", fmt, "--include", "all"])
        assert result.exit_code == 0, result.output
        assert f"3 rows → {node}" in result.output
        assert stat.S_ISCHR(node.lstat().st_mode) and node.lstat().st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "run"]  # no temporary left beside it


def test_an_export_to_stdout_is_the_data_alone_and_the_summary_goes_to_stderr(tmp_path: Path) -> None:
    source = episodes_file(tmp_path)
    result = subprocess.run([sys.executable, "-m", "isetrace", "export", str(source), "-o", "/dev/stdout",
                             "-f", "openai-strict", "--include", "all"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3 and all(set(row) == {"messages", "tools"} for row in rows)
    assert "export openai-strict: 3 rows → /dev/stdout (left out 0)" in result.stderr


def test_a_parquet_export_streams_into_a_fifo(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    source = episodes_file(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = CliRunner().invoke(app(), [str(source), "-o", str(fifo), "-f", "hf", "--include", "all"])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert pq.read_table(pa.BufferReader(received[0])).num_rows == 3 and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_an_empty_source_leaves_an_existing_output_alone(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").touch()
    out = tmp_path / "out.jsonl"
    out.write_text("an earlier export\n")
    result = CliRunner().invoke(app(), [str(tmp_path / "empty.jsonl"), "-o", str(out)])
    assert result.exit_code == 1
    assert f"no episodes in {tmp_path / 'empty.jsonl'}; {out} was not written" in result.output
    assert out.read_text() == "an earlier export\n"
