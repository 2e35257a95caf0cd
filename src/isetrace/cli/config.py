"""``ise config``: the resolved run configuration, as the run will see it."""

from __future__ import annotations

import os

import typer
import yaml

from isetrace.cli.console import out
from isetrace.cli.inputs import ConfigOption, SetOption, resolve_config
from isetrace.config import masked_view

__all__ = ["config_app"]

config_app = typer.Typer(help="Inspect the resolved run configuration.", no_args_is_help=True)


@config_app.command("show")
def config_show(config: ConfigOption = None, overrides: SetOption = None) -> None:
    """Print the resolved configuration (file, then ISE_* variables, then -c), secrets masked."""
    resolved = resolve_config(config, overrides)
    out.print(yaml.safe_dump(masked_view(resolved), sort_keys=False, allow_unicode=True), end="", markup=False,
              highlight=False)
    for role in ("agent", "user", "renderer", "judge"):
        endpoint = getattr(resolved.endpoints, role)
        if endpoint is not None and endpoint.api_key_env:
            state = "set" if os.environ.get(endpoint.api_key_env) else "NOT set"
            out.print(f"# {role}: key variable {endpoint.api_key_env} is {state}", markup=False)
