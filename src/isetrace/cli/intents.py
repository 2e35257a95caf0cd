"""``ise intents …``: Stage I from the command line — sample, render (and validate), dedup, stats, make."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.table import Table

from isetrace.cli.console import err, out
from isetrace.cli.inputs import ConfigOption, SetOption, output_dir, output_file, read_intents, resolve_config
from isetrace.config import RunConfig
from isetrace.intents.dedup import DedupResult
from isetrace.intents.files import IntentFiles
from isetrace.intents.render import RenderOutcome
from isetrace.intents.stage import (
    RenderStage,
    dedup_stage,
    diversity_stage,
    dropped_rows,
    make_intents,
    render_stage,
    sample_stage,
)
from isetrace.jsonl import write_jsonl, write_rows
from isetrace.llm.usage import UsageMeter
from isetrace.outputs import is_stream, replace_file
from isetrace.progress import make_progress

if TYPE_CHECKING:
    from isetrace.llm.model import ChatModel

__all__ = ["intents_app"]

intents_app = typer.Typer(help="Stage I: sample, render, validate, deduplicate and measure intents.",
                          no_args_is_help=True)

InOption = Annotated[Path, typer.Option("--in", exists=True, dir_okay=False,
                                        help="Intents JSONL (the original ISE layout loads too).")]
OutOption = Annotated[Path, typer.Option("--out", callback=output_file, help="JSONL file to write.")]


def _write_beside(path: Path, suffix: str, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` to ``OUT.suffix.jsonl`` beside the output file; an output that is a stream (a device,
    a FIFO, /dev/stdout) has no folder beside it, so the rows are then only counted, and that is said."""
    if is_stream(path):
        if rows:
            err.print(f"note: {len(rows)} {suffix} rows not written: {path} is a stream, with no folder beside it",
                      markup=False, soft_wrap=True)
        return
    write_rows(path.with_name(f"{path.stem}.{suffix}.jsonl"), rows)


@intents_app.command("sample")
def intents_sample(
    out_file: OutOption,
    count: Annotated[int | None, typer.Option(min=1, help="How many (default: intents.count).")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampler seed (default: intents.seed).")] = None,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Sample Persona × Domain × Task × Complexity into unrendered intents (original ISE field layout)."""
    sampled = sample_stage(resolve_config(config, overrides), count, seed)
    write_jsonl(out_file, sampled)
    shares = Counter(i.complexity for i in sampled)
    err.print(f"wrote {len(sampled)} sampled intents to {out_file} "
              f"({', '.join(f'{k} {v}' for k, v in sorted(shares.items()))})", markup=False)


def _print_outcomes(outcomes: list[RenderOutcome]) -> None:
    for outcome in outcomes:
        intent = outcome.rendered
        if intent is None:
            out.print(f"[red]✗ {outcome.sampled.id}[/red]: {outcome.reason}", soft_wrap=True)
            continue
        persona = intent.metadata.persona
        who = f"{persona.name}, {persona.role} ({persona.industry})" if persona else intent.persona_id
        out.print(f"[bold]{intent.id}[/bold] · {intent.complexity} · {', '.join(intent.domains)} · {who}",
                  soft_wrap=True)
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


T = TypeVar("T")


def _run_rendering(resolved: RunConfig, total: int,
                   work: Callable[[ChatModel, Callable[[RenderOutcome], None]], Awaitable[T]]) -> tuple[T, UsageMeter]:
    """``work(renderer, on_rendered)`` with the renderer endpoint open and rendering progress shown."""
    from isetrace.llm.endpoints import open_endpoints  # slow to load: only the commands that call models do

    progress = make_progress()

    async def run() -> tuple[T, UsageMeter]:
        async with open_endpoints(resolved, ["renderer"]) as endpoints:
            progress.start("rendering intents", total)
            try:
                result = await work(endpoints["renderer"], lambda o: progress.advance(o.rendered is not None))
            finally:
                progress.close()
            return result, endpoints.usage

    return asyncio.run(run())


def _report_render(stage: RenderStage, usage: UsageMeter, out_file: Path) -> None:
    out.print(_usage_table(usage))
    reasons = Counter(kind for _, kind, _ in stage.failures)
    detail = ", ".join(f"{kind} {n}" for kind, n in reasons.most_common()) or "none"
    out.print(f"rendered and valid {len(stage.kept)}, not kept {len(stage.failures)} ({detail}) → {out_file}",
              markup=False, soft_wrap=True)


@intents_app.command("render")
def intents_render(
    out_file: OutOption,
    in_file: Annotated[Path | None, typer.Option("--in", exists=True, dir_okay=False,
                                                 help="Sampled intents (JSONL); else sample now.")] = None,
    count: Annotated[int | None, typer.Option(min=1, help="How many to sample when --in is not given.")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampler seed when --in is not given.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the rendered intents.")] = False,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Render intents into first-person requests through the renderer endpoint, then validate them.

    Intents that fail (rendering or a validation check) go to OUT.failures.jsonl with the reason.
    """
    resolved = resolve_config(config, overrides)
    sampled = read_intents(in_file) if in_file is not None else sample_stage(resolved, count, seed)
    if not sampled:
        err.print(f"no intents in {in_file}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    stage, usage = _run_rendering(resolved, len(sampled), lambda renderer, on_rendered: render_stage(
        resolved, renderer, sampled, on_done=on_rendered))
    write_jsonl(out_file, stage.kept)
    _write_beside(out_file, "failures", stage.failure_rows())
    if not quiet:
        _print_outcomes(stage.outcomes)
    _report_render(stage, usage, out_file)
    if not stage.kept:
        raise typer.Exit(1)


def _embedder(resolved: RunConfig, name: str | None) -> Any:
    from isetrace.diversity.embeddings import make_embedder

    embedder = make_embedder(name or resolved.intents.embedder)
    err.print(f"embeddings: {embedder.name}", markup=False)
    return embedder


@intents_app.command("dedup")
def intents_dedup(
    in_file: InOption,
    out_file: OutOption,
    embedder: Annotated[str | None, typer.Option(help="auto, minilm, tfidf or a model (default: config).")] = None,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Drop exact, near- (MinHash LSH) and semantic (embedding cosine) duplicates; OUT.dropped.jsonl says why."""
    resolved = resolve_config(config, overrides)
    intents = read_intents(in_file)
    if not intents:
        err.print(f"no intents in {in_file}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    use = _embedder(resolved, embedder) if resolved.intents.dedup.semantic else None
    result = dedup_stage(resolved, intents, use)
    write_jsonl(out_file, result.kept)
    _write_beside(out_file, "dropped", dropped_rows(result))
    _print_passes(result)
    out.print(f"kept {len(result.kept)} of {len(intents)} → {out_file}", markup=False)


def _print_passes(result: DedupResult) -> None:
    for step in result.passes:
        out.print(f"{step.name:>10}: {step.before} in, {step.removed} removed", markup=False)


def _print_report(report: Any) -> None:
    data = report.as_dict()
    vendi, coverage = data["vendi"], data["coverage"]
    table = Table(title=f"intent diversity ({data['items']} intents)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    model = f"{vendi['embedder']}, {vendi['dimension']}-d"
    table.add_row(f"Vendi q=1 ({model})", f"{vendi['q1']:.2f}")
    table.add_row("Vendi q=2 / q=inf", f"{vendi['q2']:.2f} / {vendi['q_inf']:.2f}")
    for name, value in data["distinct"].items():
        table.add_row(name.replace("_", "-").capitalize(), f"{value:.3f}")
    for axis in ("personas", "industries", "domains", "tasks"):
        part = coverage[axis]
        table.add_row(f"{axis} covered", f"{part['used']}/{part['total']} ({part['share']:.0%})")
    split = ", ".join(f"{k} {v:.0%}" for k, v in coverage["complexity_share"].items())
    table.add_row("complexity", split)
    curve = vendi["curve"]
    if curve:
        table.add_row("Vendi curve", " → ".join(f"{p['q1']:.1f}@{p['n']}" for p in curve[:: max(1, len(curve) // 4)]))
    out.print(table)


@intents_app.command("stats")
def intents_stats(
    in_file: InOption,
    json_file: Annotated[Path | None, typer.Option("--json", callback=output_file,
                                                    help="Also write the full report as JSON.")] = None,
    embedder: Annotated[str | None, typer.Option(help="auto, minilm, tfidf or a model (default: config).")] = None,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Diversity of an intent pool: Vendi (with the embedding model named), Distinct-1/2/3, 4D coverage."""
    resolved = resolve_config(config, overrides)
    intents = [i for i in read_intents(in_file) if i.is_rendered]
    if not intents:
        err.print("no rendered intents to measure", markup=False)
        raise typer.Exit(1)
    report = diversity_stage(resolved, intents, _embedder(resolved, embedder))
    _print_report(report)
    if json_file is not None:
        replace_file(json_file, json.dumps(report.as_dict(), indent=2, ensure_ascii=False).encode("utf-8"))
        err.print(f"report → {json_file}", markup=False)


@intents_app.command("make")
def intents_make(
    out_dir: Annotated[Path, typer.Option("--out-dir", callback=output_dir, help="Directory for every stage's files.")],
    count: Annotated[int | None, typer.Option(min=1, help="How many to sample (default: intents.count).")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampler seed (default: intents.seed).")] = None,
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """All of Stage I: sample → render → validate → dedup → stats, into OUT_DIR."""
    resolved = resolve_config(config, overrides)
    files = IntentFiles(out_dir)
    embedder = _embedder(resolved, None)
    made, usage = _run_rendering(resolved, count or resolved.intents.count, lambda renderer, on_rendered: make_intents(
        resolved, files, renderer, embedder, count=count, seed=seed, on_rendered=on_rendered))
    _report_render(made.render, usage, files.rendered)
    _print_passes(made.dedup)
    if made.report is not None:
        _print_report(made.report)
    out.print(f"{len(made.dedup.kept)} intents → {files.intents}", markup=False)
