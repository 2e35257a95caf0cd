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

from isetrace import run_pipeline
from isetrace.config import SandboxConfig, load_config
from isetrace.errors import ConfigError, SandboxUnavailable
from isetrace.sandbox import SandboxHome, SessionOpener, open_sandbox
from isetrace.worlds.package_index import INDEX_MOUNT, INDEX_PORT, build_simple_index, start_package_index
from isetrace.worlds.sessions import package_index_dir, session_sandbox_config, start_worlds

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
    index = sandbox_home / "package-index"  # the sandbox user must traverse it: pytest's tmp is 0700
    build_simple_index(wheelhouse, index)
    config = SandboxConfig.model_validate({"backend": "bwrap", "network": False,
                                           "mounts": [{"source": str(index), "target": INDEX_MOUNT}]})
    home = SandboxHome(sandbox_home)
    box, other = await open_sandbox(config, home), await open_sandbox(config, home)
    try:
        await start_package_index(box, wait=True)
        installed = await box.run(["python3", "-m", "pip", "install", "--user", "requests"], timeout_s=120)
        assert installed.exit_code == 0, installed.stderr.decode(errors="replace")
        used = await box.run(["python3", "-c", "import requests, urllib3; print(requests.__version__)"], timeout_s=30)
        assert used.exit_code == 0 and re.match(rb"\d+\.\d+", used.stdout), used.stderr
        missing = await box.run(["python3", "-m", "pip", "install", "--user", "no-such-project-here"], timeout_s=60)
        assert missing.exit_code != 0 and b"No matching distribution" in missing.stderr
        probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{INDEX_PORT}/simple/', timeout=2)"
        assert (await other.run(["python3", "-c", probe], timeout_s=10)).exit_code != 0  # its own loopback
        assert subprocess.run(["python3", "-c", probe], capture_output=True).returncode != 0  # nor the host's
        tampered = await box.run(["sh", "-c", f"touch {INDEX_MOUNT}/simple/x"], timeout_s=10)
        assert tampered.exit_code != 0  # the index is read-only
    finally:
        await box.close()
        await other.close()


def test_a_package_world_without_wheels_is_refused_before_the_first_episode(tmp_path: Path,
                                                                           sandbox_home: Path) -> None:
    config = load_config("offline", [f"sandbox.home={sandbox_home}", "worlds.packages=true",
                                     f"worlds.wheelhouse={tmp_path / 'empty'}", "intents.count=1"], environ={})
    with pytest.raises(ConfigError, match="make wheelhouse"):
        run_pipeline(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()


@needs_bwrap
async def test_every_session_of_a_run_with_the_package_world_serves_the_index(wheelhouse: Path,
                                                                               sandbox_home: Path) -> None:
    """What each episode does when it opens a session: the mount from the config, the index started."""
    config = load_config("offline", [f"sandbox.home={sandbox_home}", "sandbox.backend=bwrap", "worlds.packages=true",
                                     f"worlds.wheelhouse={wheelhouse}"], environ={})
    index = package_index_dir(config)
    assert package_index_dir(config) == index and (index / "simple" / "requests" / "index.html").is_file()
    async with SessionOpener(session_sandbox_config(config)) as opener:
        box = await opener()
        try:
            await start_worlds(box, config)
            listed = await box.run(["python3", "-m", "pip", "index", "versions", "requests"], timeout_s=60)
            assert listed.exit_code == 0 and b"requests" in listed.stdout, listed.stderr
        finally:
            await box.close()
