"""The drift detector the episode loop asks about every simulated-user turn: rules, or rules and a model.

``rules`` is :func:`isetrace.drift.rules.detect_drift` alone: no dependencies, but it knows only the
phrasing it was written for. ``model`` adds :class:`isetrace.drift.adapter.DriftModel` (the bundled
MiniLM with a small trained adapter), which reads the turn beside the rules' findings and decides
whether the turn left the user's perspective; the rules still decide whole-intent restatement. ``auto``
is ``model`` when the ``embed`` extra (torch, transformers, the bundled MiniLM) is installed, else
``rules``, and says which.

The model is loaded once per process and shared by every detector made there: it takes seconds to load
and ten-odd milliseconds a turn afterwards.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from typing import TYPE_CHECKING, Literal

from isetrace.diversity.embeddings import embed_extra_available
from isetrace.drift.rules import PERSPECTIVE_KINDS, DriftFinding, DriftVerdict, detect_drift, excerpt
from isetrace.errors import ConfigError

if TYPE_CHECKING:
    from isetrace.drift.adapter import DriftModel

__all__ = ["DriftDetector", "make_drift_detector", "require_drift_detector"]

log = logging.getLogger(__name__)

DetectorChoice = Literal["auto", "rules", "model"]


class DriftDetector:
    """Judges simulated-user turns; ``model`` is ``None`` for the rules alone."""

    def __init__(self, model: DriftModel | None = None) -> None:
        self.model = model

    @property
    def name(self) -> str:
        """``rules``, or ``rules+<model>`` (``rules+all-MiniLM-L6-v2+lora8``): logged when the detector is made."""
        return "rules" if self.model is None else f"rules+{self.model.name}"

    def probability(self, turn: str) -> float | None:
        """The model's probability that ``turn`` left the user's perspective; ``None`` without a model."""
        return None if self.model is None else float(self.model.probabilities([turn])[0])

    def judge(self, turn: str, *, intent: str = "", turn_index: int = 0) -> DriftVerdict:
        """Like :func:`~isetrace.drift.rules.detect_drift`, with the model deciding perspective when present.

        With a model, the rules' perspective findings are kept as evidence when the model agrees and
        dropped when it does not; a drifted turn no rule explains gets a ``model`` finding quoting the turn's
        opening with the probability.
        """
        verdict = detect_drift(turn, intent=intent, turn_index=turn_index)
        if self.model is None:
            return verdict
        return self._decide(turn, verdict, float(self.model.probabilities([turn], [verdict])[0]))

    async def judge_async(self, turn: str, *, intent: str = "", turn_index: int = 0) -> DriftVerdict:
        """:meth:`judge` for the episode loop: the model runs in a worker thread, one turn at a time per
        process, so the tens of milliseconds of a forward pass never stall the other episodes' requests
        and tools (the verdict is the same as :meth:`judge`'s)."""
        verdict = detect_drift(turn, intent=intent, turn_index=turn_index)
        if self.model is None:
            return verdict
        async with _model_turn():
            probabilities = await asyncio.to_thread(self.model.probabilities, [turn], [verdict])
        return self._decide(turn, verdict, float(probabilities[0]))

    def _decide(self, turn: str, verdict: DriftVerdict, probability: float) -> DriftVerdict:
        assert self.model is not None
        perspective = [f for f in verdict.findings if f.kind in PERSPECTIVE_KINDS]
        others = [f for f in verdict.findings if f.kind not in PERSPECTIVE_KINDS]
        if probability < self.model.threshold:
            perspective = []
        elif not perspective:
            perspective = [DriftFinding("model", f"p={probability:.2f} {excerpt(turn)}")]
        findings = (*perspective, *others)
        return DriftVerdict(drifted=bool(findings), findings=findings)


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _model_turn() -> asyncio.Lock:
    """The running loop's lock on the model: one forward pass at a time (they would only contend for the
    same cores), queued in the order the turns asked."""
    loop = asyncio.get_running_loop()
    lock = _TURNS.get(loop)
    if lock is None:
        lock = _TURNS[loop] = asyncio.Lock()
    return lock


@functools.cache
def _shared_model_detector() -> DriftDetector:
    try:
        from isetrace.drift.adapter import DriftModel
    except ModuleNotFoundError as exc:
        raise ConfigError(f"the drift model needs the module {exc.name!r}: pip install 'isetrace[embed]', or "
                          "set simulate.drift_detector: rules") from exc
    detector = DriftDetector(DriftModel.load())
    log.info("role drift is judged by %s", detector.name)
    return detector


def require_drift_detector(choice: DetectorChoice) -> None:
    """Fail now, cheaply, when ``choice`` cannot be made here: ``model`` without the ``embed`` extra."""
    if choice == "model" and not embed_extra_available():
        raise ConfigError("simulate.drift_detector: model needs the embed extra (pip install 'isetrace[embed]'); "
                          "use auto or rules")


@functools.cache
def make_drift_detector(choice: DetectorChoice = "auto") -> DriftDetector:
    """The detector for ``choice``; one per process and choice. ``model`` without the ``embed`` extra is a
    :class:`~isetrace.errors.ConfigError`; ``auto`` then falls back to the rules."""
    if choice == "rules":
        return DriftDetector()
    if choice == "auto" and not embed_extra_available():
        log.warning("role drift is judged by the rules alone: the embed extra (pip install 'isetrace[embed]') "
                    "adds the model that finds drift the rules miss")
        return DriftDetector()
    return _shared_model_detector()
