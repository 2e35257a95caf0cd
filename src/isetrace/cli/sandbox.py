"""``ise sandbox …``: try a template, probe isolation from outside, check a backend, manage templates."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from isetrace.cli.console import err, out
from isetrace.cli.inputs import ConfigOption, SetOption, positive, resolve_config
from isetrace.config import SandboxConfig
from isetrace.registry import known
from isetrace.sandbox import SandboxHome, default_home, open_sandbox
from isetrace.sandbox.conformance import CheckOutcome, check_config, run_checks

__all__ = ["sandbox_app"]

sandbox_app = typer.Typer(help="Stage E's isolated workspaces: run, check, templates.", no_args_is_help=True)
template_app = typer.Typer(help="Workspace templates sessions start from.", no_args_is_help=True)
sandbox_app.add_typer(template_app, name="template")

BackendOption = Annotated[str | None, typer.Option("--backend", help="bwrap, docker or local (default: config).")]
NetworkOption = Annotated[str | None, typer.Option("--network", help="on or off (default: config, off).")]
TIMEOUT_EXIT = 124
"""Exit code of ``ise sandbox run`` when the command hit its timeout, as timeout(1) uses."""


def _sandbox_config(config: str | None, overrides: list[str] | None, backend: str | None,
                    template: str | None = None, network: str | None = None) -> SandboxConfig:
    extra = list(overrides or [])
    if backend is not None:
        extra.append(f"sandbox.backend={backend}")
    if template is not None:
        extra.append(f"sandbox.template={template}")
    if network is not None:
        if network not in ("on", "off"):
            raise typer.BadParameter("--network takes 'on' or 'off'")
        extra.append(f"sandbox.network={'true' if network == 'on' else 'false'}")
    resolved = resolve_config(config, extra).sandbox
    if resolved.backend not in known("sandbox"):
        raise typer.BadParameter(f"unknown backend {resolved.backend!r} (known: {', '.join(known('sandbox'))})")
    return resolved


@sandbox_app.command("run", context_settings={"allow_interspersed_args": False})
def sandbox_run(
    command: Annotated[list[str], typer.Argument(help="The command and its arguments (after --).")],
    backend: BackendOption = None,
    template: Annotated[str | None, typer.Option(help="Template to start from (default: config).")] = None,
    network: NetworkOption = None,
    timeout: Annotated[float | None, typer.Option(callback=positive,
                                                  help="Seconds before the command is killed.")] = None,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Run one command in a fresh session; its output passes through and its exit code is ours."""
    settings = _sandbox_config(config, overrides, backend, template, network)

    async def run() -> int:
        box = await open_sandbox(settings)
        try:
            result = await box.run(command, timeout_s=timeout)
        finally:
            await box.close()
        sys.stdout.buffer.write(result.stdout)
        sys.stdout.buffer.flush()
        sys.stderr.buffer.write(result.stderr)
        if result.truncated:
            err.print(f"[ise: output truncated, {result.dropped_bytes} bytes dropped]", markup=False)
        if result.timed_out:
            err.print(f"[ise: timed out after {timeout or settings.limits.timeout_s:g}s; killed]", markup=False)
            return TIMEOUT_EXIT
        return result.exit_code if result.exit_code >= 0 else 128 - result.exit_code

    raise typer.Exit(asyncio.run(run()))


def _report(outcome: CheckOutcome) -> None:
    mark = "[green]✓[/green]" if outcome.passed else "[red]✗[/red]"
    out.print(f"{mark} {outcome.name} ({outcome.seconds:.2f}s)" + (f": {outcome.detail}" if outcome.detail else ""))


RUNTIMES = ("isetrace", "openclaw")
"""What executes the agent's tool calls in the sandbox: isetrace's own tools, or the original OpenClaw."""
RuntimeOption = Annotated[str, typer.Option(
    "--runtime", help="isetrace (our own tools; default) or openclaw (also check that the pinned original "
                      "OpenClaw runtime is installed and starts).")]


@sandbox_app.command("check")
def sandbox_check(backend: BackendOption = None, runtime: RuntimeOption = "isetrace", config: ConfigOption = None,
                  overrides: SetOption = None) -> None:
    """Say whether a backend (and with --runtime openclaw, the OpenClaw runtime) can run here, and run the
    conformance suite against the backend."""
    if runtime not in RUNTIMES:
        raise typer.BadParameter(f"--runtime takes one of: {', '.join(RUNTIMES)}")
    settings = _sandbox_config(config, overrides, backend)
    problems = _problems(settings.backend)
    if problems:
        for problem in problems:
            err.print(f"✗ {problem}", markup=False)
        err.print(f"the {settings.backend} backend cannot run on this machine", markup=False)
    runtime_ok = runtime != "openclaw" or _check_openclaw()
    if problems or not runtime_ok:
        raise typer.Exit(1)
    if settings.backend == "local":
        err.print("note: 'local' isolates nothing; it passes the contract, not the security suite", markup=False)
    checked = check_config(settings)
    outcomes = asyncio.run(run_checks(lambda: open_sandbox(checked), _report))
    failed = [o for o in outcomes if not o.passed]
    out.print(f"{settings.backend}: {len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if settings.backend == "bwrap":
        _report_limits(settings)
    raise typer.Exit(1 if failed else 0)


def _check_openclaw() -> bool:
    """Print what was found of the OpenClaw runtime and every problem with it; whether it can run here."""
    from isetrace.runtimes.openclaw_install import OPENCLAW_VERSION, locate_openclaw, openclaw_problems

    install = locate_openclaw()
    out.print(f"node: {install.node or 'not found'}" + (f" ({install.node_text()})" if install.node else ""),
              markup=False, soft_wrap=True)
    out.print(f"openclaw: {install.package_dir} ({install.version or 'not installed'}; pinned {OPENCLAW_VERSION})",
              markup=False, soft_wrap=True)
    problems = openclaw_problems(install)
    for problem in problems:
        err.print(f"✗ {problem}", markup=False, soft_wrap=True)
    if problems:
        err.print("the openclaw runtime cannot run on this machine", markup=False)
    else:
        out.print(f"✓ openclaw runtime: OpenClaw {OPENCLAW_VERSION} starts", markup=False)
    return not problems


def _report_limits(settings: SandboxConfig) -> None:
    """What bounds a bwrap session on this machine, after the checks (which opened sessions as a run would);
    a limit the machine cannot enforce is a warning, never a failure."""
    from isetrace.sandbox.bwrap import bwrap_limits

    enforced, warnings = bwrap_limits(settings)
    out.print("enforced here:", markup=False)
    for line in enforced:
        out.print(f"  {line}", markup=False, soft_wrap=True)
    for line in warnings:
        err.print(f"warning: {line}", markup=False, soft_wrap=True)


def _problems(backend: str) -> list[str]:
    if backend == "bwrap":
        from isetrace.sandbox.bwrap import bwrap_problems

        return bwrap_problems()
    if backend == "docker":
        from isetrace.sandbox.docker import docker_problems

        return docker_problems()
    return []


def _home(config: str | None, overrides: list[str] | None) -> SandboxHome:
    return SandboxHome(default_home(resolve_config(config, overrides).sandbox.home))


@template_app.command("create")
def template_create(
    name: Annotated[str, typer.Argument(help="Template name (letters, digits, . _ -).")],
    source: Annotated[Path, typer.Option("--from", help="Directory to copy into the template.")],
    replace: Annotated[bool, typer.Option(help="Replace a template of that name.")] = False,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Make a template from a directory; sessions see it copy-on-write."""
    path = _home(config, overrides).create_template(name, source, replace=replace)
    out.print(f"template {name!r} → {path}", markup=False)


@template_app.command("list")
def template_list(config: ConfigOption = None, overrides: SetOption = None) -> None:
    """List the templates."""
    home = _home(config, overrides)
    for name in home.list_templates():
        out.print(name, markup=False)
    err.print(f"({home.templates})", markup=False)


@template_app.command("remove")
def template_remove(name: Annotated[str, typer.Argument(help="Template name.")], config: ConfigOption = None,
                    overrides: SetOption = None) -> None:
    """Remove a template."""
    _home(config, overrides).remove_template(name)
    out.print(f"removed template {name!r}", markup=False)


