"""The git world: the remotes a session clones from and pushes to, at ``http://git.test/<name>.git``.

"Fix the bug and push it" is a task an agent cannot do offline unless there is a remote to push to. Each
repository of the seed becomes a bare repository in a host directory, built commit by commit with fixed
identities and dates, so the same seed always gives the same commit hashes (an intent may name one).
Building is lazy: a session that never touches git pays nothing.

The server is on the host, not in the session, and the repositories live in a directory the sandbox does
not mount. The agent reaches them through git's smart HTTP protocol only: it can clone, fetch and push,
but it cannot rewrite the remote's refs or objects other than by pushing, and the checks that ask later
"was the fix pushed?" (:meth:`GitWorld.refs`, :meth:`GitWorld.commit_messages`, :meth:`GitWorld.file_at`)
read the remote as it is, not a copy the agent could have edited. Every push and fetch is noted in the
session's audit log, a push with the refs it moved.

git's own ``http-backend`` speaks the protocol (CGI, one process per request); this module routes, bounds
and audits. Everything in a request — path, query, headers, body, the objects pushed — is the agent's: the
repository is looked up by a strictly matched name and the CGI path rebuilt from it, nothing goes through
a shell, and bodies, outputs and run times are bounded. When the host runs as root the caller passes
``run_as``, an unprivileged uid: the repositories are handed to it, and every git process that touches
them after the build — the backend and the checks' reads — runs as it, never as root on data the agent
wrote. That uid must be able to traverse ``root`` and its parents.

Checking the seeds, building the repositories and running git within its bounds live in
:mod:`isetrace.worlds._git_build`; this module serves them and answers the checks' questions about them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from isetrace.worlds._git_build import (
    CHUNK,
    FIRST_COMMIT_TIME,
    MAX_GIT_OUTPUT,
    GitRunner,
    GitWorldError,
    base_env,
    branch_ok,
    build_repo,
    check_seed,
    check_traversable,
    collect,
    feed,
    kill,
    seed_path,
)
from isetrace.worlds.base import note
from isetrace.worlds.seed import RepoSeed, WorldSeedError
from isetrace.worlds.urls import GIT_HOST

__all__ = ["FIRST_COMMIT_TIME", "MAX_REQUEST_BYTES", "MAX_RESPONSE_BYTES", "REQUEST_TIMEOUT_S", "GitWorld",
           "GitWorldError"]

MAX_REQUEST_BYTES = 64 << 20
"""The largest request body (a push) the world reads; a larger one is answered 413."""
MAX_RESPONSE_BYTES = 512 << 20
"""The most the backend may send for one request; the connection is cut beyond it."""
REQUEST_TIMEOUT_S = 60.0
"""The longest one request may take, body upload included; the backend is killed then (504)."""

_ROUTE = re.compile(r"^/(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,67})/"
                    r"(?P<rest>info/refs|git-upload-pack|git-receive-pack)$")
_SERVICES = ("git-upload-pack", "git-receive-pack")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e]{1,200}$")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "trailer", "te"}
_ZERO_ID = "0" * 40


class GitWorld:
    """The remotes of one session: bare repositories ``root/<name>.git``, served by ``git http-backend``."""

    name = "git"

    def __init__(self, root: Path, repos: Sequence[RepoSeed], *, run_as: int | None = None) -> None:
        """Check the seeds — :class:`WorldSeedError` (a ``ValueError``) names the repository and the path or
        branch at fault — and nothing more: the repositories are built on first use, or by :meth:`build`."""
        self.root = Path(root)
        self.run_as = run_as
        self._seeds: dict[str, RepoSeed] = {}
        for seed in repos:
            if seed.name in self._seeds:
                raise WorldSeedError(f"repository {seed.name!r} is seeded twice")
            check_seed(seed)
            self._seeds[seed.name] = seed
        self._built = False
        self._build_lock = asyncio.Lock()
        self._push_locks = {name: asyncio.Lock() for name in self._seeds}
        self._backend = ""
        self._git = GitRunner(run_as)

    @staticmethod
    def clone_url(name: str) -> str:
        return f"http://{GIT_HOST}/{name}.git"

    def answers(self, host: str) -> bool:
        return host == GIT_HOST

    async def build(self) -> None:
        """Build every repository once; later calls return at once. :class:`GitWorldError` when git fails."""
        async with self._build_lock:
            if self._built:
                return
            backend = Path(await self._git.git(["--exec-path"], cwd="/", env=base_env("/"))) / "git-http-backend"
            if not backend.is_file():
                raise GitWorldError(f"git has no http-backend on this host (looked for {backend})")
            self._backend = str(backend)
            self.root.mkdir(parents=True, exist_ok=True)
            if self.run_as is not None:
                check_traversable(self.root, self.run_as)
            for seed in self._seeds.values():
                await build_repo(self._git, self.root, seed)
            self._built = True

    # -- serving

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/" and request.method in ("GET", "HEAD"):
            lines = [f"{name}  {self.clone_url(name)}  {seed.description}".rstrip()
                     for name, seed in self._seeds.items()]
            return web.Response(text="\n".join([f"Repositories on {GIT_HOST}:", "", *lines, ""]))
        match = _ROUTE.match(request.path)
        if match is None:
            return web.Response(status=404, text="Not found.\n")
        raw, rest = match["name"], match["rest"]
        name = next((candidate for candidate in (raw.removesuffix(".git"), raw) if candidate in self._seeds), None)
        if name is None:
            return web.Response(status=404, text="Repository not found.\n")
        service = request.query.get("service", "") if rest == "info/refs" else rest
        if service not in _SERVICES:  # info/refs of the dumb protocol, which is not served
            return web.Response(status=404, text="Not found.\n")
        if request.method != (method := "GET" if rest == "info/refs" else "POST"):
            return web.Response(status=405, text="Method not allowed.\n", headers={"Allow": method})
        query = f"service={service}" if rest == "info/refs" else ""
        await self.build()
        if rest != "git-receive-pack":
            response = await self._serve(request, name, rest, query)
            if rest == "git-upload-pack":
                note(request, repo=name, fetched=True)
            return response
        async with self._push_locks[name]:  # one push at a time, so the refs that changed are this push's
            before = await self._all_refs(name)
            response = await self._serve(request, name, rest, query)
            after = await self._all_refs(name)
        changed = {ref: after.get(ref, _ZERO_ID) for ref in sorted(before.keys() | after.keys())
                   if before.get(ref) != after.get(ref)}
        note(request, repo=name, pushed=True, refs=changed)
        return response

    async def _serve(self, request: web.Request, name: str, rest: str, query: str) -> web.StreamResponse:
        """Run the backend for one request, within :data:`REQUEST_TIMEOUT_S` and the size bounds."""
        response: web.StreamResponse | None = None
        process: asyncio.subprocess.Process | None = None
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                body = await _body(request)
                if body is None:
                    return web.Response(status=413, text="Request too large.\n")
                env = base_env(str(self.root / f"{name}.git")) | {
                    "GIT_PROJECT_ROOT": str(self.root), "GIT_HTTP_EXPORT_ALL": "1", "REQUEST_METHOD": request.method,
                    "PATH_INFO": f"/{name}.git/{rest}", "QUERY_STRING": query, "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_USER": "agent", "REMOTE_ADDR": "127.0.0.1"}
                for header, variable in (("Content-Type", "CONTENT_TYPE"), ("Git-Protocol", "HTTP_GIT_PROTOCOL")):
                    if _HEADER_VALUE.match(value := request.headers.get(header, "")):
                        env[variable] = value
                # aiohttp inflates a gzipped body itself unless told not to: pass the header on only if it did not
                gzipped = request.headers.get("Content-Encoding", "").lower() in ("gzip", "x-gzip")
                if gzipped and body[:2] == b"\x1f\x8b":
                    env["HTTP_CONTENT_ENCODING"] = "gzip"
                process = await self._git.spawn([self._backend], cwd=self.root, env=env)
                async with asyncio.TaskGroup() as group:
                    group.create_task(feed(process, body))
                    group.create_task(collect(process.stderr, 1 << 16, drain=True))
                    head = await _cgi_head(process.stdout)
                    if head is None:
                        kill(process)
                        return web.Response(status=502, text="The git backend failed.\n")
                    response = web.StreamResponse(status=head[0])
                    for key, value in head[1]:
                        response.headers.add(key, value)
                    await _relay(request, response, process)
                await process.wait()
            return response
        except TimeoutError:
            if response is None:
                return web.Response(status=504, text="The git backend timed out.\n")
            response.force_close()
            return response
        finally:
            if process is not None:
                await self._git.reap(process)

    # -- state, for the checks

    async def refs(self, name: str) -> dict[str, str]:
        """Branch name → commit id in repository ``name`` as it is now; ``{}`` for an unknown repository."""
        if name not in self._seeds:
            return {}
        return {ref.removeprefix("refs/heads/"): sha for ref, sha in (await self._all_refs(name)).items()
                if ref.startswith("refs/heads/")}

    async def commit_messages(self, name: str, branch: str, limit: int = 50) -> list[str]:
        """The messages of the last ``limit`` (at most 1,000) commits on ``branch``, newest first; ``[]`` for an
        unknown repository or branch. Those beyond the first MiB are left out."""
        if name not in self._seeds or not branch_ok(branch):
            return []
        count = f"--max-count={max(0, min(limit, 1000))}"
        code, out, cut = await self._read(name, ["log", "-z", "--format=%B", count, f"refs/heads/{branch}", "--"])
        if code != 0 and not cut:
            return []
        return [entry.decode("utf-8", errors="replace").rstrip("\n") for entry in out.split(b"\x00")[:-1]]

    async def file_at(self, name: str, branch: str, path: str, max_bytes: int = 1 << 20) -> bytes | None:
        """The content of ``path`` on ``branch``, at most its first ``max_bytes``; ``None`` when the repository,
        branch or file does not exist, or the path is not a plain relative one."""
        clean = seed_path(path)
        if name not in self._seeds or not branch_ok(branch) or clean is None:
            return None
        spec = f"refs/heads/{branch}:{clean.as_posix()}"
        code, out, cut = await self._read(name, ["cat-file", "blob", spec], limit=max(0, max_bytes))
        return out if code == 0 or cut else None

    async def close(self) -> None:
        self._git.kill_all()

    # -- reading the repositories

    async def _all_refs(self, name: str) -> dict[str, str]:
        code, out, cut = await self._read(name, ["for-each-ref", "--format=%(objectname) %(refname)"])
        if code != 0 and not cut:
            raise GitWorldError(f"git cannot read the refs of {self.root / name}.git")
        lines = out.decode("utf-8", errors="replace").split("\n")[:-1]  # the last is empty, or cut short
        return {ref: sha for sha, _, ref in (line.partition(" ") for line in lines)}

    async def _read(self, name: str, argv: list[str], limit: int = MAX_GIT_OUTPUT) -> tuple[int, bytes, bool]:
        """git ``argv`` in repository ``name``, as its owner: exit code, output (at most ``limit``), whether cut."""
        await self.build()
        bare = self.root / f"{name}.git"
        env = base_env(str(bare)) | {"GIT_DIR": str(bare)}
        code, out, cut, _ = await self._git.run(["git", *argv], cwd=bare, env=env, limit=limit)
        return code, out, cut


async def _body(request: web.Request) -> bytes | None:
    """The request's body, ``None`` beyond :data:`MAX_REQUEST_BYTES`."""
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        return None
    body = bytearray()
    while chunk := await request.content.read(CHUNK):
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            return None
    return bytes(body)


async def _cgi_head(stream: asyncio.StreamReader | None) -> tuple[int, list[tuple[str, str]]] | None:
    """The status and headers of git's CGI response (lines end in CRLF); ``None`` when it ends before them."""
    assert stream is not None
    try:
        head = (await stream.readuntil(b"\r\n\r\n")).decode("latin-1")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    status, headers = 200, list[tuple[str, str]]()
    for key, _, value in (line.partition(":") for line in head.split("\r\n")[:-2]):
        if key.strip().lower() == "status" and (code := value.split()[:1]) and code[0].isdigit():
            status = int(code[0])
        elif key.strip().lower() not in _HOP_BY_HOP:
            headers.append((key.strip(), value.strip()))
    return (status, headers) if 100 <= status <= 599 else None


async def _relay(request: web.Request, response: web.StreamResponse, process: asyncio.subprocess.Process) -> None:
    """Stream the backend's body to the client, at most :data:`MAX_RESPONSE_BYTES`; a client gone or a body too
    long stops the backend (the client then sees a cut stream, which git refuses)."""
    assert process.stdout is not None
    sent = 0
    try:
        await response.prepare(request)
        while chunk := await process.stdout.read(CHUNK):
            sent += len(chunk)
            if sent > MAX_RESPONSE_BYTES:
                break
            await response.write(chunk)
        else:
            return
    except ConnectionError:
        pass
    response.force_close()
    kill(process)
