"""``ise sandbox …`` as a user runs it: a command's output and exit code pass through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.sandbox.backends import needs_bwrap


def ise(home: Path, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    """``ise sandbox ARGS`` in a child process, on the sandbox home ``home``."""
    env = {**os.environ, "ISE_SANDBOX__HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "isetrace", "sandbox", *args], capture_output=True, text=True,
                          env=env, timeout=timeout_s)


@needs_bwrap
def test_run_passes_output_and_exit_code_through(sandbox_home: Path) -> None:
    result = ise(sandbox_home, "run", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (result.returncode, result.stdout, result.stderr) == (3, "out\n", "err\n")
    timed = ise(sandbox_home, "run", "--timeout", "1", "--", "sleep", "30")
    assert timed.returncode == 124 and "timed out" in timed.stderr
    offline = ise(sandbox_home, "run", "--network", "off", "--", "python3", "-c",
                  "import socket; socket.create_connection(('127.0.0.1', 9), timeout=2)")
    assert offline.returncode == 1 and ("refused" in offline.stderr or "unreachable" in offline.stderr)


@needs_bwrap
def test_templates_are_created_listed_used_and_removed(sandbox_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "data").mkdir(parents=True)
    (source / "data" / "rows.csv").write_text("a,b\n1,2\n")
    created = ise(sandbox_home, "template", "create", "cli-test", "--from", str(source), "--replace")
    assert created.returncode == 0, created.stderr
    assert "cli-test" in ise(sandbox_home, "template", "list").stdout
    used = ise(sandbox_home, "run", "--template", "cli-test", "--", "cat", "data/rows.csv")
    assert used.stdout == "a,b\n1,2\n"
    again = ise(sandbox_home, "template", "create", "cli-test", "--from", str(source))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert ise(sandbox_home, "template", "remove", "cli-test").returncode == 0
    missing = ise(sandbox_home, "run", "--template", "cli-test", "--", "true")
    assert missing.returncode == 2 and "unknown sandbox template 'cli-test'" in missing.stderr


def test_check_runs_the_conformance_suite(sandbox_home: Path) -> None:
    result = ise(sandbox_home, "check", "--backend", "local")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "local: 12 passed, 0 failed" in result.stdout and "isolates nothing" in result.stderr


@needs_bwrap
def test_check_names_each_limit_this_machine_does_not_enforce(sandbox_home: Path) -> None:
    from isetrace.sandbox.cgroups import cgroup_problem

    result = ise(sandbox_home, "check", "--backend", "bwrap")
    assert result.returncode == 0, result.stdout + result.stderr  # warnings never fail the check
    assert "bwrap: 12 passed, 0 failed" in result.stdout and "enforced here:" in result.stdout
    assert "disk: the workspace, /tmp, /run, /home and /dev/shm share one tmpfs" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    memory = [line for line in warnings if line.startswith("warning: session memory limit not enforced: ")]
    problem = cgroup_problem()
    if problem is None:
        assert not memory and "session cgroup (v2)" in result.stdout
    else:
        assert memory == [f"warning: session memory limit not enforced: {problem}; each process is limited to "
                          "memory_mb by RLIMIT_AS, but the session as a whole is not"]
    shared = [line for line in warnings if line.startswith("warning: sessions share a host uid: ")]
    assert bool(shared) == (os.geteuid() != 0), warnings  # as root each session has its own uid
    system_v = [line for line in warnings if line.startswith("warning: System V IPC limits not enforced: ")]
    cpu = [line for line in warnings if line.startswith("warning: session CPU time not bounded as a whole: ")]
    assert len(cpu) == 1  # nothing here caps a session's CPU as a whole, and the check says so
    assert len(warnings) == len(memory) + len(shared) + len(system_v) + len(cpu)  # one line per missing limit


def test_unknown_backend_is_named() -> None:
    result = subprocess.run([sys.executable, "-m", "isetrace", "sandbox", "run", "--backend", "chroot", "--", "true"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown backend 'chroot'" in result.stderr
