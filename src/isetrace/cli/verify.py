"""``ise verify RUN_DIR``: label a run's episodes again, each on a replay of its tool calls.

For a run made before verification existed, or to try other checks and another judge: the run's own
config is used, its episodes' workspaces are rebuilt by replaying their tool calls, and each episode's
``verifications``, ``unsupported_claims`` and ``verified`` label are made anew.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from isetrace.cli.console import err, out, report_skipped
from isetrace.cli.inputs import output_file
from isetrace.pipeline.reverify import reverify_run

__all__ = ["verify_command"]


def verify_command(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (its config.yaml and episodes.jsonl).",
                                            show_default=False)],
    out_file: Annotated[Path | None, typer.Option(
        "--out", "-o", callback=output_file,
        help="Write the re-verified episodes here. Default: replace DIR/episodes.jsonl (atomically, once every "
        "episode is done).")] = None,
) -> None:
    """Verify a run's episodes again: replay each one's tool calls in a fresh session from the run's
    template, hold each closing message against the state at that point, run every intent's checks on the
    final state and ask the judge (when the run has one) where no check decides."""
    done = 0

    def progress(_: object) -> None:
        nonlocal done
        done += 1
        err.print(f"verified {done} episodes", end="\r", markup=False)

    result = reverify_run(run_dir, out=out_file, on_episode=progress)
    for error in result.skipped:
        report_skipped(error)
    tally = result.tally
    out.print(f"verified: {tally.verified} of {tally.episodes} ({tally.checked} checked); the simulated user "
              f"called {tally.unconfirmed_successes} a success that failed its checks → {result.path}",
              markup=False, soft_wrap=True)
