"""How much of a corpus is verified, and how the verdicts agree: simulator × checks × judge.

Per episode each verdict is ``pass``, ``fail`` or ``—`` (not given): the simulated user's (its
``verification``), the checks' (every per-intent ``checks`` and ``reference_answer`` verdict, all passed
or not), and the judge's. The agreement table counts the episodes of each combination; the figure that
matters most is the simulator's successes that the checks did not confirm — work a user would have been
told was done.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from isetrace.records import Episode, Verification

__all__ = ["VerificationTally", "episode_verdicts"]

STATE_METHODS = ("checks", "reference_answer")
"""The verdicts on the state and answer the episode left, as one column of the table."""


def _mark(verdicts: list[Verification]) -> str:
    if not verdicts:
        return "—"
    return "pass" if all(v.passed for v in verdicts) else "fail"


def episode_verdicts(episode: Episode) -> tuple[str, str, str]:
    """``(simulator, checks, judge)`` of one episode, each ``pass``, ``fail`` or ``—``."""
    simulator = _mark([episode.verification] if episode.verification is not None else [])
    checks = _mark([v for v in episode.verifications if v.method in STATE_METHODS])
    judge = _mark([v for v in episode.verifications if v.method == "judge"])
    return simulator, checks, judge


@dataclass
class VerificationTally:
    """The verification figures of a corpus, added to one episode at a time."""

    episodes: int = 0
    verified: int = 0
    agreement: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    checks_run: Counter[str] = field(default_factory=Counter)
    """Checks evaluated, by kind."""
    checks_passed: Counter[str] = field(default_factory=Counter)

    def add(self, episode: Episode) -> None:
        self.episodes += 1
        self.verified += episode.verified
        self.agreement[episode_verdicts(episode)] += 1
        for verdict in episode.verifications:
            for check in verdict.checks:
                self.checks_run[check.kind] += 1
                self.checks_passed[check.kind] += check.passed

    @property
    def checks_by_kind(self) -> dict[str, tuple[int, int]]:
        """``kind → (passed, evaluated)``, most evaluated first."""
        return {kind: (self.checks_passed[kind], n) for kind, n in self.checks_run.most_common()}

    @property
    def unconfirmed_successes(self) -> int:
        """Episodes the simulator called a success whose checks failed."""
        return sum(n for (simulator, checks, _), n in self.agreement.items()
                   if simulator == "pass" and checks == "fail")

    @property
    def checked(self) -> int:
        """Episodes with a verdict of their checks or reference answers."""
        return sum(n for (_, checks, _), n in self.agreement.items() if checks != "—")

    def as_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "verified_share": self.verified / self.episodes if self.episodes else 0.0,
            "checked": self.checked,
            "simulator_success_checks_failed": self.unconfirmed_successes,
            "checks_by_kind": {kind: {"passed": passed, "evaluated": n}
                               for kind, (passed, n) in self.checks_by_kind.items()},
            "agreement": [{"simulator": s, "checks": c, "judge": j, "episodes": n}
                          for (s, c, j), n in sorted(self.agreement.items())],
        }

    def table_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows for the statistics table."""
        share = self.verified / self.episodes if self.episodes else 0.0
        rows = [("Verified", f"{share:.1%} ({self.verified:,} of {self.episodes:,}; {self.checked:,} checked)"),
                ("Simulator success, checks failed", f"{self.unconfirmed_successes:,}")]
        rows += [(f"sim {s} · checks {c} · judge {j}", f"{n:,}")
                 for (s, c, j), n in sorted(self.agreement.items())]
        if self.checks_run:
            rows.append(("Checks passed by kind", ", ".join(f"{kind} {passed}/{n}"
                                                            for kind, (passed, n) in self.checks_by_kind.items())))
        return rows
