"""Plan builders for errands in the worlds: find and read a page, fix and push a repository, install a
package, send a mail, schedule a job. A message is an errand when it names what the world needs (a URL,
``http://git.test/…``, ``pip install``, an ``@office.test`` address, ``office scheduler``); the plans use
the commands anyone would type, and the web tools where the dialect offers them."""

from __future__ import annotations

import random
import re
import shlex

from ._extract import urls
from ._plans import Direct, Plan, Shell, Step
from ._tools import Toolkit

__all__ = ["errand_plan", "world_kind"]

_REPO = re.compile(r"http://git\.test/([A-Za-z0-9][A-Za-z0-9._-]*)")
_BRANCH = re.compile(r"branch named `([^`]+)`")
_PACKAGE = re.compile(r"`([A-Za-z0-9][A-Za-z0-9._-]*)` with pip")
_ADDRESS = re.compile(r"\b([a-z0-9._-]+@office\.test)\b")
_SUBJECT = re.compile(r"subject \"([^\"]+)\"")
_JOB = re.compile(r"job named `([^`]+)`")
_OUTPUT = re.compile(r"save (?:the figures|it) as `([^`]+)`")
_MODULES = {"python-slugify": "slugify", "beautifulsoup4": "bs4", "python-dateutil": "dateutil"}
_AUTHOR = "-c user.name='Scripted Agent' -c user.email=agent@example.org"
_DATED = "GIT_AUTHOR_DATE=2026-11-30T12:00:00Z GIT_COMMITTER_DATE=2026-11-30T12:00:00Z"
"""The scripted agent's commits carry a fixed date, so the same run makes the same hashes."""


def world_kind(text: str) -> str | None:
    """Which errand ``text`` asks for, or ``None``."""
    if _REPO.search(text):
        return "git"
    if "pip install" in text and _PACKAGE.search(text):
        return "pip"
    if _JOB.search(text) and "office scheduler" in text:
        return "job"
    if _ADDRESS.search(text) and _SUBJECT.search(text):
        return "mail"
    if urls(text) and _OUTPUT.search(text):
        return "web"
    return None


def errand_plan(text: str, rng: random.Random, kit: Toolkit) -> Plan | None:
    """The plan for the errand ``text`` names, or ``None`` when it names none."""
    kind = world_kind(text)
    if kind is None:
        return None
    return {"git": _git, "pip": _pip, "job": _job, "mail": _mail, "web": _web}[kind](text, rng, kit)


def _git(text: str, rng: random.Random, kit: Toolkit) -> Plan:
    repo = _REPO.search(text)
    assert repo is not None
    name = repo.group(1).rstrip(".").removesuffix(".git")
    branch = (_BRANCH.search(text) or [None, "fix/total"])[1]
    steps = (
        Step(f"clone `{name}`", f"cloned http://git.test/{name}.git into `{name}/`",
             (Shell(f"git clone http://git.test/{name}.git && cd {name} && git log --oneline && ls"),)),
        Step("run its CI script", "ran `ci.sh`: the test fails, `total()` drops the last row",
             (Shell(f"cd {name} && sh ci.sh; sed -n '1,5p' stats.py"),)),
        Step("fix `total()`", "fixed `total()` to sum every row, and `ci.sh` passes",
             (Shell(f"cd {name} && sed -i 's/rows\\[:-1\\]/rows/' stats.py && sh ci.sh"),)),
        Step(f"commit and push `{branch}`", f"committed the fix and pushed it to `{branch}`",
             (Shell(f"cd {name} && git checkout -b {branch} && {_DATED} git {_AUTHOR} commit -am 'Fix total() "
                    f"dropping the last row' && git push -u origin {branch}"),)),
    )
    del rng
    return Plan(f"fix `{name}` and push `{branch}`", steps, (), f"The fix is on `{branch}` at "
                f"http://git.test/{name}.git.")


def _pip(text: str, rng: random.Random, kit: Toolkit) -> Plan:
    found = _PACKAGE.search(text)
    assert found is not None
    package = found.group(1)
    module = _MODULES.get(package, package.replace("-", "_"))
    steps = (
        Step(f"install `{package}`", f"installed `{package}` from the package index",
             (Shell(f"pip install {shlex.quote(package)}"),)),
        Step("check it imports", f"checked that `{module}` imports",
             (Shell(f"python3 -c 'import {module}; print({module}.__name__, \"imports fine\")'"),)),
    )
    del rng, kit
    return Plan(f"install `{package}`", steps, (), f"`{package}` is installed and imports.")


def _mail(text: str, rng: random.Random, kit: Toolkit) -> Plan:
    address, subject = _ADDRESS.search(text), _SUBJECT.search(text)
    assert address is not None and subject is not None
    body = "Hi, a short summary: the work you asked for is done and the files are in the workspace."
    send = (f"office mail send_message --to {address.group(1)} --subject {shlex.quote(subject.group(1))} "
            f"--body {shlex.quote(body)}")
    steps = (
        Step(f"mail {address.group(1)}", f"sent the summary to {address.group(1)}", (Shell(send),)),
        Step("check the sent folder", "checked that it is in the sent folder",
             (Shell("office mail list_messages --folder sent"),)),
    )
    del rng, kit
    return Plan(f"mail {address.group(1)}", steps, (), f"The summary went to {address.group(1)} with the subject "
                f"\"{subject.group(1)}\".")


def _job(text: str, rng: random.Random, kit: Toolkit) -> Plan:
    found = _JOB.search(text)
    assert found is not None
    name = found.group(1)
    create = (f"office scheduler create_job --name {shlex.quote(name)} --command 'echo fired >> heartbeat.log' "
              "--in_s 1")
    steps = (
        Step(f"schedule `{name}`", f"scheduled `{name}` to run in a second", (Shell(create),)),
        Step("wait for it to fire", "waited and saw it fire in `heartbeat.log`",
             (Shell("sleep 3 && cat heartbeat.log && office scheduler list_jobs"),)),
    )
    del rng, kit
    return Plan(f"schedule `{name}`", steps, ("heartbeat.log",), f"`{name}` ran once, as asked.")


def _web(text: str, rng: random.Random, kit: Toolkit) -> Plan:
    url = urls(text)[0]
    found = _OUTPUT.search(text)
    assert found is not None
    output = found.group(1)
    query = " ".join(url.split("/")[-1].removesuffix(".json").replace("-", " ").split()[:4]) or "latest report"
    search = (Direct(kit.search_call(query)) if kit.search is not None
              else Shell(f"curl -s 'http://search.test/search?q={query.replace(' ', '+')}'"))
    read = Direct(kit.fetch_call(url)) if kit.fetch is not None else Shell(f"curl -s {url}")
    steps = (
        Step(f"search for {query!r}", f"searched for {query!r} and found the report page", (search,)),
        Step("read the page", f"read {url}", (read,)),
        Step(f"save the figures as `{output}`", f"saved the figures as `{output}`",
             (Shell(f"curl -sf {url} -o {output} && python3 -m json.tool {output}"),)),
    )
    del rng
    return Plan(f"read {url}", steps, (output,), f"The figures from {url} are in `{output}`.")
