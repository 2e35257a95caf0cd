"""The ``ise`` command: thin wrappers over library calls.

Logging is configured here and only here; errors the library raises on purpose (:class:`IseError`)
become one clear line and exit code 2, while anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from isetrace import __version__
from isetrace._cli_common import ConfigOption, SetOption, err, out, resolve_config
from isetrace._cli_sandbox import sandbox_app
from isetrace._cli_simulate import simulate
from isetrace.config import masked_view
from isetrace.errors import IseError
from isetrace.intents.library import load_library
from isetrace.intents.render import RenderOutcome, render_intents
from isetrace.intents.sampler import sample_intents
from isetrace.jsonl import append_jsonl, load_jsonl
from isetrace.llm.endpoints import open_endpoints
from isetrace.llm.scripted.faults import FaultSettings
from isetrace.llm.scripted.server import scripted_server
from isetrace.llm.usage import UsageMeter
from isetrace.progress import make_progress
from isetrace.records import Intent

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
intents_app = typer.Typer(help="Stage I: sample and render intents.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(scripted_app, name="scripted-llm")
app.add_typer(intents_app, name="intents")
app.add_typer(sandbox_app, name="sandbox")
app.command("simulate")(simulate)

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
    latency_ms: Annotated[int, typer.Option(help="Fixed delay added to every reply.")] = 0,
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

    async def serve() -> None:
        async with scripted_server(faults, latency_ms=latency_ms, host=host, port=port) as (url, _):
            err.print(f"scripted endpoint (replies labelled 'scripted') listening on {url}", markup=False)
            await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        err.print("stopped", markup=False)


@intents_app.command("sample")
def intents_sample(
    out_file: Annotated[Path, typer.Option("--out", help="JSONL file to write (original ISE field layout).")],
    count: Annotated[int | None, typer.Option(help="How many (default: intents.count).")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampler seed (default: intents.seed).")] = None,
    library: Annotated[Path | None, typer.Option(help="A library directory instead of the built-in one.")] = None,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Sample Persona × Domain × Task × Complexity into unrendered intents."""
    resolved = resolve_config(config, overrides)
    sampled = sample_intents(load_library(library), count or resolved.intents.count,
                             resolved.intents.seed if seed is None else seed)
    out_file.unlink(missing_ok=True)
    append_jsonl(out_file, sampled)
    err.print(f"wrote {len(sampled)} sampled intents to {out_file}", markup=False)


def _print_outcomes(outcomes: list[RenderOutcome]) -> None:
    for outcome in outcomes:
        intent = outcome.rendered
        if intent is None:
            out.print(f"[red]✗ {outcome.sampled.id}[/red]: {outcome.reason}")
            continue
        persona = intent.metadata.persona
        who = f"{persona.name}, {persona.role} ({persona.industry})" if persona else intent.persona_id
        header = f"[bold]{intent.id}[/bold] · {intent.complexity} · {', '.join(intent.domains)} · {who}"
        out.print(header, soft_wrap=True)
        out.print(intent.natural_language_intent, markup=False, highlight=False, soft_wrap=True)
        out.print()


def _usage_table(usage: UsageMeter) -> Table:
    table = Table(title="model usage")
    for column in ("role", "calls", "attempts", "retries", "failures", "prompt tok", "completion tok", "wait s"):
        table.add_column(column, justify="right" if column != "role" else "left")
    for role, counts in usage.roles.items():
        table.add_row(role, *(str(v) for v in (counts.calls, counts.attempts, counts.retries, counts.failures,
                                                counts.prompt_tokens, counts.completion_tokens)),
                      f"{counts.latency_s:.2f}")
    return table


@intents_app.command("render")
def intents_render(
    out_file: Annotated[Path, typer.Option("--out", help="JSONL file for the rendered intents.")],
    in_file: Annotated[Path | None, typer.Option("--in", help="Sampled intents (JSONL); else sample now.")] = None,
    count: Annotated[int | None, typer.Option(help="How many to sample when --in is not given.")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampler seed when --in is not given.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the rendered intents.")] = False,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Render intents into first-person requests through the renderer endpoint."""
    resolved = resolve_config(config, overrides)
    library = load_library()
    if in_file is not None:
        sampled, errors = load_jsonl(in_file, Intent)
        for error in errors:
            err.print(f"skipped {error}", markup=False)
    else:
        sampled = sample_intents(library, count or resolved.intents.count,
                                 resolved.intents.seed if seed is None else seed)
    progress = make_progress()

    async def run() -> tuple[list[RenderOutcome], UsageMeter]:
        async with open_endpoints(resolved, ["renderer"]) as endpoints:
            progress.start("rendering intents", len(sampled))
            try:
                outcomes = await render_intents(endpoints["renderer"], library, sampled,
                                                on_done=lambda o: progress.advance(o.rendered is not None))
            finally:
                progress.close()
            return outcomes, endpoints.usage

    outcomes, usage = asyncio.run(run())
    rendered = [o.rendered for o in outcomes if o.rendered is not None]
    out_file.unlink(missing_ok=True)
    append_jsonl(out_file, rendered)
    failures = [o for o in outcomes if o.rendered is None]
    failure_path = out_file.with_name(out_file.stem + ".failures.jsonl")
    failure_path.unlink(missing_ok=True)
    if failures:
        failure_path.write_text("".join(json.dumps({"id": o.sampled.id, "reason": o.reason}) + "\n"
                                        for o in failures), encoding="utf-8")
    if not quiet:
        _print_outcomes(outcomes)
    out.print(_usage_table(usage))
    out.print(f"rendered {len(rendered)}, failed {len(failures)} → {out_file}", markup=False)
    if not rendered:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of ``ise``: run the command; print deliberate errors as one line."""
    try:
        app()
    except IseError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
