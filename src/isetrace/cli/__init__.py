"""The ``ise`` command: thin wrappers over library calls, one module per command group.

Nothing in the library imports this package; it imports the library, parses arguments and prints.

Logging is configured here and only here; errors the library raises on purpose (:class:`IseError`)
become one clear line and exit code 2, while anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from isetrace import __version__
from isetrace.cli.config import config_app
from isetrace.cli.console import err, out
from isetrace.cli.export import export_command
from isetrace.cli.importer import import_app
from isetrace.cli.intents import intents_app
from isetrace.cli.run import run_command
from isetrace.cli.sandbox import sandbox_app
from isetrace.cli.scripted import scripted_app
from isetrace.cli.simulate import simulate
from isetrace.cli.stats import stats_command
from isetrace.cli.verify import verify_command
from isetrace.errors import IseError

__all__ = ["app", "main"]

app = typer.Typer(
    help="isetrace: synthesize multi-turn, really-executed training data for tool-using agents "
    "(Intent → Simulate → Execute).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(config_app, name="config")
app.add_typer(scripted_app, name="scripted-llm")
app.add_typer(intents_app, name="intents")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(import_app, name="import")
app.command("simulate")(simulate)
app.command("run")(run_command)
app.command("export")(export_command)
app.command("stats")(stats_command)
app.command("verify")(verify_command)


def _version(value: bool) -> None:
    if value:
        out.print(f"isetrace {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details to stderr.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main() -> None:
    """Entry point of ``ise``: run the command; print deliberate errors as one line."""
    try:
        app()
    except IseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
