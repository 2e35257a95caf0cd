"""The scripted endpoint as a plugin: registered by name, started lazily, configured by its own options,
and kept out of the product packages."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from isetrace.config import load_config
from isetrace.errors import ConfigError
from isetrace.llm.endpoints import open_endpoints
from isetrace.registry import known, load
from isetrace_scripted import PROVIDER, ScriptedOptions

SRC = Path(__file__).parents[2] / "src" / "isetrace"


def test_registered_as_a_provider() -> None:
    assert "scripted" in known("provider")
    assert load("provider", "scripted") is PROVIDER
    assert PROVIDER.provenance == "scripted" and PROVIDER.options is ScriptedOptions


def test_opening_endpoints_does_not_import_the_plugin_until_one_starts() -> None:
    code = ("import sys, isetrace.llm.endpoints, isetrace.config, isetrace.cli; "
            "print(sorted(m for m in sys.modules if m.startswith('isetrace_scripted.server')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


async def test_roles_with_the_same_options_share_one_server() -> None:
    config = load_config("offline", ["endpoints.user.provider_options.latency_ms=5"], environ={})
    async with open_endpoints(config, ["agent", "renderer", "user"]) as endpoints:
        urls = {role: client.base_url for role, client in endpoints.clients.items()}
        assert endpoints.provenance == {"agent": "scripted", "renderer": "scripted", "user": "scripted"}
    assert urls["agent"] == urls["renderer"] != urls["user"]


@pytest.mark.parametrize(("override", "message"), [
    ("endpoints.agent.provider_options.faults.teleport=0.5", r"endpoints\.agent\.provider_options\.faults"),
    ("endpoints.agent.provider_options.latency_ms=-1", r"endpoints\.agent\.provider_options\.latency_ms"),
    ("endpoints.agent.provider_options.colour=blue", r"endpoints\.agent\.provider_options\.colour: Extra inputs"),
])
async def test_bad_options_are_a_config_error_naming_the_key(override: str, message: str) -> None:
    config = load_config("offline", [override], environ={})
    with pytest.raises(ConfigError, match=message):
        async with open_endpoints(config, ["agent"]):
            pass


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_the_cli_command_imports_the_plugin() -> None:
    importers = sorted(str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
                       if any(name.split(".")[0] == "isetrace_scripted" for name in _imports(path)))
    assert importers == ["cli/scripted.py"]


def test_configuration_and_the_model_layer_never_name_it() -> None:
    named = [f"{path.relative_to(SRC)}:{number}"
             for folder in ("config", "llm")
             for path in sorted((SRC / folder).rglob("*")) if path.is_file() and path.suffix in {".py", ".md"}
             for number, line in enumerate(path.read_text().splitlines(), 1) if re.search("scripted", line, re.I)]
    assert named == []


def test_the_prompts_carry_no_routing_markers() -> None:
    for prompt in sorted((SRC / "prompts").glob("*.md")):
        assert not prompt.read_text().startswith("# Role:"), prompt.name
