"""Verdicts on an episode's work, and the rule that turns them into one ``verified`` label.

- :func:`check_intent`: the intent's checks, evaluated in the episode's sandbox before it closes, each with
  a time cap and all within the intent's total; a spec that is not a check of the vocabulary is recorded
  as failed with the reason (a broken check is not evidence of good work).
- :func:`reference_verdict`: a direct query's final answer against its known answer — normalised (case,
  spacing, surrounding ``$``, a final full stop, thousands separators; numbers by value) and ``\\boxed{}``
  aware: a boxed answer is what is compared.
- :func:`decide`: per intent, its checks decide when it has any; otherwise its reference answer; otherwise
  the judge. The episode is verified when every intent passed by one of them. The simulated user's word is
  recorded beside them and never makes ``verified`` true on its own.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from pathlib import Path

from isetrace.config import RunConfig
from isetrace.errors import ConfigError
from isetrace.records import CheckResult, Intent, Verification
from isetrace.sandbox import SandboxHome, default_home
from isetrace.verify.checks import CheckContext, CheckError, Outcome, parse_check

__all__ = ["DECIDING_METHODS", "boxed_answer", "check_intent", "decide", "normalise_answer", "reference_verdict",
           "template_of"]

DECIDING_METHODS = ("checks", "reference_answer", "judge")
"""The methods that can decide an intent, in the order the rule tries them."""


def template_of(config: RunConfig) -> Path | None:
    """The host directory of the template the run's sessions start from (what ``file_unchanged`` compares
    with); ``None`` when there is none to be had."""
    try:
        return SandboxHome(default_home(config.sandbox.home)).template(config.sandbox.template)
    except (ConfigError, OSError):
        return None


async def _evaluate(spec: dict[str, object], context: CheckContext, deadline: float) -> CheckResult:
    kind = str(spec.get("kind", "?"))
    try:
        check = parse_check(spec)
    except CheckError as exc:
        return CheckResult(kind=kind, spec=spec, passed=False, evidence=f"not a usable check: {exc}")
    left = deadline - time.monotonic()
    if left <= 0:
        return CheckResult(kind=kind, spec=check.spec(), passed=False, evidence="not run: the intent's time was up")
    try:
        outcome = await asyncio.wait_for(check.evaluate(context), min(left, context.timeout_s + 5))
    except TimeoutError:
        outcome = Outcome.of(False, f"ran past its time cap of {context.timeout_s:g} s")
    return CheckResult(kind=kind, spec=check.spec(), passed=outcome.passed, evidence=outcome.evidence)


async def check_intent(intent: Intent, context: CheckContext, *, total_timeout_s: float = 300.0,
                       ) -> Verification | None:
    """The verdict of ``intent``'s checks on the session as it is now; ``None`` when it has none (or only
    vacuous ones: ``judge_only``)."""
    if not intent.checks or intent.judge_only:
        return None
    deadline = time.monotonic() + total_timeout_s
    results = [await _evaluate(spec, context, deadline) for spec in intent.checks]
    passed = sum(r.passed for r in results)
    failed = [f"{r.kind}: {r.evidence}" for r in results if not r.passed]
    return Verification(method="checks", passed=not failed, score=passed / len(results), intent_id=intent.id,
                        checks=results, detail="; ".join(failed) or f"all {len(results)} checks passed")


_BOXED = re.compile(r"\\boxed\s*\{")


def boxed_answer(text: str) -> str | None:
    """The content of the last ``\\boxed{…}`` in ``text`` (braces balanced), or ``None``."""
    starts = [m.end() for m in _BOXED.finditer(text)]
    if not starts:
        return None
    depth, start = 1, starts[-1]
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start:index]
    return None


def normalise_answer(text: str) -> str:
    """An answer as compared: case folded, spacing collapsed, ``$…$``, a final full stop and thousands
    separators removed; a number written as its value (``2.50`` → ``2.5``)."""
    value = " ".join(text.strip().strip("$").split()).casefold().rstrip(".").strip()
    number = value.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", value) else value
    try:
        return format(float(number), "g") if re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", number) else value
    except ValueError:
        return value


def reference_verdict(intent: Intent, answer: str) -> Verification | None:
    """The final answer against the intent's reference answer; ``None`` when it has none."""
    reference = intent.reference_answer
    if reference is None or not str(reference).strip():
        return None
    wanted = normalise_answer(str(reference))
    boxed = boxed_answer(answer)
    lines = [line for line in answer.strip().splitlines() if line.strip()]
    candidates = [boxed] if boxed is not None else [answer, *(lines[-1:])]
    passed = any(normalise_answer(c) == wanted for c in candidates)
    said = boxed if boxed is not None else (lines[-1] if lines else "")
    return Verification(method="reference_answer", passed=passed, score=1.0 if passed else 0.0, intent_id=intent.id,
                        detail=f"answered {said[:120]!r}, reference {str(reference)[:120]!r}")


def decide(intents: Sequence[Intent], verdicts: Sequence[Verification]) -> tuple[bool, str]:
    """``(verified, verified_by)`` by the rule in the module docstring."""
    used: list[str] = []
    for intent in intents:
        mine = {v.method: v for v in verdicts if v.intent_id == intent.id}
        deciding = next((mine[m] for m in DECIDING_METHODS if m in mine), None)
        if deciding is None or not deciding.passed:
            return False, "+".join(dict.fromkeys(used + ([deciding.method] if deciding else [])))
        used.append(deciding.method)
    return bool(intents), "+".join(dict.fromkeys(used))
