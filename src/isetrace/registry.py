"""Plugins by name: a small mapping from names to import paths, imported only when used.

Nothing is registered by importing anything; the table below is the whole registry. An unknown name
lists the known ones; a plugin whose dependencies are missing names the extra that installs them.
"""

from __future__ import annotations

import importlib
from typing import Any

from isetrace.errors import ConfigError

__all__ = ["PLUGINS", "known", "load"]

PLUGINS: dict[str, dict[str, str]] = {
    "dialect": {
        "openclaw": "isetrace.tools.openclaw:DIALECT",
        "claude-code": "isetrace.tools.claude_code:DIALECT",
        "services": "isetrace.tools.services:DIALECT",
    },
    "provider": {
        "scripted": "isetrace_scripted:PROVIDER",
    },
    "sandbox": {
        "bwrap": "isetrace.sandbox.bwrap:open_bwrap",
        "docker": "isetrace.sandbox.docker:open_docker",
        "local": "isetrace.sandbox.local:open_local",
    },
}
"""kind → name → ``module:attribute``."""

def known(kind: str) -> list[str]:
    """The names registered for ``kind``."""
    return sorted(PLUGINS.get(kind, {}))


def load(kind: str, name: str) -> Any:
    """The object registered as ``name`` for ``kind``; a :class:`ConfigError` for unknown names or
    missing dependencies."""
    table = PLUGINS.get(kind)
    if table is None:
        raise ConfigError(f"unknown plugin kind {kind!r} (known: {', '.join(sorted(PLUGINS))})")
    target = table.get(name)
    if target is None:
        raise ConfigError(f"unknown {kind} {name!r} (known: {', '.join(known(kind))})")
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise ConfigError(f"{kind} {name!r} needs the module {exc.name!r}, which is not installed") from exc
    return getattr(module, attribute)
