"""``ise scripted-llm``: the offline scripted OpenAI-compatible endpoint, served on its own."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from isetrace.cli.console import err
from isetrace.errors import IseError
from isetrace_scripted.faults import FaultSettings

__all__ = ["scripted_app"]

scripted_app = typer.Typer(help="The offline scripted OpenAI-compatible endpoint.", no_args_is_help=True)


@scripted_app.command("serve")
def scripted_serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0 picks a free one).")] = 8000,
    host: Annotated[str, typer.Option(help="Address to bind; keep it on loopback.")] = "127.0.0.1",
    fault: Annotated[list[str] | None, typer.Option(
        help="Inject a fault: KIND=RATE (e.g. rate_limit=0.2). Kinds: rate_limit, server_error, slow, "
        "disconnect, fenced_json, malformed_json, bad_tool_args, unknown_tool, empty_reply, role_drift, "
        "report_drift, stream_cut.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the fault dice.")] = 0,
    latency_ms: Annotated[int, typer.Option(
        min=0, help="Time every reply takes from its request's arrival (the policy's own work counts within it).")] = 0,
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

    from isetrace_scripted.server import scripted_server  # slow to load: only this command needs it

    async def serve() -> None:
        async with scripted_server(faults, latency_ms=latency_ms, host=host, port=port) as (url, _):
            err.print(f"scripted endpoint (replies labelled 'scripted') listening on {url}", markup=False,
                      soft_wrap=True)
            await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        err.print("stopped", markup=False)
    except OSError as exc:  # the address is taken, or not this machine's
        raise IseError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
