"""Stage I as a few library calls: sample → render → validate → sound checks → deduplicate → measure.

Each step takes and returns plain records, so the command line, the pipeline and tests compose them
the same way. Nothing here prints; outcomes carry counts and reasons for the caller to report.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from isetrace.config import RunConfig
from isetrace.errors import ConfigError
from isetrace.intents.dedup import DedupResult, deduplicate
from isetrace.intents.feasibility import feasible_library, reaches_out
from isetrace.intents.files import IntentFiles
from isetrace.intents.library import Library, load_library
from isetrace.intents.render import RenderOutcome, render_intents
from isetrace.intents.sampler import sample_intents
from isetrace.intents.soundness import drop_vacuous_checks
from isetrace.intents.validate import validate_intents
from isetrace.jsonl import load_jsonl, write_jsonl, write_rows
from isetrace.outputs import replace_file
from isetrace.records import Intent

if TYPE_CHECKING:
    from isetrace.diversity.embeddings import Embedder
    from isetrace.diversity.scores import DiversityReport
    from isetrace.llm.model import ChatModel

__all__ = [
    "IntentsMade",
    "RenderStage",
    "dedup_stage",
    "diversity_stage",
    "dropped_rows",
    "given_intents",
    "make_intents",
    "render_stage",
    "run_library",
    "sample_stage",
]

log = logging.getLogger(__name__)


def run_library(config: RunConfig) -> Library:
    """The run's library (``intents.library`` or the built-in one), restricted to feasible tasks."""
    library, dropped = feasible_library(load_library(Path(config.intents.library) if config.intents.library
                                                     else None), config)
    if dropped:
        log.info("left out %d tasks this run cannot do: %s", len(dropped), ", ".join(dropped))
    return library


def sample_stage(config: RunConfig, count: int | None = None, seed: int | None = None) -> list[Intent]:
    """Sampled, unrendered intents (``intents.count`` and ``intents.seed`` unless given)."""
    return sample_intents(run_library(config), count or config.intents.count,
                          config.intents.seed if seed is None else seed)


@dataclass
class RenderStage:
    """Rendered intents that passed validation, and every intent that did not, with why."""

    kept: list[Intent] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    """(intent id, stage: ``render`` or ``validate:<check>``, reason)."""
    outcomes: list[RenderOutcome] = field(default_factory=list)

    def failure_rows(self) -> list[dict[str, str]]:
        """The failures as the rows of ``failures.jsonl`` (with ``raw``, the reply, where one was kept)."""
        raw = {o.sampled.id: o.raw for o in self.outcomes if o.raw}
        rows = []
        for intent_id, stage, reason in self.failures:
            row = {"id": intent_id, "stage": stage, "reason": reason}
            if stage == "render" and intent_id in raw:
                row["raw"] = raw[intent_id]
            rows.append(row)
        return rows


async def render_stage(config: RunConfig, client: ChatModel, sampled: Sequence[Intent],
                       on_done: Callable[[RenderOutcome], None] | None = None) -> RenderStage:
    """Render ``sampled`` through ``client`` and validate what comes back."""
    library = run_library(config)
    outcomes = await render_intents(client, library, sampled, on_done, write_checks=config.intents.write_checks,
                                    worlds=config.worlds.names)
    stage = RenderStage(outcomes=outcomes)
    rendered = []
    for outcome in outcomes:
        if outcome.rendered is None:
            stage.failures.append((outcome.sampled.id, "render", outcome.reason))
        else:
            rendered.append(outcome.rendered)
    stage.kept, rejections = validate_intents(rendered, config.intents.validation,
                                              network=reaches_out(config), library=library)
    stage.failures += [(r.intent_id, f"validate:{r.check}", r.detail) for r in rejections]
    return stage


def dedup_stage(config: RunConfig, intents: Sequence[Intent], embedder: Embedder | None) -> DedupResult:
    """Exact, near-duplicate and (with an embedder and ``dedup.semantic``) semantic passes."""
    settings = config.intents.dedup
    embed = embedder.embed if embedder is not None and settings.semantic else None
    return deduplicate(intents, near_threshold=settings.near_threshold, num_perm=settings.num_perm,
                       semantic_threshold=settings.semantic_threshold, embed=embed)


def diversity_stage(config: RunConfig, intents: Sequence[Intent], embedder: Embedder) -> DiversityReport:
    """Vendi (named with its embedding model), Distinct-N, coverage of the 4D space and the curve."""
    from isetrace.diversity.scores import diversity_report

    texts = [i.natural_language_intent for i in intents]
    return diversity_report(texts, embedder.embed(texts), embedder.name, intents=list(intents),
                            library=run_library(config))


def dropped_rows(result: DedupResult) -> list[dict[str, str]]:
    """The intents deduplication dropped, as the rows of ``dropped.jsonl``."""
    return [{"id": intent.id, "reason": why} for intent, why in result.dropped]


@dataclass
class IntentsMade:
    """What all of Stage I did: what was sampled, rendered, kept, and the diversity of what was kept."""

    sampled: list[Intent]
    render: RenderStage
    dedup: DedupResult
    report: DiversityReport | None
    """``None`` when no intent was kept."""


async def make_intents(config: RunConfig, files: IntentFiles, renderer: ChatModel, embedder: Embedder, *,
                       count: int | None = None, seed: int | None = None,
                       on_rendered: Callable[[RenderOutcome], None] | None = None) -> IntentsMade:
    """All of Stage I into ``files``: sample → render → validate → sound checks → dedup → diversity.

    Writes the sampled and the rendered intents, the failures with their reasons, what the soundness pass
    did to the checks (:mod:`.soundness`), the dropped ones with theirs, the diversity report and, last,
    the final intents: their file marks a finished stage.
    """
    files.dir.mkdir(parents=True, exist_ok=True)
    sampled = sample_stage(config, count, seed)
    write_jsonl(files.sampled, sampled)
    render = await render_stage(config, renderer, sampled, on_done=on_rendered)
    soundness = await drop_vacuous_checks(render.kept, config)
    render.kept = soundness.intents
    replace_file(files.checks, json.dumps(soundness.as_dict(), indent=2).encode("utf-8"))
    write_jsonl(files.rendered, render.kept)
    write_rows(files.failures, render.failure_rows())
    dedup = dedup_stage(config, render.kept, embedder)
    write_rows(files.dropped, dropped_rows(dedup))
    report = diversity_stage(config, dedup.kept, embedder) if dedup.kept else None
    if report is not None:
        replace_file(files.stats, json.dumps(report.as_dict(), indent=2, ensure_ascii=False).encode("utf-8"))
    write_jsonl(files.intents, dedup.kept)
    return IntentsMade(sampled, render, dedup, report)


async def given_intents(config: RunConfig, files: IntentFiles) -> list[Intent]:
    """The intents of ``intents.file`` (intents or direct queries, read as the recipe reads them), their
    checks made sound as rendered ones' are (:mod:`.soundness`), written into ``files`` as the run's intents.

    A line that is not a usable record, and a repeated id (a session key must name one session), goes to
    the failures file as ``{"id", "stage": "read", "reason"}`` with the file and line; the rest is kept.
    Raises :class:`ConfigError` when the file cannot be read.
    """
    assert config.intents.file is not None
    source = Path(config.intents.file)
    try:
        intents, errors = load_jsonl(source, Intent)
    except OSError as exc:
        raise ConfigError(f"intents.file: cannot read {source} ({exc.strerror})") from None
    failures = [{"id": "", "stage": "read", "reason": str(error)} for error in errors]
    kept: dict[str, Intent] = {}
    for intent in intents:
        if intent.id in kept:
            failures.append({"id": intent.id, "stage": "read", "reason": f"{source}: the id {intent.id} is repeated"})
        else:
            kept[intent.id] = intent
    files.dir.mkdir(parents=True, exist_ok=True)
    write_rows(files.failures, failures)
    soundness = await drop_vacuous_checks(list(kept.values()), config)
    if any(intent.checks for intent in kept.values()):
        replace_file(files.checks, json.dumps(soundness.as_dict(), indent=2).encode("utf-8"))
    write_jsonl(files.intents, soundness.intents)  # last: its file marks a finished stage
    return soundness.intents
