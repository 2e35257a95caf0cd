"""Checks are sound before they are trusted: none may already pass on the untouched workspace.

A check that holds before the agent has done anything — "``data.csv`` exists" when the template ships
``data.csv``, "``python3 --version`` exits 0" — verifies nothing, and an episode judged by it would be
called verified for free. Each rendered intent's checks are therefore evaluated on a session started
from the run's template, before any episode: one that passes there is dropped as vacuous (counted by
kind), and an intent that had checks and is left with none is marked ``judge_only``. Checks that only
read share one session; an intent with a check that runs a command gets a session of its own, so no
command can change what another intent's checks see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from isetrace.config import RunConfig
from isetrace.records import Intent
from isetrace.sandbox import Sandbox, SessionOpener
from isetrace.verify import CheckContext, CheckError, parse_check
from isetrace.verify.verdicts import template_of

__all__ = ["Soundness", "drop_vacuous_checks"]


@dataclass
class Soundness:
    """What the soundness pass did: the intents as they go on, and the checks it dropped, by kind."""

    intents: list[Intent]
    vacuous: Counter[str] = field(default_factory=Counter)
    judge_only: int = 0
    kept: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"checks_kept": self.kept, "vacuous_dropped": dict(self.vacuous), "judge_only_intents": self.judge_only}


async def _vacuous(intent: Intent, context: CheckContext) -> list[bool]:
    """For each check of ``intent``: whether it already passes on the untouched session."""
    found = []
    for spec in intent.checks:
        try:
            check = parse_check(spec)
        except CheckError:
            found.append(False)  # not a check at all: the episode's verdict will say so
            continue
        found.append((await check.evaluate(context)).passed)
    return found


def _reads_only(intent: Intent) -> bool:
    kinds = {spec.get("kind") for spec in intent.checks}
    return not kinds & {"command"}


async def drop_vacuous_checks(intents: Sequence[Intent], config: RunConfig) -> Soundness:
    """The intents with every check that passes on the untouched template dropped (see the module docstring).

    Raises :class:`~isetrace.errors.SandboxUnavailable` when no session can start: checks that cannot be
    tested are not kept as if they had been.
    """
    result = Soundness(list(intents))
    if not config.verify.enabled or not any(i.checks for i in intents):
        return result
    template = template_of(config)
    async with SessionOpener(config.sandbox) as opener:
        shared: Sandbox | None = None
        try:
            for index, intent in enumerate(result.intents):
                if not intent.checks:
                    continue
                if _reads_only(intent):
                    shared = shared or await opener()
                    verdicts = await _vacuous(intent, CheckContext(shared, template, config.verify.check_timeout_s))
                else:
                    own = await opener()
                    try:
                        verdicts = await _vacuous(intent, CheckContext(own, template, config.verify.check_timeout_s))
                    finally:
                        await own.close()
                result.intents[index] = _without(intent, verdicts, result)
        finally:
            if shared is not None:
                await shared.close()
    return result


def _without(intent: Intent, vacuous: list[bool], result: Soundness) -> Intent:
    kept = [spec for spec, empty in zip(intent.checks, vacuous, strict=True) if not empty]
    for spec, empty in zip(intent.checks, vacuous, strict=True):
        if empty:
            result.vacuous[str(spec.get("kind"))] += 1
    result.kept += len(kept)
    if kept == intent.checks:
        return intent
    result.judge_only += not kept
    return intent.model_copy(update={"checks": kept, "judge_only": not kept})
