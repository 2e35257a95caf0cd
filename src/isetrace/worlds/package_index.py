"""The package world: a PEP 503 index on the session's own loopback, so ``pip install`` works offline.

With the network off, ``pip install requests`` inside a session fails, and an agent's trajectory learns
that packages cannot be installed. A wheelhouse is prepared at set-up time instead (``make wheelhouse``:
pure-Python wheels for the sandbox's own ``python3``, fetched from the registry then, never at run time),
turned into a static PEP 503 "simple" tree, mounted read-only into each session, and served there by
``python3 -m http.server`` on the session's loopback. pip finds it through a ``pip.conf`` in the
session's home, so the agent types the commands it would type anywhere.

Each session has its own network namespace: its index is reachable from it alone, and not from the host.
The tree is static, so the server holds no state an agent could change; what gets installed is checked
on the workspace (step 10's checks), not on the server.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import shutil
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from isetrace.errors import SandboxUnavailable
from isetrace.sandbox import Sandbox

__all__ = ["INDEX_MOUNT", "INDEX_PORT", "build_simple_index", "start_package_index"]

INDEX_MOUNT = "/opt/isetrace-worlds/packages"
"""Where a session sees the index tree (read-only)."""
INDEX_PORT = 8731
"""The port of the index on the session's loopback (unprivileged: sessions run commands as a plain user)."""

_WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)-.+\.whl$")
_READY_S = 10.0


def _normalised(name: str) -> str:
    """PEP 503's name normalisation: runs of ``-_.`` become one ``-``, lower case."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requires_python(wheel: Path) -> str | None:
    """The wheel's ``Requires-Python``, which pip reads from the index to skip what cannot run."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next((n for n in archive.namelist() if n.endswith(".dist-info/METADATA")), None)
        if metadata is None:
            return None
        headers = HeaderParser().parsestr(archive.read(metadata).decode("utf-8", errors="replace"))
    value = headers.get("Requires-Python")
    return str(value) if value else None


def _page(title: str, links: list[str]) -> str:
    body = "\n".join(links)
    return f"<!DOCTYPE html>\n<html><head><title>{html.escape(title)}</title></head><body>\n{body}\n</body></html>\n"


def build_simple_index(wheelhouse: Path, out: Path) -> list[str]:
    """Write the PEP 503 tree of every wheel in ``wheelhouse`` to ``out`` (replaced); the project names.

    ``out/simple/`` lists the projects, ``out/simple/<project>/`` its files with their SHA-256 (and
    ``data-requires-python`` where the wheel says), ``out/files/`` holds the wheels.
    """
    wheels = sorted(path for path in wheelhouse.glob("*.whl") if _WHEEL.match(path.name))
    if not wheels:
        raise SandboxUnavailable(f"the wheelhouse {wheelhouse} holds no wheels: run make wheelhouse")
    if out.exists():
        shutil.rmtree(out)
    (out / "files").mkdir(parents=True)
    projects: dict[str, list[str]] = {}
    for wheel in wheels:
        match = _WHEEL.match(wheel.name)
        assert match is not None
        data = wheel.read_bytes()
        (out / "files" / wheel.name).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        requires = _requires_python(wheel)
        attribute = f' data-requires-python="{html.escape(requires)}"' if requires else ""
        name = html.escape(wheel.name)
        link = f'<a href="../../files/{name}#sha256={digest}"{attribute}>{name}</a><br>'
        projects.setdefault(_normalised(match["name"]), []).append(link)
    for project, links in projects.items():
        (out / "simple" / project).mkdir(parents=True)
        (out / "simple" / project / "index.html").write_text(_page(f"Links for {project}", links), encoding="utf-8")
    listing = [f'<a href="{name}/">{name}</a><br>' for name in sorted(projects)]
    (out / "simple" / "index.html").write_text(_page("Simple index", listing), encoding="utf-8")
    return sorted(projects)


_PIP_CONF = f"""[global]
index-url = http://127.0.0.1:{INDEX_PORT}/simple/
break-system-packages = true
disable-pip-version-check = true
no-cache-dir = true
"""

_PROBE = (
    "import sys, urllib.request\n"
    f"urllib.request.urlopen('http://127.0.0.1:{INDEX_PORT}/simple/', timeout=2).read()\n"
)


async def start_package_index(sandbox: Sandbox, *, wait: bool = False) -> str:
    """Serve the mounted index on the session's loopback and point pip at it; the server's process id.

    Without ``wait`` it returns as soon as the server is started (a session opens on every episode; pip
    takes longer to start than the server, and an agent's first command comes after a model call); with
    ``wait`` it returns once the index answers, and raises :class:`SandboxUnavailable` when it does not.
    """
    # one process writes pip's config, then becomes the server: a session start pays one spawn for both
    script = ('mkdir -p "$HOME/.config/pip" && printf %s "$1" > "$HOME/.config/pip/pip.conf" && '
              f'exec python3 -m http.server {INDEX_PORT} --bind 127.0.0.1 --directory {INDEX_MOUNT}')
    server = await sandbox.start(["sh", "-c", script, "package-index", _PIP_CONF])
    if not wait:
        return server
    deadline = asyncio.get_running_loop().time() + _READY_S
    while True:
        probe = await sandbox.run(["python3", "-c", _PROBE], timeout_s=5)
        if probe.exit_code == 0:
            return server
        status = await sandbox.poll(server)
        if not status.running or asyncio.get_running_loop().time() > deadline:
            raise SandboxUnavailable("the package index did not start in the session: "
                                     + status.stderr.decode(errors="replace")[-500:])
        await asyncio.sleep(0.05)
