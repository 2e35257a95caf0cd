"""What a corpus cost in tokens, and in money where the config gives prices: per trajectory and per role.

A pure function of the episodes, like every statistic. Each model-written message records the usage of
the call behind it (:class:`~isetrace.records.MessageMeta`); that is what is counted here, sub-agent
sessions included. The role is the message's endpoint (``agent``, ``user``…), else its producer, so it
names the ``endpoints.<role>.prices`` that price it.

What the episodes hold, and so what these figures cover:

- every agent reply, with the empty replies asked again and the unusable JSON re-asked before it;
- every simulated user's message, with the drafts regenerated for drift before it; the simulator's
  closing reply of each intent (``completed``) writes no message, so its tokens are not on the episode;
- not the judge's verdicts, nor the renderer's intents: those calls are counted per invocation in the
  run's ``usage.jsonl``, not per trajectory;
- replies replayed from isetrace's own reply cache keep the usage of the call that first made them and
  are counted as if paid; how many there were is reported beside the figures.

The cache-hit share is the share of prompt tokens the server reported as served from its prompt
(prefix) cache. A server that reports no cached token at all — it does not report them, or it cached
nothing — is said to have reported none, rather than given 0 %. Prices are USD per million tokens;
cached prompt tokens cost ``cached_prompt`` when it is set, else ``prompt``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from isetrace.config import PricesConfig, RunConfig
    from isetrace.records import Episode, MessageMeta

__all__ = ["PRICES_HINT", "RoleTokens", "UsageTally", "configured_prices", "money"]

PER_TOKENS = 1_000_000
"""Prices are per this many tokens."""

PRICES_HINT = "not priced: set endpoints.<role>.prices (USD per 1M tokens)"
"""The one line the cost figures are without prices (``ise stats --help`` and the README show an example)."""


def configured_prices(config: RunConfig) -> dict[str, PricesConfig]:
    """The prices each endpoint of ``config`` names, by role (roles without prices left out)."""
    from isetrace.config import ROLES  # here: importing the statistics loads no config or record model

    prices = {}
    for role in ROLES:
        endpoint = getattr(config.endpoints, role)
        if endpoint is not None and endpoint.prices is not None:
            prices[role] = endpoint.prices
    return prices


@dataclass
class RoleTokens:
    """The tokens one role's calls used over a corpus."""

    prompt: int = 0
    completion: int = 0
    cached_prompt: int = 0
    """Of ``prompt``, those the server reported as served from its prompt cache."""
    replayed: int = 0
    """Replies replayed from isetrace's reply cache (their tokens are counted as if paid)."""

    def add(self, prompt: int, completion: int, cached: int) -> None:
        self.prompt += prompt
        self.completion += completion
        self.cached_prompt += cached

    @property
    def cache_hit_share(self) -> float | None:
        """Cached over prompt tokens; ``None`` when the server reported no cached token."""
        return self.cached_prompt / self.prompt if self.cached_prompt and self.prompt else None

    def cost(self, prices: PricesConfig) -> float:
        """What these tokens cost at ``prices`` (USD)."""
        cached = prices.cached_prompt if prices.cached_prompt is not None else prices.prompt
        return ((self.prompt - self.cached_prompt) * prices.prompt + self.cached_prompt * cached
                + self.completion * prices.completion) / PER_TOKENS


def _counts(meta: MessageMeta) -> tuple[int, int, int]:
    """Prompt, completion and cached prompt tokens of a message; a record from elsewhere is not trusted to
    keep cached ≤ prompt, nor counts ≥ 0."""
    usage = meta.usage
    prompt, completion = max(0, usage.prompt_tokens), max(0, usage.completion_tokens)
    return prompt, completion, min(max(0, usage.cached_prompt_tokens), prompt)


def _spread(values: Sequence[float]) -> dict[str, float]:
    """Mean, median and 90th percentile (inclusive, interpolated) of ``values``; zeros for none."""
    if not values:
        return {"mean": 0.0, "median": 0.0, "p90": 0.0}
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    return {"mean": statistics.fmean(values), "median": float(statistics.median(values)), "p90": float(p90)}


def money(value: float) -> str:
    """``$1,234``, ``$12.34``, ``$0.0123``: three significant digits below a dollar, no exponent."""
    if value >= 100:
        return f"${value:,.0f}"
    if value >= 1:
        return f"${value:,.2f}"
    if value <= 0:
        return "$0"
    return f"${value:.{max(2, 2 - math.floor(math.log10(value)))}f}"


@dataclass
class UsageTally:
    """Tokens and cost of a corpus, added one episode at a time; ``prices`` by role (USD per 1M tokens)."""

    prices: Mapping[str, PricesConfig] = field(default_factory=dict)
    roles: dict[str, RoleTokens] = field(default_factory=dict)
    prompt: list[int] = field(default_factory=list)
    """Prompt tokens of each trajectory, every role together."""
    completion: list[int] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    """The cost of each trajectory, over the roles with prices."""

    def add(self, episode: Episode) -> None:
        mine: dict[str, RoleTokens] = {}
        messages = [*episode.messages, *(m for session in episode.subagents.values() for m in session)]
        for meta in (message.meta for message in messages):
            if meta is None:
                continue
            prompt, completion, cached = _counts(meta)
            if not (prompt or completion) and not meta.cached:
                continue  # written, not a model's reply (a system prompt, a tool result, a sub-agent's task)
            role = meta.endpoint or meta.producer
            mine.setdefault(role, RoleTokens()).add(prompt, completion, cached)
            tally = self.roles.setdefault(role, RoleTokens())
            tally.add(prompt, completion, cached)
            tally.replayed += meta.cached
        self.prompt.append(sum(t.prompt for t in mine.values()))
        self.completion.append(sum(t.completion for t in mine.values()))
        self.cost.append(sum(t.cost(self.prices[role]) for role, t in mine.items() if role in self.prices))

    # ------------------------------------------------------------------------------------------- derived

    @property
    def trajectories(self) -> int:
        return len(self.prompt)

    @property
    def priced(self) -> list[str]:
        """Roles that used tokens and have prices."""
        return [role for role in self.roles if role in self.prices]

    @property
    def unpriced(self) -> list[str]:
        """Roles that used tokens but have no prices: their tokens are not in the cost."""
        return [role for role in self.roles if role not in self.prices]

    @property
    def cached_prompt(self) -> int:
        return sum(t.cached_prompt for t in self.roles.values())

    @property
    def cache_hit_share(self) -> float | None:
        """Cached over prompt tokens of the whole corpus; ``None`` when no server reported a cached token."""
        prompt = sum(self.prompt)
        return self.cached_prompt / prompt if self.cached_prompt and prompt else None

    def role_cost(self) -> dict[str, float]:
        """The cost of each priced role (USD)."""
        return {role: self.roles[role].cost(self.prices[role]) for role in self.priced}

    # ------------------------------------------------------------------------------------------- views

    def as_dict(self) -> dict[str, Any]:
        """``tokens`` and ``cost``, in the same shape whatever the corpus (``null`` where there is no figure)."""
        n = self.trajectories
        priced = bool(self.priced)
        by_role = self.role_cost()
        return {
            "tokens": {
                "per_trajectory": {"prompt": _spread(self.prompt), "completion": _spread(self.completion)},
                "total": {"prompt": sum(self.prompt), "completion": sum(self.completion),
                          "cached_prompt": self.cached_prompt},
                "cache_hit_share": self.cache_hit_share,
                "by_role": {role: {"prompt": t.prompt, "completion": t.completion, "cached_prompt": t.cached_prompt,
                                   "cache_hit_share": t.cache_hit_share,
                                   "per_trajectory": {"prompt": t.prompt / n if n else 0.0,
                                                      "completion": t.completion / n if n else 0.0},
                                   "replayed_replies": t.replayed}
                            for role, t in sorted(self.roles.items())},
            },
            "cost": {
                "currency": "USD", "per_tokens": PER_TOKENS,
                "prices": {role: p.model_dump(mode="json") for role, p in sorted(self.prices.items())},
                "total": sum(by_role.values()) if priced else None,
                "per_trajectory": _spread(self.cost) if priced else None,
                "by_role": dict(sorted(by_role.items())),
                "unpriced_roles": sorted(self.unpriced),
            },
        }

    def table_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows for the statistics table."""
        if not self.roles:
            return [("Tokens", "none recorded in the episodes")]
        prompt, completion, n = _spread(self.prompt), _spread(self.completion), self.trajectories
        rows = [("Prompt tokens mean / median / p90", " / ".join(f"{prompt[k]:,.0f}" for k in prompt)),
                ("Completion tokens mean / median / p90", " / ".join(f"{completion[k]:,.0f}" for k in completion))]
        for role, t in sorted(self.roles.items()):
            rows.append((f"Tokens: {role}, prompt / completion",
                         f"{t.prompt:,} / {t.completion:,} (avg {t.prompt / n:,.0f} / {t.completion / n:,.0f})"))
        for role, t in sorted(self.roles.items()):
            share = t.cache_hit_share
            rows.append((f"Prompt cache hits: {role}", "none reported by the server" if share is None else
                         f"{share:.1%} ({t.cached_prompt:,} of {t.prompt:,} prompt tokens)"))
        replayed = sum(t.replayed for t in self.roles.values())
        if replayed:
            rows.append(("Replayed from the reply cache",
                         f"{replayed:,} {'reply' if replayed == 1 else 'replies'} (counted as if paid)"))
        return rows + self._cost_rows()

    def _cost_rows(self) -> list[tuple[str, str]]:
        if not self.priced:
            given = f" (prices given for {', '.join(sorted(self.prices))} only)" if self.prices else ""
            return [("Cost", f"not priced: {', '.join(sorted(self.unpriced))}{given}" if given else PRICES_HINT)]
        by_role = self.role_cost()
        cost = _spread(self.cost)
        unpriced = f"; not priced: {', '.join(sorted(self.unpriced))}" if self.unpriced else ""
        return [
            ("Cost mean / median / p90", " / ".join(money(cost[k]) for k in cost)),
            ("Cost (total)", f"{money(sum(by_role.values()))} (" +
             ", ".join(f"{role} {money(value)}" for role, value in sorted(by_role.items())) + f"){unpriced}"),
        ]
