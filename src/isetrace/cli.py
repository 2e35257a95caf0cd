"""The ``ise`` command: thin wrappers over library calls.

Logging is configured here and only here; errors the library raises on purpose (:class:`IseError`)
become one clear line and exit code 2, while anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Annotated

import typer
import yaml

from isetrace import __version__
from isetrace._cli_common import ConfigOption, SetOption, err, out, resolve_config
from isetrace._cli_intents import intents_app
from isetrace._cli_run import run_command
from isetrace._cli_sandbox import sandbox_app
from isetrace._cli_simulate import simulate
from isetrace.config import masked_view
from isetrace.errors import IseError
from isetrace.export.cli import export_command
from isetrace.llm.scripted.faults import FaultSettings
from isetrace.stats.cli import stats_command

__all__ = ["app", "main"]

app = typer.Typer(
    help="isetrace: synthesize multi-turn, really-executed training data for tool-using agents "
    "(Intent → Simulate → Execute).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
config_app = typer.Typer(help="Inspect the resolved run configuration.", no_args_is_help=True)
scripted_app = typer.Typer(help="The offline scripted OpenAI-compatible endpoint.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(scripted_app, name="scripted-llm")
app.add_typer(intents_app, name="intents")
app.add_typer(sandbox_app, name="sandbox")
app.command("simulate")(simulate)
app.command("run")(run_command)
app.command("export")(export_command)
app.command("stats")(stats_command)

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


@scripted_app.command("serve")
def scripted_serve(
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 8000,
    host: Annotated[str, typer.Option(help="Address to bind; keep it on loopback.")] = "127.0.0.1",
    fault: Annotated[list[str] | None, typer.Option(
        help="Inject a fault: KIND=RATE (e.g. rate_limit=0.2). Kinds: rate_limit, server_error, slow, "
        "disconnect, fenced_json, malformed_json, bad_tool_args, unknown_tool, empty_reply, role_drift.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the fault dice.")] = 0,
    latency_ms: Annotated[int, typer.Option(
        help="Time every reply takes from its request's arrival (the policy's own work counts within it).")] = 0,
) -> None:
    """Serve the scripted OpenAI-compatible endpoint until interrupted (Ctrl-C)."""
    rules: dict[str, float] = {}
    for item in fault or []:
        kind, _, rate = item.partition("=")
        try:
            rules[kind.strip()] = float(rate)
        except ValueError:
            raise IseError(f"--fault {item!r} must look like KIND=RATE, e.g. rate_limit=0.2") from None
    try:
        faults = FaultSettings.model_validate({"seed": seed, "rules": rules})
    except ValueError as exc:
        raise IseError(f"bad --fault: {exc}") from None

    from isetrace.llm.scripted.server import scripted_server  # slow to load: only this command needs it

    async def serve() -> None:
        async with scripted_server(faults, latency_ms=latency_ms, host=host, port=port) as (url, _):
            err.print(f"scripted endpoint (replies labelled 'scripted') listening on {url}", markup=False,
                      soft_wrap=True)
            await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        err.print("stopped", markup=False)


def main() -> None:
    """Entry point of ``ise``: run the command; print deliberate errors as one line."""
    try:
        app()
    except IseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
