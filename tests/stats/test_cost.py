"""What a corpus took: tokens per trajectory and per role, the prompt cache's share, and the cost at the
config's prices — on hand-counted episodes, and through ``ise stats`` with the prices of a run's config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.stats.test_corpus import I1, I2, I3, Conversation, episode

from isetrace.cli.stats import stats_command
from isetrace.config import PricesConfig, load_config, masked_view
from isetrace.errors import ConfigError
from isetrace.jsonl import append_jsonl
from isetrace.records import Episode, Message, MessageMeta, Termination, TokenUsage
from isetrace.stats import CorpusStats, corpus_stats
from isetrace.stats.cost import PRICES_HINT, money

AGENT = PricesConfig(prompt=0.15, completion=0.6, cached_prompt=0.075)
USER = PricesConfig(prompt=1.0, completion=2.0)  # no cached price: cached prompt tokens cost the prompt price


def said(message: Message, role: str, prompt: int, completion: int, cached: int = 0, *,
         replayed: bool = False) -> Message:
    """``message`` as written by ``role``'s model, with the usage its call reported."""
    usage = TokenUsage(prompt_tokens=prompt, completion_tokens=completion, cached_prompt_tokens=cached)
    return message.model_copy(update={"meta": MessageMeta(producer=role, endpoint=role, usage=usage, cached=replayed)})


def episode_a() -> Episode:
    """agent 4,200 / 270 tokens (2,224 cached) with its sub-agent's 500 / 40; user 700 / 50 (256 cached)."""
    c = Conversation().user("u1").calls("exec").result(True).reply().user("u2").reply()
    system, u1, call, tool, reply, u2, last = c.messages
    sub = Conversation().user("sub-task").reply("sub done").messages[1:]
    sub = [sub[0].model_copy(update={"meta": MessageMeta(producer="agent", endpoint="agent")}),  # written, not a call
           said(sub[1], "agent", 500, 40)]
    messages = [system.model_copy(update={"meta": MessageMeta(producer="system")}), said(u1, "user", 300, 20),
                said(call, "agent", 1000, 50), tool.model_copy(update={"meta": MessageMeta(producer="sandbox")}),
                said(reply, "agent", 1200, 100, 1024), said(u2, "user", 400, 30, 256),
                said(last, "agent", 1500, 80, 1200)]
    return episode("a", [I1], messages, Termination.SUCCESS, subagents={"sub-1": sub})


def episode_b() -> Episode:
    """agent 800 / 60, replayed from the reply cache; user 200 / 10; no server reported a cached token."""
    system, user, reply = Conversation().user().reply().messages
    return episode("b", [I2], [system, said(user, "user", 200, 10), said(reply, "agent", 800, 60, replayed=True)],
                   Termination.SUCCESS)


def episode_c() -> Episode:
    """No usage recorded at all (an import without it, say)."""
    return episode("c", [I3], Conversation().user().reply().messages, Termination.USER_TURN_LIMIT)


def corpus() -> list[Episode]:
    return [episode_a(), episode_b(), episode_c()]


def rows_of(stats: CorpusStats) -> dict[str, str]:
    return {row.label: row.value for row in stats.table_rows()}


# --------------------------------------------------------------------------------------------- tokens


def test_tokens_per_trajectory_and_per_role_of_a_hand_counted_corpus() -> None:
    data = corpus_stats(corpus()).as_dict()["tokens"]
    # prompt tokens per trajectory 4,900 / 1,000 / 0; completion 320 / 70 / 0 (sub-agent included)
    assert data["per_trajectory"]["prompt"] == {"mean": pytest.approx(5900 / 3), "median": 1000.0,
                                                "p90": pytest.approx(1000 + 0.8 * 3900)}
    assert data["per_trajectory"]["completion"] == {"mean": pytest.approx(130.0), "median": 70.0,
                                                    "p90": pytest.approx(70 + 0.8 * 250)}
    assert data["total"] == {"prompt": 5900, "completion": 390, "cached_prompt": 2480}
    assert data["by_role"] == {
        "agent": {"prompt": 5000, "completion": 330, "cached_prompt": 2224, "cache_hit_share": pytest.approx(0.4448),
                  "per_trajectory": {"prompt": pytest.approx(5000 / 3), "completion": pytest.approx(110.0)},
                  "replayed_replies": 1},
        "user": {"prompt": 900, "completion": 60, "cached_prompt": 256, "cache_hit_share": pytest.approx(256 / 900),
                 "per_trajectory": {"prompt": pytest.approx(300.0), "completion": pytest.approx(20.0)},
                 "replayed_replies": 0},
    }
    assert data["cache_hit_share"] == pytest.approx(2480 / 5900)


def test_the_table_shows_tokens_in_the_reports_style() -> None:
    rows = rows_of(corpus_stats(corpus()))
    assert rows["Prompt tokens mean / median / p90"] == "1,967 / 1,000 / 4,120"  # per trajectory, as "Avg …"
    assert rows["Completion tokens mean / median / p90"] == "130 / 70 / 270"
    assert rows["Tokens: agent, prompt / completion"] == "5,000 / 330 (avg 1,667 / 110)"
    assert rows["Tokens: user, prompt / completion"] == "900 / 60 (avg 300 / 20)"
    assert rows["Prompt cache hits: agent"] == "44.5% (2,224 of 5,000 prompt tokens)"
    assert rows["Prompt cache hits: user"] == "28.4% (256 of 900 prompt tokens)"
    assert rows["Replayed from the reply cache"] == "1 reply (counted as if paid)"


def test_a_server_that_reported_no_cached_token_is_said_so_not_given_zero_percent() -> None:
    stats = corpus_stats([episode_b(), episode_c()])
    rows = rows_of(stats)
    assert rows["Prompt cache hits: agent"] == rows["Prompt cache hits: user"] == "none reported by the server"
    tokens = stats.as_dict()["tokens"]
    assert tokens["cache_hit_share"] is None and tokens["by_role"]["agent"]["cache_hit_share"] is None


def test_a_corpus_without_usage_says_so_in_one_row() -> None:
    stats = corpus_stats([episode_c()])
    rows = [row for row in stats.table_rows() if row.label.startswith(("Tokens", "Prompt", "Completion", "Cost"))]
    assert [(row.label, row.value) for row in rows] == [("Tokens", "none recorded in the episodes")]  # no cost
    assert stats.as_dict()["tokens"]["by_role"] == {} and stats.as_dict()["tokens"]["cache_hit_share"] is None


def test_a_record_from_elsewhere_is_not_trusted_to_keep_cached_within_prompt() -> None:
    system, user, reply = Conversation().user().reply().messages
    odd = episode("odd", [I1], [system, said(user, "user", -5, 3, 2), said(reply, "agent", 100, 10, 400)],
                  Termination.SUCCESS)
    by_role = corpus_stats([odd]).as_dict()["tokens"]["by_role"]
    assert (by_role["agent"]["prompt"], by_role["agent"]["cached_prompt"]) == (100, 100)
    assert (by_role["user"]["prompt"], by_role["user"]["completion"], by_role["user"]["cached_prompt"]) == (0, 3, 0)


# --------------------------------------------------------------------------------------------- cost


def test_cost_with_cached_prompt_tokens_at_their_own_price_or_the_prompts() -> None:
    stats = corpus_stats(corpus(), prices={"agent": AGENT, "user": USER})
    cost = stats.as_dict()["cost"]
    # agent: 2,776 prompt at 0.15 + 2,224 cached at 0.075 + 330 completion at 0.6 = 781.2 per million
    # user: 900 prompt at 1 (its 256 cached too: no cached price) + 60 completion at 2 = 1,020 per million
    assert cost["by_role"] == {"agent": pytest.approx(781.2e-6), "user": pytest.approx(1020e-6)}
    assert cost["total"] == pytest.approx(1801.2e-6)
    # per trajectory: a 625.2 + 800, b 156 + 220, c nothing
    assert cost["per_trajectory"] == {"mean": pytest.approx(1801.2e-6 / 3), "median": pytest.approx(376e-6),
                                      "p90": pytest.approx((376 + 0.8 * (1425.2 - 376)) * 1e-6)}
    assert cost["currency"] == "USD" and cost["per_tokens"] == 1_000_000 and cost["unpriced_roles"] == []
    assert cost["prices"]["user"] == {"prompt": 1.0, "completion": 2.0, "cached_prompt": None}
    rows = rows_of(stats)
    assert rows["Cost mean / median / p90"] == "$0.000600 / $0.000376 / $0.00122"
    assert rows["Cost (total)"] == "$0.00180 (agent $0.000781, user $0.00102)"


def test_a_role_without_prices_is_left_out_of_the_cost_and_named() -> None:
    stats = corpus_stats(corpus(), prices={"agent": AGENT, "judge": USER})  # the judge wrote no message
    cost = stats.as_dict()["cost"]
    assert cost["total"] == pytest.approx(781.2e-6) and cost["by_role"] == {"agent": pytest.approx(781.2e-6)}
    assert cost["unpriced_roles"] == ["user"]
    assert rows_of(stats)["Cost (total)"] == "$0.000781 (agent $0.000781); not priced: user"
    judged = corpus_stats(corpus(), prices={"judge": USER})  # prices, but for no role that wrote a message
    assert rows_of(judged)["Cost"] == "not priced: agent, user (prices given for judge only)"
    assert judged.as_dict()["cost"]["total"] is None


def test_without_prices_the_cost_says_how_to_set_them_and_the_json_keeps_its_shape() -> None:
    stats = corpus_stats(corpus())
    assert rows_of(stats)["Cost"] == PRICES_HINT
    assert "endpoints.<role>.prices" in PRICES_HINT and "\n" not in PRICES_HINT
    cost = stats.as_dict()["cost"]
    assert cost == {"currency": "USD", "per_tokens": 1_000_000, "prices": {}, "total": None, "per_trajectory": None,
                    "by_role": {}, "unpriced_roles": ["agent", "user"]}
    priced = corpus_stats(corpus(), prices={"agent": AGENT}).as_dict()
    assert set(priced["cost"]) == set(cost) and set(priced["tokens"]) == set(stats.as_dict()["tokens"])


@pytest.mark.parametrize(("value", "shown"), [(0.0, "$0"), (0.0000123, "$0.0000123"), (0.0123, "$0.0123"),
                                              (0.5, "$0.500"), (12.345, "$12.35"), (1234.5, "$1,234")])
def test_money_keeps_three_significant_digits_below_a_dollar(value: float, shown: str) -> None:
    assert money(value) == shown


# --------------------------------------------------------------------------------------------- ise stats


def run_dir(tmp_path: Path, *overrides: str) -> Path:
    """A run directory of the hand-counted corpus whose config.yaml is the offline config with ``overrides``."""
    root = tmp_path / "run"
    root.mkdir()
    append_jsonl(root / "episodes.jsonl", corpus())
    view = masked_view(load_config("offline", list(overrides), environ={}))
    (root / "config.yaml").write_text(yaml.safe_dump(view, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _no_config_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISE_CONFIG", raising=False)


def test_ise_stats_prices_a_run_with_its_own_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = run_dir(tmp_path, "endpoints.agent.prices={prompt: 0.15, completion: 0.6, cached_prompt: 0.075}",
                   "endpoints.user.prices={prompt: 1, completion: 2}")
    stats_command(root, embedder="none")
    cost = json.loads((root / "stats" / "corpus.json").read_text())["cost"]
    assert cost["total"] == pytest.approx(1801.2e-6)
    out = capsys.readouterr().out
    assert "Cost (total)" in out and "$0.00180" in out and "Prompt cache hits" in out


def test_ise_stats_on_the_episodes_file_of_a_run_reads_the_runs_prices(tmp_path: Path) -> None:
    root = run_dir(tmp_path, "endpoints.agent.prices={prompt: 0.15, completion: 0.6, cached_prompt: 0.075}")
    target = tmp_path / "figures.json"
    stats_command(root / "episodes.jsonl", embedder="none", json_file=target)
    cost = json.loads(target.read_text())["cost"]
    assert cost["total"] == pytest.approx(781.2e-6) and cost["unpriced_roles"] == ["user"]


def test_ise_stats_takes_prices_from_overrides_on_top_of_the_runs_config(tmp_path: Path) -> None:
    root = run_dir(tmp_path, "endpoints.agent.prices={prompt: 9, completion: 9}")
    stats_command(root, embedder="none", overrides=[
        "endpoints.agent.prices={prompt: 0.15, completion: 0.6, cached_prompt: 0.075}",
        "endpoints.user.prices.prompt=1", "endpoints.user.prices.completion=2"])
    assert json.loads((root / "stats" / "corpus.json").read_text())["cost"]["total"] == pytest.approx(1801.2e-6)
    with pytest.raises(ConfigError, match=r"endpoints\.agent\.prices\.prompt: Input should be greater"):
        stats_command(root, embedder="none", overrides=["endpoints.agent.prices.prompt=-1"])


def test_ise_stats_without_prices_says_how_to_set_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loose = tmp_path / "episodes.jsonl"
    append_jsonl(loose, corpus())
    stats_command(loose, embedder="none", json_file=tmp_path / "figures.json")
    assert json.loads((tmp_path / "figures.json").read_text())["cost"]["total"] is None
    printed = capsys.readouterr()
    assert "not priced" in printed.out and "endpoints.<role>.prices" in printed.out and "error" not in printed.err


def test_a_run_config_that_does_not_load_costs_only_the_cost(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = run_dir(tmp_path)
    (root / "config.yaml").write_text("endpoints:\n  agent: {model: m, provider: scripted, colour: blue}\n")
    stats_command(root, embedder="none")
    data = json.loads((root / "stats" / "corpus.json").read_text())
    assert data["trajectories"] == 3 and data["cost"]["total"] is None
    assert f"prices not read from {root / 'config.yaml'}" in capsys.readouterr().err


def test_episodes_written_before_the_cached_count_existed_still_load_and_count(tmp_path: Path) -> None:
    line = json.loads(episode_b().model_dump_json())
    for message in line["messages"]:
        if message.get("meta"):
            message["meta"]["usage"].pop("cached_prompt_tokens")
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    target = tmp_path / "figures.json"
    stats_command(path, embedder="none", json_file=target)
    tokens = json.loads(target.read_text())["tokens"]
    assert tokens["total"] == {"prompt": 1000, "completion": 70, "cached_prompt": 0}
