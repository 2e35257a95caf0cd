"""``ise simulate``: run episodes for given intents and write them as Episode JSONL."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from isetrace.cli.console import err, out
from isetrace.cli.inputs import ConfigOption, SetOption, output_file, read_intents, resolve_config
from isetrace.jsonl import append_jsonl
from isetrace.progress import make_progress
from isetrace.records import Episode, Termination

__all__ = ["simulate"]


def simulate(
    intents_file: Annotated[Path, typer.Option("--intents", exists=True, dir_okay=False,
                                               help="Rendered intents (JSONL; original ISE layout too).")],
    out_file: Annotated[Path, typer.Option("--out", callback=output_file, help="Episode JSONL to append to.")],
    config: ConfigOption = None,
    overrides: SetOption = None,
) -> None:
    """Run episodes (simulated user ↔ agent ↔ sandbox) for the intents and write them as JSONL."""
    from isetrace.simulate.batch import group_intents, simulate_all  # slow to load: only commands that call models do

    resolved = resolve_config(config, overrides)
    loaded = read_intents(intents_file)
    intents = [i for i in loaded if i.is_rendered]
    for intent in loaded:
        if not intent.is_rendered:
            err.print(f"skipped {intents_file}: intent {intent.id} has no text (render it first)", markup=False)
    if not intents:
        err.print("no usable intents", markup=False)
        raise typer.Exit(1)
    progress = make_progress()

    def save(episode: Episode) -> None:
        append_jsonl(out_file, [episode])
        progress.advance(episode.termination is Termination.SUCCESS)

    progress.start("episodes", len(group_intents(intents, resolved)))
    try:
        episodes = asyncio.run(simulate_all(intents, resolved, on_episode=save, environ=os.environ))
    finally:
        progress.close()
    counts = Counter(e.termination.value for e in episodes)
    out.print(", ".join(f"{reason}: {n}" for reason, n in counts.most_common()), markup=False)
    out.print(f"wrote {len(episodes)} episodes → {out_file}", markup=False)
