"""Templates and session scratch space: names, copies, and the clean-up of sessions a crash left."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.sandbox.backends import BWRAP_PROBLEM

from isetrace.config import SandboxConfig
from isetrace.errors import ConfigError
from isetrace.sandbox import SandboxHome, open_sandbox
from isetrace.sandbox.supervised import SUPERVISOR_FILES, supervisor_sources


def test_template_names_and_sources_are_checked(tmp_path: Path) -> None:
    home = SandboxHome(tmp_path / "home")
    with pytest.raises(ConfigError, match="must be letters"):
        home.create_template("../evil", None)
    with pytest.raises(ConfigError, match="not a directory"):
        home.create_template("t", tmp_path / "missing")
    with pytest.raises(ConfigError, match="unknown sandbox template 'nope'"):
        home.template("nope")
    assert home.template("default").is_dir() and home.list_templates() == ["default"]


def test_a_template_is_a_readable_copy(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "private.txt").write_text("x")
    (source / "private.txt").chmod(0o600)
    (source / "link").symlink_to("private.txt")
    path = SandboxHome(tmp_path / "home").create_template("t", source)
    assert (path / "private.txt").stat().st_mode & 0o444 == 0o444  # the sandbox user must read it
    assert (path / "link").is_symlink() and os.readlink(path / "link") == "private.txt"
    assert (source / "private.txt").stat().st_mode & 0o777 == 0o600  # the source is left alone


async def test_sessions_left_by_a_crash_are_removed_at_the_next_start(sandbox_home: Path) -> None:
    home = SandboxHome(sandbox_home)
    dead = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True).stdout.strip()
    stale, _ = home.new_session()
    (home.sessions / stale / ".owner").write_text(dead)
    (home.sessions / stale / "leftover").write_text("x")
    live, _ = home.new_session()  # owned by this process, which is alive
    box = await open_sandbox(SandboxConfig(backend="local", home=str(sandbox_home)), home)
    await box.close()
    assert not (home.sessions / stale).exists()
    assert (home.sessions / live).exists()
    assert not (home.sessions / box.info.session_id).exists()  # close removed its own


def test_a_session_not_yet_marked_by_its_owner_is_left_alone_for_a_while(sandbox_home: Path) -> None:
    home = SandboxHome(sandbox_home)
    fresh, _ = home.new_session()
    old, _ = home.new_session()
    for session in (fresh, old):
        (home.sessions / session / ".owner").unlink()  # as another process sees it before marking it
    hour_ago = time.time() - 3600
    os.utime(home.sessions / old, (hour_ago, hour_ago))
    assert home.clean_stale_sessions() == [old]
    assert (home.sessions / fresh).exists()


async def test_closing_a_session_never_touches_what_its_links_point_at(sandbox_home: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "inner").mkdir(parents=True)
    outside.chmod(0o755)
    box = await open_sandbox(SandboxConfig(backend="local", home=str(sandbox_home)), SandboxHome(sandbox_home))
    try:
        await box.run(f"mkdir -p d && chmod 500 d && ln -s {outside} link && ln -s {outside} d/link2")
    finally:
        await box.close()
    assert outside.stat().st_mode & 0o777 == 0o755 and (outside / "inner").is_dir()
    assert not Path(box.info.details["scratch"]).exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="template views are mounted only when running as root")
async def test_a_template_view_left_by_a_crash_is_unmounted_before_its_session_is_removed(sandbox_home: Path) -> None:
    from isetrace.sandbox.uids import TEMPLATE_UID, claim_identity

    home = SandboxHome(sandbox_home)
    template = home.create_template("view-test", None, replace=True)
    (template / "keep.txt").write_text("kept")
    session, scratch = home.new_session()
    identity = await claim_identity(template, scratch)  # as a session start does, which then crashed
    try:
        view = scratch / identity.lowerdir
        assert f" {view} " in Path("/proc/self/mountinfo").read_text()
        assert view.stat().st_uid == identity.uid != TEMPLATE_UID  # the template, as the session's own
        with pytest.raises(OSError):
            (view / "new.txt").write_text("x")  # read-only: nothing reaches the template through it
        dead = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True).stdout.strip()
        (scratch / ".owner").write_text(dead)
        assert session in home.clean_stale_sessions()
    finally:
        identity.release()
    assert not scratch.exists() and str(scratch) not in Path("/proc/self/mountinfo").read_text()
    assert (template / "keep.txt").read_text() == "kept" and template.stat().st_uid == TEMPLATE_UID


@pytest.mark.skipif(os.geteuid() != 0, reason="only the unprivileged sandbox users of a root run need to reach it")
async def test_a_home_the_session_uids_cannot_reach_is_named_with_them(tmp_path: Path) -> None:
    from isetrace.errors import SandboxUnavailable
    from isetrace.sandbox.uids import SESSION_UIDS

    if BWRAP_PROBLEM:
        pytest.skip(f"bubblewrap cannot run here: {BWRAP_PROBLEM}")
    hidden = tmp_path / "private"
    (hidden / "home").mkdir(parents=True)
    hidden.chmod(0o700)
    config = SandboxConfig(backend="bwrap", home=str(hidden / "home"))
    with pytest.raises(SandboxUnavailable) as refused:
        await open_sandbox(config, SandboxHome(hidden / "home"))
    message = str(refused.value)
    assert f"uids {SESSION_UIDS.start}–{SESSION_UIDS.stop - 1}" in message
    assert f"{hidden} is not searchable by others (mode 700)" in message


def test_the_supervisor_is_copied_and_compiled_for_the_sandbox_interpreter(tmp_path: Path) -> None:
    home = SandboxHome(tmp_path / "home")
    plain = home.supervisor_scripts(supervisor_sources())
    compiled = home.supervisor_scripts(supervisor_sources(), compiled_for=sys.executable)
    assert sorted(path.name for path in plain.iterdir()) == sorted(SUPERVISOR_FILES)
    assert sorted(path.name for path in compiled.iterdir()) == sorted([*SUPERVISOR_FILES,
                                                                        *(f"{name}c" for name in SUPERVISOR_FILES)])
    assert compiled != plain  # the interpreter is part of the name: new bytecode for a new interpreter
    assert home.supervisor_scripts(supervisor_sources(), compiled_for=sys.executable) == compiled
    for path in compiled.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644
    # the compiled supervisor runs by itself, its sibling imported from beside it, and answers a ping
    request = marshal.dumps({"id": 1, "op": "ping"})
    config = marshal.dumps({"workspace": str(tmp_path), "env": {}, "limits": {}}).hex()
    answer = subprocess.run([sys.executable, "-I", "-S", str(compiled / f"{SUPERVISOR_FILES[0]}c"), config],
                            input=len(request).to_bytes(4, "big") + request, capture_output=True, timeout=30)
    assert b'"ok":true' in answer.stdout and b'"workspace":' in answer.stdout, answer
