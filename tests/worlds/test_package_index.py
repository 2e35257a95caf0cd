"""The package world: a PEP 503 tree from a wheelhouse, served on a session's loopback, used by pip there."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from tests.sandbox.backends import needs_bwrap
from tests.worlds.sessions import world_config, world_session

from isetrace import run_pipeline
from isetrace.config import load_config
from isetrace.errors import ConfigError, SandboxUnavailable
from isetrace.worlds.package_index import build_simple_index
from isetrace.worlds.sessions import package_index_dir

WHEELHOUSE = Path(__file__).resolve().parents[2] / ".venv" / "wheelhouse"


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    """The wheelhouse ``make install`` fetches, with pip for the sessions' python3; CI must have both."""
    problem = None
    if not any(WHEELHOUSE.glob("*.whl")):
        problem = f"no wheels in {WHEELHOUSE}: make wheelhouse"
    elif subprocess.run(["/usr/bin/python3", "-m", "pip", "--version"], capture_output=True).returncode != 0:
        problem = "the sessions' python3 has no pip (python3-pip)"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the package world must be tested in CI: {problem}")
        pytest.skip(problem)
    return WHEELHOUSE


def _wheel(folder: Path, name: str, version: str, requires_python: str | None = None) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        if requires_python:
            metadata += f"Requires-Python: {requires_python}\n"
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return path


def test_the_tree_lists_every_project_with_hashes_and_python_bounds(tmp_path: Path) -> None:
    house = tmp_path / "house"
    house.mkdir()
    first = _wheel(house, "Typing_Extensions", "4.1.0", ">=3.8")
    _wheel(house, "Typing_Extensions", "4.2.0")
    _wheel(house, "six", "1.17.0")
    (house / "notes.txt").write_text("not a wheel")
    projects = build_simple_index(house, tmp_path / "index")
    assert projects == ["six", "typing-extensions"]
    root = (tmp_path / "index" / "simple" / "index.html").read_text()
    assert '<a href="six/">six</a>' in root and '<a href="typing-extensions/">' in root
    page = (tmp_path / "index" / "simple" / "typing-extensions" / "index.html").read_text()
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert f'href="../../files/{first.name}#sha256={digest}" data-requires-python="&gt;=3.8"' in page
    assert len(re.findall(r"<a ", page)) == 2
    assert (tmp_path / "index" / "files" / first.name).read_bytes() == first.read_bytes()


def test_an_empty_wheelhouse_says_how_to_fill_it(tmp_path: Path) -> None:
    with pytest.raises(SandboxUnavailable, match="make wheelhouse"):
        build_simple_index(tmp_path, tmp_path / "index")


@needs_bwrap
async def test_pip_installs_offline_in_the_session_that_serves_it_and_nowhere_else(wheelhouse: Path,
                                                                                    sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.packages=true", f"worlds.wheelhouse={wheelhouse}")
    async with world_session(config) as (box, host), world_session(config, episode="ep-2") as (other, _):
        installed = await box.run(["python3", "-m", "pip", "install", "--user", "requests"], timeout_s=120)
        assert installed.exit_code == 0, installed.stderr.decode(errors="replace")
        used = await box.run(["python3", "-c", "import requests, urllib3; print(requests.__version__)"], timeout_s=30)
        assert used.exit_code == 0 and re.match(rb"\d+\.\d+", used.stdout), used.stderr
        missing = await box.run(["python3", "-m", "pip", "install", "--user", "no-such-project-here"], timeout_s=60)
        assert missing.exit_code != 0 and b"No matching distribution" in missing.stderr
        downloaded = {entry.detail.get("project") for entry in host.audit if entry.world == "packages"}
        assert {"requests", "urllib3"} <= downloaded  # the host logged what the session fetched
        probe = "import urllib.request; urllib.request.urlopen('http://pypi.test/simple/', timeout=2)"
        logged = len(host.audit)
        assert (await other.run(["python3", "-c", probe], timeout_s=10)).exit_code == 0  # its own index…
        assert len(host.audit) == logged  # …not the first session's
        assert subprocess.run(["python3", "-c", probe], capture_output=True).returncode != 0  # the host has none


def test_a_package_world_without_wheels_is_refused_before_the_first_episode(tmp_path: Path,
                                                                           sandbox_home: Path) -> None:
    config = load_config("offline", [f"sandbox.home={sandbox_home}", "worlds.packages=true",
                                     f"worlds.wheelhouse={tmp_path / 'empty'}", "intents.count=1"], environ={})
    with pytest.raises(ConfigError, match="make wheelhouse"):
        run_pipeline(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_the_index_is_built_once_per_wheelhouse(wheelhouse: Path, sandbox_home: Path) -> None:
    config = world_config(sandbox_home, "worlds.packages=true", f"worlds.wheelhouse={wheelhouse}")
    index = package_index_dir(config)
    assert package_index_dir(config) == index and (index / "simple" / "requests" / "index.html").is_file()
