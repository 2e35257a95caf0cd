"""A whole offline run with every world on, as ``make demo`` runs it (the offline config has them all): the
renderer seeds the worlds, the scripted agent searches the web, clones and pushes, installs a package and
sends mail, and world checks verify each; ``ise stats`` counts the faults injected on purpose."""

from __future__ import annotations

import json
from pathlib import Path

from tests.pipeline.test_run import check_run, finish, ise_run
from tests.sandbox.backends import needs_bwrap
from tests.worlds.test_package_index import WHEELHOUSE

pytestmark = needs_bwrap

WORLDS = ("-c", f"worlds.wheelhouse={WHEELHOUSE}")


def test_a_run_with_every_world_verifies_each_errand_by_its_world_check(tmp_path: Path, sandbox_home: Path) -> None:
    code, out, err = finish(ise_run(tmp_path / "run", sandbox_home, *WORLDS), timeout=600)  # the demo's 6 intents
    assert code == 0, err
    assert "world checks passed:" in out
    episodes = check_run(tmp_path / "run")
    kinds_verified: set[str] = set()
    for episode in episodes:
        assert episode.world is not None and sorted(episode.world.worlds) == ["git", "office", "packages", "web"]
        for intent in episode.intents:
            assert intent.world, f"{intent.id} has no seed"
        for verdict in episode.verifications:
            if verdict.method == "checks" and verdict.passed:
                kinds_verified.update(check.kind for check in verdict.checks if check.passed)
    assert {"page_fetched", "branch_pushed", "package_installed", "mail_sent"} <= kinds_verified, kinds_verified
    searched = [e for episode in episodes for e in episode.world.audit  # type: ignore[union-attr]
                if e["world"] == "web" and e["host"] == "search.test"]
    assert searched, "no web search reached the search engine"
    assert sum(e.verified for e in episodes) == len(episodes), [e.termination_detail for e in episodes]


def test_faults_on_purpose_are_labelled_and_counted_by_ise_stats(tmp_path: Path, sandbox_home: Path) -> None:
    code, out, err = finish(ise_run(tmp_path / "run", sandbox_home, *WORLDS, "-c", "intents.count=4",
                                    "-c", "worlds.faults.rates.server_error=0.3", "-c", "worlds.faults.seed=5"),
                            timeout=600)
    assert code == 0, err
    episodes = check_run(tmp_path / "run")
    injected = [e for episode in episodes for e in episode.world.faults]  # type: ignore[union-attr]
    assert injected and all(e["fault"] == "server_error" and e["status"] == 500 for e in injected)
    figures = json.loads((tmp_path / "run" / "stats" / "corpus.json").read_text())["worlds"]
    assert figures["faults"]["server_error"]["injected"] == len(injected)
    assert "Fault server_error" in out
