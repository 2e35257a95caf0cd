"""Stage I as a few library calls: sample → render → validate → deduplicate → measure.

Each step takes and returns plain records, so the command line, the pipeline and tests compose them
the same way. Nothing here prints; outcomes carry counts and reasons for the caller to report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from isetrace.config import RunConfig
from isetrace.intents.dedup import DedupResult, deduplicate
from isetrace.intents.feasibility import feasible_library
from isetrace.intents.library import Library, load_library
from isetrace.intents.render import RenderOutcome, render_intents
from isetrace.intents.sampler import sample_intents
from isetrace.intents.validate import Rejection, validate_intents
from isetrace.llm.client import ChatClient
from isetrace.records import Intent

if TYPE_CHECKING:
    from isetrace.stats.diversity import DiversityReport
    from isetrace.stats.embeddings import Embedder

__all__ = ["RenderStage", "dedup_stage", "diversity_stage", "render_stage", "run_library", "sample_stage"]

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
    rejections: list[Rejection] = field(default_factory=list)
    outcomes: list[RenderOutcome] = field(default_factory=list)


async def render_stage(config: RunConfig, client: ChatClient, sampled: Sequence[Intent],
                       on_done: Callable[[RenderOutcome], None] | None = None) -> RenderStage:
    """Render ``sampled`` through ``client`` and validate what comes back."""
    library = run_library(config)
    outcomes = await render_intents(client, library, sampled, on_done)
    stage = RenderStage(outcomes=outcomes)
    rendered = []
    for outcome in outcomes:
        if outcome.rendered is None:
            stage.failures.append((outcome.sampled.id, "render", outcome.reason))
        else:
            rendered.append(outcome.rendered)
    stage.kept, stage.rejections = validate_intents(rendered, config.intents.validation,
                                                    network=config.sandbox.network, library=library)
    stage.failures += [(r.intent_id, f"validate:{r.check}", r.detail) for r in stage.rejections]
    return stage


def dedup_stage(config: RunConfig, intents: Sequence[Intent], embedder: Embedder | None) -> DedupResult:
    """Exact, near-duplicate and (with an embedder and ``dedup.semantic``) semantic passes."""
    settings = config.intents.dedup
    embed = embedder.embed if embedder is not None and settings.semantic else None
    return deduplicate(intents, near_threshold=settings.near_threshold, num_perm=settings.num_perm,
                       semantic_threshold=settings.semantic_threshold, embed=embed)


def diversity_stage(config: RunConfig, intents: Sequence[Intent], embedder: Embedder) -> DiversityReport:
    """Vendi (named with its embedding model), Distinct-N, coverage of the 4D space and the curve."""
    from isetrace.stats.diversity import diversity_report

    texts = [i.natural_language_intent for i in intents]
    return diversity_report(texts, embedder.embed(texts), embedder.name, intents=list(intents),
                            library=run_library(config))
