"""What every ``ise`` command shares: the config options, the consoles, config loading."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from isetrace.config import RunConfig, load_config

__all__ = ["ConfigOption", "SetOption", "err", "out", "resolve_config"]

out = Console()
err = Console(stderr=True)

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", help="YAML config file, or a built-in name ('offline'). Default: $ISE_CONFIG."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("-c", "--set", help="Override one setting: dotted.key=value (repeatable)."),
]


def resolve_config(config: str | None, overrides: list[str] | None) -> RunConfig:
    """The run config from ``--config`` and ``-c`` (and ``ISE_*`` variables)."""
    return load_config(config, overrides or [])
