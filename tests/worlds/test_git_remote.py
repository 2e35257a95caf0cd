"""The git world: a seeded remote served over smart HTTP on the host, cloned, pushed to and pulled from with
the real git, the way an agent in a session would — and what the checks then read back from it."""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from isetrace.worlds import git_remote
from isetrace.worlds.base import noted
from isetrace.worlds.git_remote import GitWorld, GitWorldError
from isetrace.worlds.seed import CommitSeed, RepoSeed

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed on this host")

NOBODY = 65534

SHOP = RepoSeed(name="shop", description="Stock scripts", branches={"release": 0}, commits=[
    CommitSeed(message="Initial import", files={"README.md": "# shop\n", "stock.py": "def total(rows):\n    return 0\n",
                                                "docs/notes.txt": "to do: count\n"}),
    CommitSeed(message="Count the stock", author="Tomás Ferreira <tomas@office.test>",
               files={"stock.py": "def total(rows):\n    return sum(rows)\n", "docs/notes.txt": None}),
])


@asynccontextmanager
async def served(world: GitWorld, *, auto_decompress: bool = True) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """The world behind a real server on the host's loopback, and what it noted about each call."""
    calls: list[dict[str, Any]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        response = await world.handle(request)
        calls.append({"method": request.method, "path": request.path, "status": response.status, **noted(request)})
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, auto_decompress=auto_decompress)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}", calls
    finally:
        await runner.cleanup()
        await world.close()


async def git(home: Path, *args: str, cwd: Path | None = None, ok: bool = True) -> str:
    """The real git client, with no configuration but its identity; stdout and stderr together."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_TERMINAL_PROMPT": "0", "GIT_AUTHOR_NAME": "Agent", "GIT_AUTHOR_EMAIL": "agent@example.org",
           "GIT_COMMITTER_NAME": "Agent", "GIT_COMMITTER_EMAIL": "agent@example.org"}
    process = await asyncio.create_subprocess_exec("git", *args, cwd=cwd or home, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert (process.returncode == 0) == ok, out.decode()
    return out.decode().strip()


async def test_an_agent_clones_pushes_a_branch_and_pulls_what_another_pushed(tmp_path: Path) -> None:
    world = GitWorld(tmp_path / "remotes", [SHOP])
    assert world.answers("git.test") and not world.answers("office.test")
    assert not (tmp_path / "remotes").exists()  # built on the first request
    async with served(world) as (url, calls):
        await git(tmp_path, "clone", f"{url}/shop.git", "one")
        one = tmp_path / "one"
        assert (one / "stock.py").read_text() == "def total(rows):\n    return sum(rows)\n"
        assert (one / "README.md").read_text() == "# shop\n" and not (one / "docs").exists()
        assert await git(tmp_path, "log", "--format=%an <%ae> %aI %cI %s", cwd=one) == (
            "Tomás Ferreira <tomas@office.test> 2026-11-01T10:00:00+00:00 2026-11-01T10:00:00+00:00 Count the stock\n"
            "Dana Reyes <dana@example.org> 2026-11-01T09:00:00+00:00 2026-11-01T09:00:00+00:00 Initial import")
        seeded = await world.refs("shop")
        assert set(seeded) == {"main", "release"}
        assert seeded["main"] == await git(tmp_path, "rev-parse", "HEAD", cwd=one)
        again = GitWorld(tmp_path / "again", [SHOP])
        await again.build()
        assert await again.refs("shop") == seeded  # the same seed, the same hashes

        await git(tmp_path, "switch", "-c", "fix/total", cwd=one)
        (one / "stock.py").write_text("def total(rows):\n    return sum(r['qty'] for r in rows)\n")
        await git(tmp_path, "commit", "-qam", "Sum the quantities", cwd=one)
        await git(tmp_path, "push", "-q", "origin", "fix/total", cwd=one)
        fix = await git(tmp_path, "rev-parse", "HEAD", cwd=one)
        assert await world.refs("shop") == {**seeded, "fix/total": fix}
        assert [(c["repo"], c["refs"]) for c in calls if c.get("pushed")] == [("shop", {"refs/heads/fix/total": fix})]
        assert any(c.get("fetched") and c["repo"] == "shop" for c in calls)
        assert await world.commit_messages("shop", "fix/total") == ["Sum the quantities", "Count the stock",
                                                                     "Initial import"]
        assert await world.commit_messages("shop", "fix/total", limit=1) == ["Sum the quantities"]
        assert await world.file_at("shop", "fix/total", "stock.py") == (one / "stock.py").read_bytes()
        assert await world.file_at("shop", "release", "docs/notes.txt") == b"to do: count\n"
        assert await world.file_at("shop", "release", "docs/notes.txt", max_bytes=5) == b"to do"
        assert await world.file_at("shop", "main", "docs/notes.txt") is None
        assert await world.file_at("shop", "main", "../shop.git/config") is None
        assert await world.commit_messages("shop", "no-such-branch") == [] and await world.refs("nowhere") == {}

        await git(tmp_path, "clone", "-q", f"{url}/shop", "two")  # without .git, as the big forges allow
        two = tmp_path / "two"
        (two / "CHANGES.md").write_text("- count the stock\n")
        await git(tmp_path, "add", "CHANGES.md", cwd=two)
        await git(tmp_path, "commit", "-qm", "Note the change", cwd=two)
        await git(tmp_path, "push", "-q", cwd=two)
        await git(tmp_path, "switch", "-q", "main", cwd=one)
        await git(tmp_path, "pull", "-q", "--ff-only", cwd=one)
        assert (one / "CHANGES.md").read_text() == "- count the stock\n"
        main = await git(tmp_path, "rev-parse", "HEAD", cwd=two)
        assert (await world.refs("shop"))["main"] == main == await git(tmp_path, "rev-parse", "HEAD", cwd=one)
        assert [c["refs"] for c in calls if c.get("pushed")][-1] == {"refs/heads/main": main}

        await git(tmp_path, "push", "-q", "origin", "--delete", "fix/total", cwd=one)
        assert [c["refs"] for c in calls if c.get("pushed")][-1] == {"refs/heads/fix/total": "0" * 40}
        assert "fix/total" not in await world.refs("shop")


async def test_what_is_not_a_served_repository_is_not_found(tmp_path: Path) -> None:
    async with served(GitWorld(tmp_path / "remotes", [SHOP])) as (url, calls):
        await git(tmp_path, "init", "-q", "-b", "main", "lone")
        await git(tmp_path, "commit", "-q", "--allow-empty", "-m", "alone", cwd=tmp_path / "lone")
        refused = await git(tmp_path, "push", f"{url}/nowhere.git", "main", cwd=tmp_path / "lone", ok=False)
        assert "not found" in refused
        async with aiohttp.ClientSession() as http:
            for path in ("/etc/passwd", "/shop.git/../../etc/passwd", "/shop.git/HEAD", "/shop.git/config",
                         "/shop.git/info/refs", "/shop.git/info/refs?service=git-upload-archive",
                         "/..%2F..%2Fetc.git/info/refs?service=git-upload-pack", "/.git/info/refs?service=x",
                         "/nowhere.git/info/refs?service=git-upload-pack"):
                async with http.get(URL(url + path, encoded=True)) as response:
                    assert response.status == 404, path
            async with http.get(f"{url}/shop.git/git-upload-pack") as response:
                assert response.status == 405
            async with http.get(f"{url}/") as response:
                assert "shop  http://git.test/shop.git  Stock scripts" in await response.text()
    assert not any(c.get("pushed") or c.get("fetched") for c in calls)


@pytest.mark.parametrize("auto_decompress", [True, False], ids=["inflated-by-aiohttp", "inflated-by-git"])
async def test_a_gzipped_fetch_negotiation_is_answered(tmp_path: Path, auto_decompress: bool) -> None:
    """git gzips long negotiations; whether the server in front inflated the body or not, the backend reads it."""
    world = GitWorld(tmp_path / "remotes", [SHOP])
    head = (await world.refs("shop"))["main"]
    wants = b"0032want %s\n00000009done\n" % head.encode()  # pkt-lines: a want, a flush, done
    headers = {"Content-Type": "application/x-git-upload-pack-request", "Content-Encoding": "gzip"}
    async with (served(world, auto_decompress=auto_decompress) as (url, calls), aiohttp.ClientSession() as http,
                http.post(f"{url}/shop.git/git-upload-pack", data=gzip.compress(wants), headers=headers) as response):
        assert response.status == 200 and b"NAK\nPACK" in await response.read()
    assert calls[-1]["fetched"] and calls[-1]["repo"] == "shop"


async def test_a_push_beyond_the_size_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def chunked() -> AsyncIterator[bytes]:
        for _ in range(11):
            yield b"0" * 100

    monkeypatch.setattr(git_remote, "MAX_REQUEST_BYTES", 1000)
    async with served(GitWorld(tmp_path / "remotes", [SHOP])) as (url, calls), aiohttp.ClientSession() as http:
        for body in (b"0" * 1001, chunked()):  # with a length, and without
            async with http.post(f"{url}/shop.git/git-receive-pack", data=body) as response:
                assert response.status == 413
    assert [c["refs"] for c in calls] == [{}, {}]


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "src/../../x", ".git/config", "src/.GIT/hooks/pre-commit",
                                  ".git./config", "GIT~1/config"])
def test_a_seed_path_outside_the_work_tree_is_refused_before_anything_is_written(tmp_path: Path, path: str) -> None:
    seed = RepoSeed(name="shop", commits=[CommitSeed(message="Add", files={"ok.txt": "fine", path: "escaped"})])
    with pytest.raises(ValueError, match=rf"repository 'shop', commit 0: the path {re.escape(repr(path))}"):
        GitWorld(tmp_path / "remotes", [seed])
    assert not (tmp_path / "remotes").exists()


def test_a_branch_must_name_an_existing_commit(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="branch 'old' is at commit 2, but there are 2"):
        GitWorld(tmp_path, [SHOP.model_copy(update={"branches": {"old": 2}})])
    with pytest.raises(ValueError, match="seeded twice"):
        GitWorld(tmp_path, [SHOP, SHOP])


async def test_a_folder_where_a_file_was_replaces_it_and_the_reverse(tmp_path: Path) -> None:
    seed = RepoSeed(name="swap", commits=[CommitSeed(message="a file", files={"docs": "flat\n"}),
                                          CommitSeed(message="a folder", files={"docs/index.md": "deep\n"}),
                                          CommitSeed(message="a file again", files={"docs": "flat again\n"}),
                                          CommitSeed(message="nothing", files={"docs/gone.md": None})])
    world = GitWorld(tmp_path / "remotes", [seed])
    assert await world.file_at("swap", "main", "docs") == b"flat again\n"
    assert await world.commit_messages("swap", "main") == ["nothing", "a file again", "a folder", "a file"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_a_backend_that_hangs_is_killed_with_the_git_it_started(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Before its headers the client gets a 504; after them a response cut short (which git refuses)."""
    world = GitWorld(tmp_path / "remotes", [SHOP])
    await world.build()
    hang = tmp_path / "hang.sh"
    hang.write_text(f"#!/bin/sh\nsleep 30 &\necho $! > {tmp_path}/sleeper-$$\n"
                    "case \"$PATH_INFO\" in */info/refs) printf 'Content-Type: text/plain\\r\\n\\r\\nstart';; esac\n"
                    "wait\n")
    hang.chmod(0o755)
    monkeypatch.setattr(world, "_backend", str(hang))
    monkeypatch.setattr(git_remote, "REQUEST_TIMEOUT_S", 0.5)
    async with served(world) as (url, _), aiohttp.ClientSession() as http:
        async with http.post(f"{url}/shop.git/git-upload-pack", data=b"0000") as response:
            assert response.status == 504
        async with http.get(f"{url}/shop.git/info/refs?service=git-upload-pack") as response:
            assert response.status == 200 and await response.read() == b"start"
    sleepers = [int(path.read_text()) for path in tmp_path.glob("sleeper-*")]
    assert len(sleepers) == 2
    for _ in range(100):
        if not any(_alive(pid) for pid in sleepers):
            break
        await asyncio.sleep(0.02)
    assert not any(_alive(pid) for pid in sleepers)


@pytest.mark.skipif(os.geteuid() != 0, reason="handing the repositories to another uid needs root")
async def test_as_root_the_remote_belongs_to_the_unprivileged_uid(tmp_path: Path, sandbox_home: Path) -> None:
    root = Path(tempfile.mkdtemp(prefix="git-", dir=sandbox_home)) / "remotes"
    try:
        with pytest.raises(GitWorldError, match="cannot traverse"):  # mkdtemp makes it 0700
            await GitWorld(root, [SHOP], run_as=NOBODY).build()
        root.parent.chmod(0o755)
        async with served(GitWorld(root, [SHOP], run_as=NOBODY)) as (url, calls):
            await git(tmp_path, "clone", "-q", f"{url}/shop.git", "one")
            (tmp_path / "one" / "new.txt").write_text("new\n")
            await git(tmp_path, "add", "new.txt", cwd=tmp_path / "one")
            await git(tmp_path, "commit", "-qm", "Add a file", cwd=tmp_path / "one")
            await git(tmp_path, "push", "-q", cwd=tmp_path / "one")
        assert calls[-1]["pushed"] and list(calls[-1]["refs"]) == ["refs/heads/main"]
        owners = {path.stat().st_uid for path in (root / "shop.git").rglob("*")}
        assert owners == {NOBODY}  # what the build wrote and what the push added
    finally:
        shutil.rmtree(root.parent)
