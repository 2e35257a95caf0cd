"""What ``ise run`` says at its end: what the run directory holds, counted from its files, in a few lines.

Every run ends with it — finished, stopped by a budget or a signal, refused by an endpoint, or with a
stage that came up empty — so a person always learns where the intents went and why, without opening
the files. It reads only the run directory: the Stage I files and the run's episodes and failures.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from isetrace.pipeline.layout import IntentFiles, RunPaths
from isetrace.pipeline.rundir import RunDir, RunSummary
from isetrace.verify import check_kinds

__all__ = ["IntentTally", "summary_lines"]


def _rows(path: Path) -> list[dict[str, object]]:
    """The JSON objects of a JSONL file; a missing file has none, and a line that is not one is not counted."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


def _lines(path: Path) -> int:
    """How many records a JSONL file the run wrote holds: its non-blank lines (counted, not parsed)."""
    if not path.exists():
        return 0
    with path.open("rb") as source:
        return sum(1 for line in source if line.strip())


def _dedup_pass(reason: str) -> str:
    """``"near-duplicate of s0-000012 (…)"`` → ``near-duplicate``; ``"exact duplicate of …"`` → ``exact``."""
    return reason.split(" of ", 1)[0].removesuffix(" duplicate").strip() or "dedup"


@dataclass(frozen=True)
class IntentTally:
    """Where Stage I's intents went, counted from its files."""

    made: bool
    """Whether the stage finished (its final file exists)."""
    sampled: int
    kept: int
    render_failed: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    """Rejected by validation, by check."""
    dropped: Counter[str] = field(default_factory=Counter)
    """Dropped by deduplication, by pass (exact, near-duplicate, semantic)."""

    @classmethod
    def read(cls, files: IntentFiles) -> IntentTally:
        rejected: Counter[str] = Counter()
        render_failed = 0
        for row in _rows(files.failures):
            stage = str(row.get("stage", ""))
            if stage == "render":
                render_failed += 1
            else:
                rejected[stage.removeprefix("validate:") or "unknown"] += 1
        dropped = Counter(_dedup_pass(str(row.get("reason", ""))) for row in _rows(files.dropped))
        return cls(made=files.intents.exists(), sampled=_lines(files.sampled), kept=_lines(files.intents),
                   render_failed=render_failed, rejected=rejected, dropped=dropped)

    @property
    def not_kept(self) -> int:
        return self.render_failed + self.rejected.total() + self.dropped.total()

    def reasons(self) -> str:
        """``render 2; validation: in_voice 1; dedup: exact 1``."""
        parts = [f"render {self.render_failed}"] if self.render_failed else []
        for name, counts in (("validation", self.rejected), ("dedup", self.dropped)):
            if counts:
                parts.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
        return "; ".join(parts)

    def emptied_by(self) -> str:
        """The stages that left no intent: ``rendering``, ``rendering and validation``…"""
        stages = [name for name, lost in (("rendering", self.render_failed), ("validation", self.rejected.total()),
                                          ("deduplication", self.dropped.total())) if lost]
        if len(stages) > 1:
            return f"{', '.join(stages[:-1])} and {stages[-1]}"
        return stages[0] if stages else "sampling"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.most_common())


def _checks_line(path: Path) -> str:
    """``checks: 12 kept; 2 dropped as vacuous (file_exists 2); 1 intent judge-only`` ('' without the file)."""
    try:
        counts = json.loads(path.read_text(encoding="utf-8"))
        vacuous = Counter({str(k): int(v) for k, v in counts["vacuous_dropped"].items()})
        kept, judge_only = int(counts["checks_kept"]), int(counts["judge_only_intents"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""
    dropped = f"; {sum(vacuous.values())} dropped as vacuous ({_counts(vacuous)})" if vacuous else ""
    only = f"; {judge_only} intent{'' if judge_only == 1 else 's'} judge-only" if judge_only else ""
    return f"checks: {kept} kept{dropped}{only}"


def summary_lines(run: RunDir | RunPaths, summary: RunSummary) -> list[str]:
    """The run's summary: its intents, its episodes, and — when a stage came up empty — which, plainly."""
    paths = run.paths if isinstance(run, RunDir) else run
    files = paths.intents
    tally = IntentTally.read(files)
    lines = []
    if tally.made:
        lost = f", {tally.not_kept} not kept ({tally.reasons()}; see {files.dir})" if tally.not_kept else ""
        lines.append(f"intents: {tally.sampled} sampled, {tally.kept} kept{lost}")
    elif tally.sampled:
        lines.append(f"intents: {tally.sampled} sampled, not all rendered yet (resume to finish)")
    else:
        lines.append("intents: none made yet")
    checks = _checks_line(files.checks)
    if checks:
        lines.append(checks)
    terminations = Counter({t.value: n for t, n in summary.by_termination.items()})
    episodes = f"episodes: {summary.episodes}" + (f" ({_counts(terminations)})" if summary.episodes else "")
    failures = f"episode failures: {summary.failures}"
    if summary.failures:
        failures += f" ({_counts(summary.failures_by_stage)}; see {paths.failures})"
    lines.append(f"{episodes}; {failures}")
    if summary.episodes:
        lines.append(f"verified: {summary.verified} of {summary.episodes}; the simulated user called "
                     f"{summary.unconfirmed_successes} a success that failed its checks")
        kinds = check_kinds()
        worlds = [f"{kind} {passed}/{n}" for kind, (passed, n) in summary.checks_by_kind.items()
                  if kind in kinds and kinds[kind].world is not None]
        if worlds:
            lines.append(f"world checks passed: {', '.join(worlds)}")
    if tally.made and tally.kept == 0:
        where = files.failures if tally.render_failed or tally.rejected else files.dir
        lines.append(f"no intents survived {tally.emptied_by()}: see {where}")
    elif summary.episodes == 0 and summary.failures:
        lines.append(f"no episode was recorded: {summary.failures} sessions failed, see {paths.failures}")
    if summary.episodes:
        lines.append(f"dataset: {paths.exports}   report: {paths.corpus_stats}")
    return lines
