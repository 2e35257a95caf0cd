"""What ``ise`` commands take: the config options, and the inputs they read (intents, episodes)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer

from isetrace.cli.console import err, out, report_skipped
from isetrace.config import RunConfig, load_config
from isetrace.errors import OutputError
from isetrace.jsonl import load_jsonl
from isetrace.outputs import check_output, check_output_dir, is_stdout
from isetrace.pipeline.layout import RunPaths
from isetrace.records import Intent

__all__ = ["ConfigOption", "SetOption", "episodes_source", "output_dir", "output_file", "positive", "read_intents",
           "resolve_config"]

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", help="YAML config file, or a built-in name ('offline'). Default: $ISE_CONFIG."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("-c", "--set", help="Override one setting: dotted.key=value (repeatable)."),
]


def positive(value: float | None) -> float | None:
    """An option's number, refused unless finite and above 0 (a time limit of 0 s or less means nothing)."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"{value:g} is not a number above 0")
    return value


def output_file(value: Path | None) -> Path | None:
    """An option naming a file to write, refused now (before any work) when it cannot be written: a
    directory, a block device, a folder without write permission (:mod:`isetrace.outputs`). When it is
    standard output (``-o /dev/stdout``), what the command prints as its result goes to stderr instead, so
    the data on stdout stays data."""
    if value is not None:
        try:
            check_output(value)
        except OutputError as exc:
            raise typer.BadParameter(str(exc)) from None
        if is_stdout(value):
            out.file = sys.stderr
    return value


def output_dir(value: Path | None) -> Path | None:
    """An option naming a folder to write files into, refused now when files cannot be made there."""
    if value is not None:
        try:
            check_output_dir(value)
        except OutputError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


def resolve_config(config: str | None, overrides: list[str] | None) -> RunConfig:
    """The run config from ``--config`` and ``-c`` (and ``ISE_*`` variables)."""
    return load_config(config, overrides or [])


def read_intents(path: Path) -> list[Intent]:
    """The valid intents of a JSONL file, each bad line reported (the options naming one check that it exists)."""
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
