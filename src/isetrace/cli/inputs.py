"""What ``ise`` commands take: the config options, and the inputs they read (intents, episodes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from isetrace.cli.console import err, report_skipped
from isetrace.config import RunConfig, load_config
from isetrace.jsonl import load_jsonl
from isetrace.pipeline.layout import RunPaths
from isetrace.records import Intent

__all__ = ["ConfigOption", "SetOption", "episodes_source", "read_intents", "resolve_config"]

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


def read_intents(path: Path) -> list[Intent]:
    """The valid intents of a JSONL file, each bad line reported."""
    intents, errors = load_jsonl(path, Intent)
    for error in errors:
        report_skipped(error)
    return intents


def episodes_source(path: Path) -> Path:
    """An episodes file, given as itself or as the run directory that holds it; exits 1 when there is none."""
    source = RunPaths(path).episodes if path.is_dir() else path
    if not source.is_file():
        err.print(f"no episodes file at {source}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    return source
