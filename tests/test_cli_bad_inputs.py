"""Every ``ise`` command, given nothing, a missing input, an output it cannot write or an empty input: one
line that says what is wrong and a non-zero exit, never a traceback.

A few commands do their job on their defaults and exit 0 (:data:`RUN_ON_DEFAULTS`); the README says so.
Commands are run as a user runs them, in a subprocess, from an empty working directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from tests.export.episodes import plain_episode
from tests.importers.openclaw_logs import assistant, header, user, write_log
from tests.test_cli import _commands

from isetrace.cli import app
from isetrace.config import load_config
from isetrace.jsonl import append_jsonl
from isetrace.pipeline.rundir import RunDir

DATA = Path(__file__).parent / "data"

RUN_ON_DEFAULTS = {
    ("config", "show"): "prints the configuration the defaults resolve to",
    ("scripted-llm", "serve"): "serves on 127.0.0.1:8000 until interrupted (test_serve_with_no_arguments)",
    ("sandbox", "check"): "checks the configured sandbox backend",
    ("sandbox", "template", "list"): "lists the templates (none is a list too)",
}
"""Commands that, given no arguments, do their job on the defaults: exit 0 is theirs."""


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty working folder with the inputs the cases name: valid ones (so that the case is about the one
    bad thing), empty ones, and ``blocker``, a file where a folder should be (unwritable even for root)."""
    root = tmp_path_factory.mktemp("walk")
    (root / "blocker").write_text("a file, not a folder\n")
    (root / "empty.jsonl").touch()
    (root / "empty.yaml").touch()
    (root / "emptydir").mkdir()
    shutil.copy(DATA / "toy_intents.jsonl", root / "intents.jsonl")
    append_jsonl(root / "episodes.jsonl", [plain_episode("a"), plain_episode("b")])
    with RunDir.create(root / "run", load_config("offline", [])) as run:
        append_jsonl(run.paths.episodes, [plain_episode("a")])
    with RunDir.create(root / "emptyrun", load_config("offline", [])):
        pass
    write_log(root / "session.jsonl", header(), user("List the files."), assistant("There are none."))
    return root


def ise(place: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ISE_")}
    env.update(COLUMNS="200", ISE_SANDBOX__HOME=str(place / "home"))
    return subprocess.run([sys.executable, "-m", "isetrace", *args], capture_output=True, text=True, timeout=300,
                          cwd=place, env=env, stdin=subprocess.DEVNULL)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What the command said went wrong: its non-blank stderr lines, less click's usage reminder."""
    return [line for line in result.stderr.splitlines()
            if line.strip() and not line.startswith(("Usage: ", "Try '"))]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    words = " ".join(result.args[3:])
    assert "Traceback" not in result.stderr + result.stdout, f"ise {words}:\n{result.stderr}"
    assert result.returncode != 0, f"ise {words} exited 0:\n{result.stdout}{result.stderr}"
    lines = error_lines(result)
    assert len(lines) == 1, f"ise {words} said {len(lines)} lines:\n" + "\n".join(lines)
    for text in expected:
        assert text in lines[0], f"ise {words}: {lines[0]!r} does not say {text!r}"


COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS if path != ("scripted-llm", "serve")],
                         ids=lambda path: " ".join(path) or "ise")
def test_no_arguments(place: Path, path: tuple[str, ...]) -> None:
    command = dict(COMMANDS)[path]
    result = ise(place, *path)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    if hasattr(command, "commands"):  # a group given no command shows what it has, and fails
        assert result.returncode != 0 and "Commands" in result.stdout + result.stderr
    elif path in RUN_ON_DEFAULTS:
        assert result.returncode == 0 or len(error_lines(result)) >= 1, result.stderr
    else:
        assert_one_line_error(result)


MISSING = [
    (["export", "missing.jsonl", "-o", "out.jsonl"], "missing.jsonl"),
    (["stats", "missing.jsonl"], "missing.jsonl"),
    (["stats", "episodes.jsonl", "--intents", "missing.jsonl", "--embedder", "none"], "missing.jsonl"),
    (["verify", "missing"], "missing"),
    (["simulate", "--intents", "missing.jsonl", "--out", "out.jsonl", "--config", "offline"], "missing.jsonl"),
    (["intents", "render", "--in", "missing.jsonl", "--out", "out.jsonl", "--config", "offline"], "missing.jsonl"),
    (["intents", "dedup", "--in", "missing.jsonl", "--out", "out.jsonl"], "missing.jsonl"),
    (["intents", "stats", "--in", "missing.jsonl"], "missing.jsonl"),
    (["import", "openclaw", "missing.jsonl", "-o", "out.jsonl"], "missing.jsonl"),
    (["import", "openclaw", "session.jsonl", "--intents", "missing.jsonl", "-o", "out.jsonl"], "missing.jsonl"),
    (["sandbox", "template", "create", "name", "--from", "missing"], "missing"),
    (["run", "--resume", "missing"], "missing does not exist"),
    (["config", "show", "--config", "missing.yaml"], "missing.yaml"),
    (["intents", "sample", "--config", "missing.yaml", "--out", "out.jsonl"], "missing.yaml"),
]


@pytest.mark.parametrize(("args", "named"), MISSING, ids=lambda value: " ".join(value) if isinstance(value, list)
                         else None)
def test_a_missing_input(place: Path, args: list[str], named: str) -> None:
    assert_one_line_error(ise(place, *args), named)
    assert not (place / "out.jsonl").exists()


UNWRITABLE = [
    ["export", "episodes.jsonl", "-o", "blocker/out.jsonl"],
    ["export", "episodes.jsonl", "-o", "emptydir"],
    ["stats", "episodes.jsonl", "--embedder", "none", "--json", "blocker/out.json"],
    ["verify", "run", "-o", "blocker/out.jsonl"],
    ["simulate", "--intents", "intents.jsonl", "--out", "blocker/out.jsonl", "--config", "offline"],
    ["intents", "sample", "--out", "blocker/out.jsonl", "--config", "offline"],
    ["intents", "render", "--in", "intents.jsonl", "--out", "blocker/out.jsonl", "--config", "offline"],
    ["intents", "dedup", "--in", "intents.jsonl", "--out", "blocker/out.jsonl"],
    ["intents", "stats", "--in", "intents.jsonl", "--json", "blocker/out.json"],
    ["intents", "make", "--out-dir", "blocker/made", "--config", "offline"],
    ["import", "openclaw", "session.jsonl", "-o", "blocker/out.jsonl"],
    ["run", "--config", "offline", "-c", "run.dir=blocker/run"],
    ["sandbox", "template", "create", "name", "--from", "emptydir", "-c", "sandbox.home=blocker/home"],
]


@pytest.mark.parametrize("args", UNWRITABLE, ids=" ".join)
def test_an_output_that_cannot_be_written(place: Path, args: list[str]) -> None:
    assert_one_line_error(ise(place, *args), "blocker" if any("blocker" in arg for arg in args) else "emptydir")
    assert (place / "blocker").read_text() == "a file, not a folder\n" and not any((place / "emptydir").iterdir())


EMPTY = [
    (["export", "empty.jsonl", "-o", "out.jsonl"], "no episodes"),
    (["export", "emptyrun", "-o", "out.jsonl"], "no episodes"),
    (["stats", "empty.jsonl"], "no episodes"),
    (["verify", "emptyrun"], "no episodes"),
    (["simulate", "--intents", "empty.jsonl", "--out", "out.jsonl", "--config", "offline"], "no usable intents"),
    (["intents", "render", "--in", "empty.jsonl", "--out", "out.jsonl", "--config", "offline", "-q"], "no intents"),
    (["intents", "dedup", "--in", "empty.jsonl", "--out", "out.jsonl"], "no intents"),
    (["intents", "stats", "--in", "empty.jsonl"], "no rendered intents"),
    (["import", "openclaw", "empty.jsonl", "-o", "out.jsonl"], "no conversation"),
    (["import", "openclaw", "emptydir", "-o", "out.jsonl"], "no *.jsonl logs"),
    (["run", "--resume", "emptydir"], "not a run directory"),
]


@pytest.mark.parametrize(("args", "named"), EMPTY, ids=lambda value: " ".join(value) if isinstance(value, list)
                         else None)
def test_an_empty_input(place: Path, args: list[str], named: str) -> None:
    assert_one_line_error(ise(place, *args), named)
    assert not (place / "out.jsonl").exists()


def test_an_empty_config_file_is_the_defaults(place: Path) -> None:
    """The one empty input that is not an error: a config file with nothing in it sets nothing."""
    result = ise(place, "config", "show", "--config", "empty.yaml")
    assert result.returncode == 0 and "Traceback" not in result.stderr


def test_serve_with_no_arguments_serves_until_interrupted_or_says_why_it_cannot(place: Path) -> None:
    """A server's defaults: port 8000 on loopback. Taken (by something else on the machine, or by the test
    itself here), it is a one-line error; free, it serves until Ctrl-C and then exits 0."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_one_line_error(ise(place, "scripted-llm", "serve", "--port", str(port)), f"cannot listen on "
                              f"127.0.0.1:{port}: ")
    server = subprocess.Popen([sys.executable, "-m", "isetrace", "scripted-llm", "serve"], cwd=place, text=True,
                              stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    first = server.stderr.readline() if server.stderr else ""
    if "listening on" in first:
        server.send_signal(signal.SIGINT)
        _, rest = server.communicate(timeout=30)
        assert server.returncode == 0 and rest.strip() == "stopped", rest
    else:  # port 8000 is this machine's own business
        _, rest = server.communicate(timeout=30)
        assert server.returncode != 0 and "Traceback" not in first + rest
        assert first.startswith("error: cannot listen on 127.0.0.1:8000: ") and not rest.strip(), first + rest


BAD_NUMBERS = [
    ["intents", "sample", "--count", "0", "--out", "out.jsonl", "--config", "offline"],
    ["intents", "sample", "--count", "-3", "--out", "out.jsonl", "--config", "offline"],
    ["intents", "render", "--count", "0", "--out", "out.jsonl", "--config", "offline"],
    ["intents", "make", "--count", "0", "--out-dir", "made", "--config", "offline"],
    ["export", "episodes.jsonl", "-o", "out.jsonl", "--workers", "0"],
    ["import", "openclaw", "session.jsonl", "-o", "out.jsonl", "--intents-per-session", "0"],
    ["scripted-llm", "serve", "--port", "-1"],
    ["scripted-llm", "serve", "--port", "70000"],
    ["scripted-llm", "serve", "--latency-ms", "-5"],
    ["sandbox", "run", "--timeout", "0", "--", "true"],
    ["sandbox", "run", "--timeout", "-1", "--", "true"],
    ["sandbox", "run", "--timeout", "inf", "--", "true"],
]


@pytest.mark.parametrize("args", BAD_NUMBERS, ids=" ".join)
def test_a_count_or_size_that_makes_no_sense(place: Path, args: list[str]) -> None:
    option = next(arg for arg in args if arg.startswith("--") and arg not in ("--out", "--out-dir", "--config", "--"))
    assert_one_line_error(ise(place, *args), f"Invalid value for '{option}'")
    assert not (place / "out.jsonl").exists() and not (place / "made").exists()


def test_a_setting_that_makes_no_sense_names_itself(place: Path) -> None:
    result = ise(place, "intents", "sample", "--out", "out.jsonl", "--config", "offline", "-c", "intents.count=0")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "intents.count: Input should be greater than or equal to 1 [from -c intents.count=0]" in result.stderr
