"""The package world: a PEP 503 index the session reaches as ``pypi.test``, so ``pip install`` works offline.

With the network off, ``pip install requests`` inside a session fails, and an agent's trajectory learns
that packages cannot be installed. A wheelhouse is prepared at set-up time instead (``make wheelhouse``:
pure-Python wheels for the sandbox's own ``python3``, fetched from the registry then, never at run time)
and turned into a static PEP 503 "simple" tree once per run (:func:`build_simple_index`). The session's
world host serves it (:class:`PackagesWorld`); pip finds it through the session's ``/etc/pip.conf``
(:data:`PIP_CONF`), so the agent types the commands it would type anywhere. The tree is static; the
audit log keeps which files were downloaded, on the host, where the agent cannot rewrite it.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from aiohttp import web

from isetrace.errors import SandboxUnavailable
from isetrace.worlds.base import note
from isetrace.worlds.urls import PACKAGES_HOST

__all__ = ["PIP_CONF", "PackagesWorld", "build_simple_index", "project_name"]

_WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)-.+\.whl$")


def project_name(name: str) -> str:
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
        projects.setdefault(project_name(match["name"]), []).append(link)
    for project, links in projects.items():
        (out / "simple" / project).mkdir(parents=True)
        (out / "simple" / project / "index.html").write_text(_page(f"Links for {project}", links), encoding="utf-8")
    listing = [f'<a href="{name}/">{name}</a><br>' for name in sorted(projects)]
    (out / "simple" / "index.html").write_text(_page("Simple index", listing), encoding="utf-8")
    return sorted(projects)


PIP_CONF = f"""[global]
index-url = http://{PACKAGES_HOST}/simple/
trusted-host = {PACKAGES_HOST}
break-system-packages = true
disable-pip-version-check = true
no-cache-dir = true
"""
"""pip's configuration in every session (``/etc/pip.conf``, by ``sandbox.etc_files``): the world's index."""


class PackagesWorld:
    """Serves a built index tree (:func:`build_simple_index`) read-only; notes every file downloaded."""

    name = "packages"

    def __init__(self, index: Path) -> None:
        self._root = index.resolve()

    def answers(self, host: str) -> bool:
        return host == PACKAGES_HOST

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, text="405 Method Not Allowed\n")
        relative = request.path.lstrip("/")
        target = (self._root / relative).resolve()
        if target != self._root and self._root not in target.parents:
            return web.Response(status=404, text="404 Not Found\n")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return web.Response(status=404, text="404 Not Found\n")
        if target.parent.name == "files":
            match = _WHEEL.match(target.name)
            note(request, file=target.name, project=project_name(match["name"]) if match else target.name)
            return web.FileResponse(target, headers={"Content-Type": "application/octet-stream"})
        return web.FileResponse(target, headers={"Content-Type": "text/html; charset=utf-8"})

    async def close(self) -> None:
        return None
