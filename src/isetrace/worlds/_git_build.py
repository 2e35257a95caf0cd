"""Building the git world's bare repositories from their seeds, and running git on the host within bounds.

:mod:`isetrace.worlds.git_remote` serves the repositories and reads them back for the checks; what it serves
is made here, apart, so each module reads on its own. A :class:`~isetrace.worlds.seed.RepoSeed` is checked
up front (:func:`check_seed`: a strict repository name, branch names git accepts, paths that stay inside the
work tree) and built by :func:`build_repo` commit by commit in a scratch work tree, with fixed identities
and dates from :data:`FIRST_COMMIT_TIME` on, so the same seed always gives the same commit hashes. When the
host runs as root the finished repository is handed to ``run_as``.

:class:`GitRunner` is how both modules start git: no shell, no system or user configuration
(:func:`base_env`), a process group of its own so a kill takes its children too, a time bound, output cut at
a limit, and — for everything after the build — the unprivileged ``run_as`` instead of root. It remembers the
processes it started so that closing the world can stop them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from isetrace.errors import IseError
from isetrace.worlds.seed import CommitSeed, RepoSeed, WorldSeedError

__all__ = ["CHUNK", "FIRST_COMMIT_TIME", "GIT_TIMEOUT_S", "MAX_GIT_OUTPUT", "GitRunner", "GitWorldError", "base_env",
           "branch_ok", "build_repo", "check_seed", "check_traversable", "collect", "feed", "kill", "seed_path"]

FIRST_COMMIT_TIME = 1_793_523_600
"""2026-11-01T09:00:00Z, the date of a seed's first commit; each later commit is one hour later."""
GIT_TIMEOUT_S = 30.0
"""The longest one git run for the build or a check may take."""
MAX_GIT_OUTPUT = 1 << 20
"""The most output of one such run that is kept by default."""
CHUNK = 1 << 16
"""The size of the reads and writes on a process's pipes and a request's body."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_BRANCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+@-]{0,250}$")
_AUTHOR = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^<>]*)>\s*$")
_IDENT_CRUD = " \t.,:;<>\"'\\"


class GitWorldError(IseError):
    """The host's git could not build or read a repository (git missing or failing, a run cut short)."""


class GitRunner:
    """Starts git (or the backend) for one world, as ``run_as`` where asked, and keeps track of what runs."""

    def __init__(self, run_as: int | None = None) -> None:
        self.run_as = run_as
        self.running: set[asyncio.subprocess.Process] = set()

    async def git(self, argv: list[str], *, cwd: Path | str, env: dict[str, str], stdin: bytes = b"") -> str:
        """git ``argv`` for the build, as the host's user: its output; :class:`GitWorldError` when it fails."""
        code, out, _, errors = await self.run(["git", *argv], cwd=cwd, env=env, stdin=stdin, as_owner=False)
        if code != 0:
            raise GitWorldError(f"git {argv[0]} failed: {errors.decode(errors='replace').strip()[-500:]}")
        return out.decode().strip()

    async def run(self, argv: list[str], *, cwd: Path | str, env: dict[str, str], stdin: bytes = b"",
                  limit: int = MAX_GIT_OUTPUT, as_owner: bool = True) -> tuple[int, bytes, bool, bytes]:
        """Run ``argv`` within :data:`GIT_TIMEOUT_S`: its exit code, at most ``limit`` bytes of its output,
        whether there was more (it is stopped then), and the start of its stderr."""
        process = await self.spawn(argv, cwd=cwd, env=env, as_owner=as_owner)
        try:
            async with asyncio.timeout(GIT_TIMEOUT_S), asyncio.TaskGroup() as group:
                group.create_task(feed(process, stdin))
                errors = group.create_task(collect(process.stderr, 1 << 16, drain=True))
                out, cut = await collect(process.stdout, limit)
                if cut:
                    kill(process)
            return await process.wait(), out, cut, errors.result()[0]
        except TimeoutError:
            raise GitWorldError(f"{' '.join(argv[:2])} took longer than {GIT_TIMEOUT_S:.0f} s") from None
        finally:
            await self.reap(process)

    async def spawn(self, argv: list[str], *, cwd: Path | str, env: dict[str, str],
                    as_owner: bool = True) -> asyncio.subprocess.Process:
        """Start ``argv`` in a process group of its own (the backend starts git, which dies with it), as
        ``run_as`` (without root's groups) when there is one and ``as_owner``."""
        user: dict[str, Any] = {}
        if as_owner and self.run_as is not None:
            user = {"user": self.run_as, "group": self.run_as, "extra_groups": []}
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, cwd=cwd, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True, **user)
        except FileNotFoundError as exc:
            raise GitWorldError(f"{argv[0]} is not installed on the host: {exc}") from None
        self.running.add(process)
        return process

    async def reap(self, process: asyncio.subprocess.Process) -> None:
        """Kill ``process`` if it still runs, wait for it, and forget it."""
        kill(process)
        await process.wait()
        self.running.discard(process)

    def kill_all(self) -> None:
        """Kill every process still running (each is reaped by whoever started it)."""
        for process in list(self.running):
            kill(process)


async def build_repo(runner: GitRunner, root: Path, seed: RepoSeed) -> None:
    """Commit the seed's commits one by one in a scratch work tree straight into the bare repository
    ``root/<name>.git``, then hand it to the runner's ``run_as`` if there is one."""
    bare = root / f"{seed.name}.git"
    if bare.exists():  # left by a build that was cut short
        shutil.rmtree(bare)
    with tempfile.TemporaryDirectory(prefix="isetrace-git-") as scratch:
        work = Path(scratch) / "work"
        work.mkdir()
        env = base_env(scratch)
        await runner.git(["init", "--quiet", "--bare", f"--initial-branch={seed.default_branch}", str(bare)],
                         cwd=scratch, env=env)
        env |= {"GIT_DIR": str(bare), "GIT_WORK_TREE": str(work), "GIT_INDEX_FILE": f"{scratch}/index"}
        commits: list[str] = []
        for index, commit in enumerate(seed.commits):
            _apply(work, commit)
            await runner.git(["add", "--all"], cwd=work, env=env)
            await runner.git(["commit", "--quiet", "--no-verify", "--allow-empty", "--allow-empty-message",
                              "--cleanup=whitespace", "--file=-"], cwd=work, stdin=commit.message.encode(),
                             env=env | _identity(commit.author, FIRST_COMMIT_TIME + 3600 * index))
            commits.append(await runner.git(["rev-parse", "HEAD"], cwd=work, env=env))
        for branch, index in seed.branches.items():
            await runner.git(["update-ref", f"refs/heads/{branch}", commits[index]], cwd=bare, env=env)
    (bare / "COMMIT_EDITMSG").unlink(missing_ok=True)
    with (bare / "config").open("a", encoding="utf-8") as config:  # pushes allowed, and no gc slowing them
        config.write("[http]\n\treceivepack = true\n[receive]\n\tautogc = false\n")
    (bare / "description").write_text((seed.description or seed.name) + "\n", encoding="utf-8")
    if runner.run_as is not None:
        for folder, dirs, files in os.walk(bare):
            for entry in (folder, *(os.path.join(folder, name) for name in (*dirs, *files))):
                os.chown(entry, runner.run_as, runner.run_as, follow_symlinks=False)


def base_env(home: str) -> dict[str, str]:
    """No system or user configuration: the same seed builds the same repository on every host."""
    return {"PATH": os.environ.get("PATH", os.defpath), "HOME": home, "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}


def _identity(author: str, when: int) -> dict[str, str]:
    """Author and committer from ``Name <email>`` (the whole string as the name otherwise), at ``when``."""
    match = _AUTHOR.match(author)
    name, email = (match["name"], match["email"]) if match else (author, "")
    name = re.sub(r"[\x00-\x1f]", " ", name).strip(_IDENT_CRUD) or "Unknown"  # git refuses an empty name
    email = re.sub(r"[\x00-\x20]", "", email)
    date = f"{when} +0000"
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date}


def seed_path(raw: str) -> PurePosixPath | None:
    """``raw`` as a path inside a work tree, or ``None``: absolute, ``..``, ``.git`` (in the spellings git
    itself refuses) or a name too long for the file system."""
    path = PurePosixPath(raw)
    if "\x00" in raw or path.is_absolute() or not path.parts:
        return None
    for part in path.parts:
        if part == ".." or part.lower().rstrip(" .") in (".git", "git~1") or len(part.encode()) > 255:
            return None
    return path


def branch_ok(branch: str) -> bool:
    """A branch name git accepts, in the plain spelling seeds and checks use (never an option)."""
    return (bool(_BRANCH.match(branch)) and not any(bad in branch for bad in ("..", "//", "/.", "@{"))
            and not branch.endswith(("/", ".", ".lock")))


def check_traversable(root: Path, uid: int) -> None:
    """The backend runs as ``uid``; a folder above the repositories it cannot pass would turn every clone into
    a bare "not found", the reason nowhere to see."""
    for folder in (root.resolve(), *root.resolve().parents):
        info = folder.stat()
        bit = 0o100 if info.st_uid == uid else 0o010 if info.st_gid == uid else 0o001
        if not info.st_mode & bit:
            raise GitWorldError(f"uid {uid} cannot traverse {folder}, so it cannot serve the repositories in {root}")


def check_seed(seed: RepoSeed) -> None:
    """:class:`WorldSeedError` naming the repository and the name, branch or path at fault, if any is."""
    where = f"repository {seed.name!r}"
    if not _NAME.match(seed.name) or ".." in seed.name:
        raise WorldSeedError(f"{where}: not a valid repository name")
    for branch in (seed.default_branch, *seed.branches):
        if not branch_ok(branch):
            raise WorldSeedError(f"{where}: {branch!r} is not a valid branch name")
    for number, commit in enumerate(seed.commits):
        for path in commit.files:
            if seed_path(path) is None:
                raise WorldSeedError(f"{where}, commit {number}: the path {path!r} is absolute, leaves the "
                                     "repository or names .git")
    last = len(seed.commits) - 1
    for branch, index in seed.branches.items():
        if not 0 <= index <= last:
            raise WorldSeedError(f"{where}: branch {branch!r} is at commit {index}, but there are {last + 1}")
        if branch == seed.default_branch and index != last:
            raise WorldSeedError(f"{where}: the default branch {branch!r} is at the last commit, not {index}")


def _apply(work: Path, commit: CommitSeed) -> None:
    """Write and remove ``commit``'s files; a file where a folder must go (or the reverse) is replaced."""
    for raw, content in commit.files.items():
        parts = PurePosixPath(raw).parts  # checked with the seed
        for depth in range(1, len(parts) if content is not None else 0):
            if not work.joinpath(*parts[:depth]).is_dir():
                _remove(work.joinpath(*parts[:depth]))
        _remove(target := work.joinpath(*parts))
        if content is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode("utf-8"))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            path.unlink()


async def feed(process: asyncio.subprocess.Process, data: bytes) -> None:
    """Write ``data`` to the process and close its input; a process that stopped reading is not an error."""
    assert process.stdin is not None
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for start in range(0, len(data), CHUNK):
            process.stdin.write(data[start:start + CHUNK])
            await process.stdin.drain()
        process.stdin.close()
        await process.stdin.wait_closed()


async def collect(stream: asyncio.StreamReader | None, limit: int, *, drain: bool = False) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of ``stream``, and whether it held more: reading stops there, or with ``drain``
    (a stderr must not fill up) goes on to the end, keeping nothing."""
    assert stream is not None
    data, cut = bytearray(), False
    while chunk := await stream.read(CHUNK if cut else min(CHUNK, limit + 1 - len(data))):
        if not cut:
            data += chunk
            cut = len(data) > limit
            del data[limit:]
            if cut and not drain:
                break
    return bytes(data), cut


def kill(process: asyncio.subprocess.Process) -> None:
    """Kill the process and the git it started (its group), unless it has been waited for already."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
