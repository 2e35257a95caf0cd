"""What the worlds saw of a corpus: the calls made to them, the faults injected, and what the agent did next.

Each episode with worlds keeps the log of every call (``Episode.world``); an injected fault names the tool
call it came from (``detail.tool_call``). A tool call *met* a fault when at least one of its world calls
failed on purpose; it *failed under* the fault when its result failed too (a ``curl`` that retried and
succeeded did not); such a failure is *recovered* when a later call of the same tool succeeds in the same
agent turn, before the next user message — the same rule as the corpus's recovery rate, per fault kind.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from isetrace.stats.tools import TURN_STARTS, turn_results

if TYPE_CHECKING:
    from isetrace.records import Episode

__all__ = ["WorldTally"]


@dataclass
class WorldTally:
    """The world figures of a corpus, added one episode at a time."""

    episodes: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    """World calls by world (``web``, ``office``, ``git``, ``packages``, ``scheduler``)."""
    injected: Counter[str] = field(default_factory=Counter)
    met: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    recovered: Counter[str] = field(default_factory=Counter)

    def add(self, episode: Episode) -> None:
        if episode.world is None:
            return
        self.episodes += 1
        faults: dict[str, set[str]] = defaultdict(set)
        for entry in episode.world.audit:
            self.calls[str(entry.get("world"))] += 1
            kind = entry.get("fault")
            if kind:
                self.injected[kind] += 1
                call = (entry.get("detail") or {}).get("tool_call")
                if call:
                    faults[str(call)].add(kind)
        pending: list[tuple[str, str]] = []  # (tool, fault kind) failed in this agent turn, not yet recovered
        for result in turn_results(episode.messages):
            if result is TURN_STARTS:
                pending.clear()
                continue
            if result.ok:
                self.recovered.update(kind for tool, kind in pending if tool == result.tool)
                pending = [p for p in pending if p[0] != result.tool]
            for kind in sorted(faults.get(result.call_id, ())):
                self.met[kind] += 1
                if not result.ok:
                    self.failed[kind] += 1
                    pending.append((result.tool, kind))

    def as_dict(self) -> dict[str, Any]:
        return {"episodes": self.episodes, "calls": dict(self.calls.most_common()),
                "faults": {kind: {"injected": n, "tool_calls_met": self.met[kind],
                                  "tool_calls_failed": self.failed[kind], "recovered_same_turn": self.recovered[kind]}
                           for kind, n in self.injected.most_common()}}

    def table_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows for the statistics table; none for a corpus without worlds."""
        if not self.episodes:
            return []
        rows = [("World calls", ", ".join(f"{world} {n:,}" for world, n in self.calls.most_common()) or "none")]
        for kind, n in self.injected.most_common():
            failed = self.failed[kind]
            rows.append((f"Fault {kind}", f"{n:,} injected; {self.met[kind]:,} tool calls met it, {failed:,} failed, "
                                          f"{self.recovered[kind]:,} of those recovered in the same turn"))
        return rows
