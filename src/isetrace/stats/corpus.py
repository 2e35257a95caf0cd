"""Corpus statistics reported like the original ISE paper: one table that says what a dataset contains.

Everything here is a pure function of the episodes (and, optionally, of the intent pool they were drawn
from): no language model is called. The only model that may run is the sentence embedder behind the
Vendi score, and only when the caller passes one.

What is counted, so the figures can be compared with the published ones:

- per-trajectory figures read the **main conversation** of each episode: every message, the system
  prompt included, counts towards "messages"; every ``user`` message (the appended direct question too)
  is a user turn; tool calls are the calls in assistant messages. Sub-agent sessions are reported on
  their own line, not folded into these means;
- per-intent figures (domains, tasks, tools, complexity) and the diversity figures read the **intent
  pool** when one is given (as the paper did: its 2.35 domains per intent are over all 43,956 intents),
  else the distinct intents the episodes were run on; ``intent_scope`` says which;
- the tool error rate is over tool messages that carry a structured result: failed (``ok`` false, a
  command's non-zero exit included) over all. A failure is *recovered* when a later call of the same tool
  succeeds in the same agent turn, that is before the next user message: what the user does about it
  afterwards is the user's recovery, not the agent's (:mod:`.tools`);
- tokens and cost (:mod:`.cost`) count the sub-agent sessions with the main conversation: they are what
  it took to make the trajectory.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any, NamedTuple

from isetrace.diversity.scores import distinct_scores, level_counts, vendi_score
from isetrace.stats.cost import UsageTally
from isetrace.stats.tools import ToolTally
from isetrace.stats.verification import VerificationTally
from isetrace.stats.worlds import WorldTally

if TYPE_CHECKING:  # annotations only: importing the statistics should not load the record models
    from isetrace.config import PricesConfig
    from isetrace.diversity.embeddings import Embedder
    from isetrace.records import Episode, Intent

__all__ = [
    "ISE_REFERENCE",
    "ISE_REFERENCE_EMBEDDER",
    "CorpusStats",
    "IntentDiversity",
    "StatRow",
    "corpus_stats",
]

ISE_REFERENCE_EMBEDDER = "all-mpnet-base-v2"
"""The model behind the published Vendi score. A Vendi score from another model is not comparable."""

ISE_REFERENCE: dict[str, float] = {
    "intents": 43_956,
    "trajectories": 23_132,
    "user_turns_mean": 8.12,
    "messages_mean": 68.24,
    "tool_calls_mean": 29.26,
    "distinct_tools_mean": 4.69,
    "domains_per_intent": 2.35,
    "tasks_per_intent": 4.40,
    "vendi": 61.57,
}
"""The published ISE corpus figures (the Vendi score with :data:`ISE_REFERENCE_EMBEDDER`)."""

ISE_COMPLEXITY_PRIOR = {"simple": 0.10, "medium": 0.40, "complex": 0.50}
"""The published sampling prior of complexity levels: what was drawn, not a measured share."""

_LEVELS = tuple(ISE_COMPLEXITY_PRIOR)
_TABLE_PAIRS = 5  # co-occurring pairs shown in the table; the JSON keeps all of them


class StatRow(NamedTuple):
    """One line of the corpus table: what, this corpus's value, and the published ISE value ('' if none)."""

    label: str
    value: str
    reference: str


@dataclass(frozen=True)
class IntentDiversity:
    """Vendi (q = 1, cosine kernel) and Distinct-1/2/3 of the intents' texts, with the embedder's name."""

    embedder: str
    dimension: int
    items: int
    vendi: float
    distinct: dict[int, float]
    """n → Distinct-n, for n = 1, 2, 3."""

    def as_dict(self) -> dict[str, Any]:
        return {"embedder": self.embedder, "dimension": self.dimension, "items": self.items, "kernel": "cosine",
                "vendi_q1": self.vendi, **{f"distinct_{n}": v for n, v in sorted(self.distinct.items())}}


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _mean(values: Sequence[int]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass(frozen=True)
class CorpusStats:
    """Every figure of one corpus; :meth:`as_dict` for JSON, :meth:`table_rows` for the paper's table."""

    trajectories: int
    source_intents: int
    """Distinct intents (by id) the episodes were run on."""
    intent_pool: int | None
    """Distinct intents in the pool the caller gave, or ``None`` when none was given."""
    intent_scope: str
    """``pool`` or ``episodes``: which intents the per-intent and diversity figures describe."""
    user_turns_mean: float
    user_turns_median: float
    user_turns_max: int
    user_turns_6_10: int
    """Trajectories with 6 to 10 user turns (inclusive)."""
    messages_total: int
    tool_calls_total: int
    distinct_tools_mean: float
    domains_per_intent: float
    tasks_per_intent: float
    tools_per_intent: float
    """Mean length of the intents' ``tools_used``."""
    complexity: dict[str, int]
    """Intents per complexity level: simple, medium, complex first (zero when unused), then any others."""
    terminations: dict[str, int]
    """Trajectories per :class:`~isetrace.records.Termination`, every reason listed (zero when unused)."""
    tool_results: int
    tool_failures: int
    errors_by_kind: dict[str, int]
    """Failed results by ``error_kind`` (``nonzero_exit`` / ``timeout`` for commands that ran), most first."""
    recoveries: int
    """Failed calls followed, in the same agent turn, by a successful call of the same tool."""
    cooccurrence: list[tuple[str, str, int]]
    """The most frequent pairs of tools used in the same trajectory: (tool, tool, trajectories), most first."""
    provenance: dict[str, int]
    drift_regenerations: int
    drift_episodes: int
    """Trajectories with at least one regenerated (drifted) user turn."""
    subagent_sessions: int
    subagent_tool_calls: int
    diversity: IntentDiversity | None = None
    verification: VerificationTally = field(default_factory=VerificationTally)
    worlds: WorldTally = field(default_factory=WorldTally)
    usage: UsageTally = field(default_factory=UsageTally)
    """Tokens per trajectory and per role, the prompt cache's share, and the cost where prices were given."""
    reference: dict[str, float] = field(default_factory=lambda: dict(ISE_REFERENCE))

    # ------------------------------------------------------------------------------------------- derived

    @property
    def intents(self) -> int:
        """The intent count of the table: the pool's when given, else the episodes' distinct intents."""
        return self.intent_pool if self.intent_pool is not None else self.source_intents

    @property
    def user_turns_6_10_share(self) -> float:
        return _share(self.user_turns_6_10, self.trajectories)

    @property
    def messages_mean(self) -> float:
        return _share(self.messages_total, self.trajectories)

    @property
    def tool_calls_mean(self) -> float:
        return _share(self.tool_calls_total, self.trajectories)

    @property
    def tool_error_rate(self) -> float:
        return _share(self.tool_failures, self.tool_results)

    @property
    def recovery_rate(self) -> float:
        return _share(self.recoveries, self.tool_failures)

    @property
    def complexity_shares(self) -> dict[str, float]:
        total = sum(self.complexity.values())
        return {level: _share(count, total) for level, count in self.complexity.items()}

    @property
    def termination_shares(self) -> dict[str, float]:
        return {reason: _share(count, self.trajectories) for reason, count in self.terminations.items()}

    # ------------------------------------------------------------------------------------------- views

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view, grouped by topic; the reference block names its embedder."""
        return {
            "trajectories": self.trajectories,
            "intents": {
                "count": self.intents, "scope": self.intent_scope, "source_intents": self.source_intents,
                "pool": self.intent_pool, "domains_per_intent": self.domains_per_intent,
                "tasks_per_intent": self.tasks_per_intent, "tools_per_intent": self.tools_per_intent,
                "complexity": dict(self.complexity), "complexity_share": self.complexity_shares,
            },
            "user_turns": {"mean": self.user_turns_mean, "median": self.user_turns_median,
                           "max": self.user_turns_max, "in_6_10": self.user_turns_6_10,
                           "share_6_10": self.user_turns_6_10_share},
            "messages": {"mean": self.messages_mean, "total": self.messages_total},
            "tool_calls": {"mean": self.tool_calls_mean, "total": self.tool_calls_total},
            "distinct_tools": {"mean": self.distinct_tools_mean},
            "tool_results": {"total": self.tool_results, "failed": self.tool_failures,
                             "error_rate": self.tool_error_rate, "errors_by_kind": dict(self.errors_by_kind),
                             "recoveries": self.recoveries, "recovery_rate": self.recovery_rate},
            "terminations": {"counts": dict(self.terminations), "shares": self.termination_shares},
            "tool_cooccurrence": [{"tools": [a, b], "trajectories": n, "share": _share(n, self.trajectories)}
                                  for a, b, n in self.cooccurrence],
            "provenance": dict(self.provenance),
            "drift_regenerations": {"total": self.drift_regenerations, "trajectories": self.drift_episodes},
            "subagents": {"sessions": self.subagent_sessions, "tool_calls": self.subagent_tool_calls},
            "diversity": self.diversity.as_dict() if self.diversity is not None else None,
            "verification": self.verification.as_dict(),
            "worlds": self.worlds.as_dict(),
            **self.usage.as_dict(),
            "reference": {"source": "ISE (published)", "vendi_embedder": ISE_REFERENCE_EMBEDDER,
                          **self.reference, "complexity_prior": dict(ISE_COMPLEXITY_PRIOR)},
        }

    def table_rows(self) -> list[StatRow]:
        """The paper's table first (intents, trajectories, user turns, messages, tool calls, distinct
        tools, domains and tasks per intent), then what the paper did not report, each with the published
        value where one exists."""
        ref = self.reference
        scope = "pool" if self.intent_scope == "pool" else "in episodes"
        rows = [
            StatRow(f"Intents ({scope})", f"{self.intents:,}", _count(ref.get("intents"))),
            StatRow("Trajectories", f"{self.trajectories:,}", _count(ref.get("trajectories"))),
            StatRow("Avg user turns", f"{self.user_turns_mean:.2f}", _number(ref.get("user_turns_mean"))),
            StatRow("Avg messages", f"{self.messages_mean:.2f}", _number(ref.get("messages_mean"))),
            StatRow("Avg tool calls", f"{self.tool_calls_mean:.2f}", _number(ref.get("tool_calls_mean"))),
            StatRow("Avg distinct tools", f"{self.distinct_tools_mean:.2f}", _number(ref.get("distinct_tools_mean"))),
            StatRow("Avg domains per intent", f"{self.domains_per_intent:.2f}", _number(ref.get("domains_per_intent"))),
            StatRow("Avg tasks per intent", f"{self.tasks_per_intent:.2f}", _number(ref.get("tasks_per_intent"))),
            StatRow("Avg tools per intent", f"{self.tools_per_intent:.2f}", ""),
            StatRow("Complexity", " / ".join(f"{level} {s:.0%}" for level, s in self.complexity_shares.items()),
                    " / ".join(f"{level} {p:.0%}" for level, p in ISE_COMPLEXITY_PRIOR.items()) + " (sampling prior)"),
            self._vendi_row(),
            StatRow("Distinct-1 / 2 / 3 (intents)",
                    " / ".join(f"{self.diversity.distinct[n]:.3f}" for n in (1, 2, 3)) if self.diversity else
                    "not computed", ""),
            StatRow("User turns median / max", f"{self.user_turns_median:g} / {self.user_turns_max}", ""),
            StatRow("User turns in 6–10", f"{self.user_turns_6_10_share:.1%} ({self.user_turns_6_10:,})", ""),
            StatRow("Tool calls (total)", f"{self.tool_calls_total:,}", ""),
            StatRow("Tool error rate", f"{self.tool_error_rate:.1%} ({self.tool_failures:,} of {self.tool_results:,})",
                    ""),
            StatRow("Recovered in the same turn",
                    f"{self.recovery_rate:.1%} ({self.recoveries:,} of {self.tool_failures:,} failed)", ""),
        ]
        rows += [StatRow(f"Ended: {reason}", f"{_share(count, self.trajectories):.1%} ({count:,})", "")
                 for reason, count in self.terminations.items() if count]
        rows += [StatRow(f"Used together: {a} + {b}", f"{_share(n, self.trajectories):.1%} ({n:,})", "")
                 for a, b, n in self.cooccurrence[:_TABLE_PAIRS]]
        rows += [
            StatRow("Provenance", ", ".join(f"{name} {n:,}" for name, n in self.provenance.items()) or "—", ""),
            StatRow("Drift regenerations", f"{self.drift_regenerations:,} in {self.drift_episodes:,} trajectories", ""),
            StatRow("Sub-agent sessions", f"{self.subagent_sessions:,} ({self.subagent_tool_calls:,} tool calls)", ""),
        ]
        tallies = [*self.verification.table_rows(), *self.worlds.table_rows(), *self.usage.table_rows()]
        return rows + [StatRow(label, value, "") for label, value in tallies]

    def _vendi_row(self) -> StatRow:
        published = self.reference.get("vendi")
        reference = "" if published is None else f"{published:.2f} ({ISE_REFERENCE_EMBEDDER})"
        if self.diversity is None:
            return StatRow("Vendi q=1 (intents)", "not computed", reference)
        d = self.diversity
        return StatRow("Vendi q=1 (intents)", f"{d.vendi:.2f} ({d.embedder}, {d.items:,} intents)", reference)


def _count(value: float | None) -> str:
    return "" if value is None else f"{int(value):,}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


# --------------------------------------------------------------------------------------------- computing


def _complexity_split(intents: Iterable[Intent]) -> dict[str, int]:
    return level_counts(intents, _LEVELS)


def _diversity(intents: Sequence[Intent], embedder: Embedder) -> IntentDiversity | None:
    texts = [intent.natural_language_intent for intent in intents if intent.is_rendered]
    if not texts:
        return None
    embeddings = embedder.embed(texts)
    return IntentDiversity(embedder=embedder.name, dimension=int(embeddings.shape[1]), items=len(texts),
                           vendi=vendi_score(embeddings), distinct=distinct_scores(texts))


def corpus_stats(
    episodes: Iterable[Episode],
    *,
    intents: Iterable[Intent] | None = None,
    embedder: Embedder | None = None,
    top_pairs: int = 10,
    prices: Mapping[str, PricesConfig] | None = None,
) -> CorpusStats:
    """The statistics of ``episodes``, read once (a generator streams a large file in constant memory).

    ``intents`` is the pool the episodes were drawn from; when given, the intent count, per-intent
    figures and diversity describe it, else they describe the distinct intents of the episodes (first
    occurrence of each id wins either way). ``embedder``, when given, embeds the intents' rendered texts
    for the Vendi score (q = 1), reported with the embedder's name; Distinct-1/2/3 come with it.
    ``top_pairs`` bounds the tool co-occurrence list. ``prices`` (role → prices) puts a cost on the tokens
    (:mod:`.cost`). An empty corpus gives zeros, not an error.
    """
    from isetrace.records import Termination  # the episodes exist, so the records are loaded already

    seen: dict[str, Intent] = {}
    user_turns: list[int] = []
    distinct_tools: list[int] = []
    messages = calls = drift = drift_episodes = sub_sessions = sub_calls = 0
    terminations: Counter[str] = Counter()
    provenance: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    tools = ToolTally()
    verification, worlds, usage = VerificationTally(), WorldTally(), UsageTally(dict(prices or {}))
    for episode in episodes:
        verification.add(episode)
        worlds.add(episode)
        usage.add(episode)
        for intent in episode.intents:
            seen.setdefault(intent.id, intent)
        user_turns.append(episode.user_turns)
        messages += len(episode.messages)
        calls += episode.tool_call_count
        names = sorted({call.name for message in episode.messages for call in message.tool_calls})
        distinct_tools.append(len(names))
        pairs.update(combinations(names, 2))
        tools.add(episode.messages)
        terminations[episode.termination.value] += 1
        provenance[episode.provenance] += 1
        drift += episode.drift_regenerations
        drift_episodes += episode.drift_regenerations > 0
        sub_sessions += len(episode.subagents)
        sub_calls += sum(len(m.tool_calls) for transcript in episode.subagents.values() for m in transcript)

    pool: dict[str, Intent] | None = None
    if intents is not None:
        pool = {}
        for intent in intents:
            pool.setdefault(intent.id, intent)
    described = list((pool if pool is not None else seen).values())
    return CorpusStats(
        trajectories=len(user_turns),
        source_intents=len(seen),
        intent_pool=len(pool) if pool is not None else None,
        intent_scope="pool" if pool is not None else "episodes",
        user_turns_mean=_mean(user_turns),
        user_turns_median=float(statistics.median(user_turns)) if user_turns else 0.0,
        user_turns_max=max(user_turns, default=0),
        user_turns_6_10=sum(1 for turns in user_turns if 6 <= turns <= 10),
        messages_total=messages,
        tool_calls_total=calls,
        distinct_tools_mean=_mean(distinct_tools),
        domains_per_intent=_mean([len(i.domains) for i in described]),
        tasks_per_intent=_mean([len(i.tasks) for i in described]),
        tools_per_intent=_mean([len(i.tools_used) for i in described]),
        complexity=_complexity_split(described),
        terminations={reason.value: terminations[reason.value] for reason in Termination},
        tool_results=tools.results,
        tool_failures=tools.failures,
        errors_by_kind=dict(tools.kinds.most_common()),
        recoveries=tools.recoveries,
        cooccurrence=[(a, b, n) for (a, b), n in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
                      [:max(0, top_pairs)]],
        provenance=dict(provenance.most_common()),
        drift_regenerations=drift,
        drift_episodes=drift_episodes,
        subagent_sessions=sub_sessions,
        subagent_tool_calls=sub_calls,
        diversity=_diversity(described, embedder) if embedder is not None else None,
        verification=verification,
        worlds=worlds,
        usage=usage,
    )
