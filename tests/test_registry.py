"""Plugins by name: known names load lazily, unknown ones are listed."""

from __future__ import annotations

import pytest

from isetrace.errors import ConfigError
from isetrace.registry import PLUGINS, known, load


def test_every_registered_plugin_loads() -> None:
    for kind, table in PLUGINS.items():
        for name in table:
            assert load(kind, name) is not None, (kind, name)


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown sandbox 'chroot' \(known: bwrap, docker, local\)"):
        load("sandbox", "chroot")
    with pytest.raises(ConfigError, match="unknown plugin kind"):
        load("teleporter", "x")
    assert known("sandbox") == ["bwrap", "docker", "local"]
    assert known("dialect") == ["claude-code", "openclaw", "services"]
