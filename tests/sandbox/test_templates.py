"""Templates and session scratch space: names, copies, and the clean-up of sessions a crash left."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from isetrace.config import SandboxConfig
from isetrace.errors import ConfigError
from isetrace.sandbox import SandboxHome, open_sandbox


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
