"""Errands in the worlds for rendered intents: a page to find and read, a repository to fix and push to, a
package to install, a mail to send, a job to schedule — each with the world seed it needs and the world
check that decides it.

When the renderer's prompt lists the run's worlds, each intent gets up to two errands: first those its
domains call for (web → search and read, source → clone and push, system → pip, comms → mail,
automation → a scheduled job), then one more by the spec's seed, so a handful of intents covers every
world. Each errand is one sentence that starts with a verb, so the scripted user hands it over as one
sub-goal, and names what the agent needs (the URL, the repository, the package, the address).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ._datagen import Family
from ._text import pick
from ._vocab import Vocab

__all__ = ["WORLD_MARKERS", "Errand", "errands_for", "worlds_in_prompt"]

_WORLDS_LINE = re.compile(r"start from a state you\s+write now \(([a-z, ]+)\)")
_BY_FAMILY: dict[str, tuple[str, str]] = {
    "web": ("web", "web"), "source": ("git", "git"), "system": ("packages", "pip"), "comms": ("office", "mail"),
    "automation": ("office", "job"),
}
"""family → (the world it needs, the errand)."""
_ERRANDS = (("web", "web"), ("git", "git"), ("packages", "pip"), ("office", "mail"))
_PACKAGES = ("tabulate", "humanize", "python-slugify", "sortedcontainers")
"""Projects of the wheelhouse that a Debian python3 does not ship (a package already there is never
downloaded, and its check would fail)."""
_CONTACTS = (("Ada Brandt", "ada.brandt"), ("Tomás Ferreira", "tomas.ferreira"), ("Mei Lin", "mei.lin"),
             ("Kofi Mensah", "kofi.mensah"))
WORLD_MARKERS = re.compile(r"https?://|@office\.test|\bpip install\b|\boffice scheduler\b")
"""What makes a sentence an errand the scripted user must not drop."""


@dataclass
class Errand:
    """One sentence of the request, and what it adds to the seed and the checks."""

    sentence: str
    seed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    checks: list[dict[str, object]] = field(default_factory=list)


def worlds_in_prompt(prompt: str) -> tuple[str, ...]:
    """The worlds the renderer's prompt says the run has (none when it names none)."""
    found = _WORLDS_LINE.search(prompt)
    return tuple(name.strip() for name in found.group(1).split(",")) if found else ()


def errands_for(families: Sequence[Family], worlds: Sequence[str], vocab: Vocab,
                rng: random.Random) -> list[Errand]:
    """At most two errands for an intent of ``families`` in a run with ``worlds``."""
    chosen: list[str] = []
    for family in families:
        world, errand = _BY_FAMILY.get(family, ("", ""))
        if world in worlds and errand not in chosen:
            chosen.append(errand)
    others = [errand for world, errand in _ERRANDS if world in worlds and errand not in chosen]
    if others and len(chosen) < 2:
        chosen.append(pick(rng, others))
    return [_MAKERS[name](vocab, rng) for name in chosen[:2]]


def _web(vocab: Vocab, rng: random.Random) -> Errand:
    site = f"reports.{vocab.key.replace('_', '-')}.example.com"
    path = f"/2026/{pick(rng, ('q3', 'q4', 'november', 'weekly'))}-{vocab.metrics[0].name.replace('_', '-')}.json"
    url = f"http://{site}{path}"
    rows = {label: round(rng.uniform(vocab.metrics[0].low, vocab.metrics[0].high), 1)
            for label in rng.sample(vocab.labels, min(4, len(vocab.labels)))}
    title = f"{vocab.entity.title()} {vocab.metrics[0].words} report"
    body = json.dumps({"title": title, "metric": vocab.metrics[0].name, "values": rows}, ensure_ascii=False)
    output = f"{vocab.key}_web_figures.json"
    sentence = (f"Search our reports site for the latest {title.lower()} (it is published at {url}), read it and "
                f"save the figures as `{output}`.")
    return Errand(sentence, {"pages": [{"url": url, "title": title, "content_type": "application/json",
                                        "body": body}]},
                  [{"kind": "page_fetched", "url": url}, {"kind": "file_exists", "path": output}])


def _git(vocab: Vocab, rng: random.Random) -> Errand:
    repo = f"{vocab.key.replace('_', '-')}-tools"
    metric = vocab.metrics[0].name
    buggy = f"def total(rows):\n    return sum(row['{metric}'] for row in rows[:-1])\n"
    test = (f"from stats import total\n\n\ndef test_total():\n    assert total([{{'{metric}': 1}}, "
            f"{{'{metric}': 2}}]) == 3\n")
    branch = pick(rng, ("fix/total", "fix/last-row", "bugfix/total"))
    sentence = (f"Clone http://git.test/{repo}.git, fix `total()` in `stats.py` (it drops the last row) until "
                f"`ci.sh` passes, commit it and push the fix to a branch named `{branch}`.")
    ci = "#!/bin/sh\n# what CI runs on every push\nset -e\npython3 -c 'import test_stats; test_stats.test_total()'\n" \
         "echo 'ci: all tests passed'\n"
    seed = {"repos": [{"name": repo, "description": f"Small scripts for the {vocab.entity} sheet", "commits": [
        {"message": "Start the stats scripts", "files": {"README.md": f"# {repo}\n\nRun `sh ci.sh` before pushing.\n",
                                                         "ci.sh": ci}},
        {"message": "Add total()", "files": {"stats.py": buggy, "test_stats.py": test}}]}]}
    check: dict[str, object] = {"kind": "branch_pushed", "repo": repo, "branch": branch, "file": "stats.py",
             "file_contains": "for row in rows)"}
    return Errand(sentence, seed, [check])


def _pip(vocab: Vocab, rng: random.Random) -> Errand:
    package = pick(rng, _PACKAGES)
    sentence = f"Install `{package}` with pip install (the local index has it); it has to import cleanly."
    del vocab
    return Errand(sentence, {}, [{"kind": "package_installed", "name": package}])


def _mail(vocab: Vocab, rng: random.Random) -> Errand:
    name, user = pick(rng, _CONTACTS)
    address = f"{user}@office.test"
    subject = f"{vocab.entity.title()} {pick(rng, ('update', 'figures', 'summary'))}"
    sentence = f"Send {name} ({address}) a short summary by mail with the subject \"{subject}\"."
    seed = {"contacts": [{"name": name, "email": address, "role": "Team lead"}],
            "mail": [{"from": f"{name} <{address}>", "subject": f"Waiting on the {vocab.entity} numbers",
                      "body": "Could you send me a short summary once it's done?"}]}
    return Errand(sentence, seed, [{"kind": "mail_sent", "to": address, "subject_contains": subject}])


def _job(vocab: Vocab, rng: random.Random) -> Errand:
    name = f"{vocab.key.replace('_', '-')}-heartbeat"
    sentence = (f"Schedule a one-off job named `{name}` with office scheduler that appends a line to "
                "`heartbeat.log` in a second, and make sure it has fired.")
    del rng
    return Errand(sentence, {}, [{"kind": "job_fired", "name": name}])


_MAKERS = {"web": _web, "git": _git, "pip": _pip, "mail": _mail, "job": _job}
