"""What the scripted agent will do for one user message: a plan of steps, chosen by keywords.

A plan is data, not behaviour: a tuple of steps, each a batch of abstract operations (write, read, edit,
shell, repeat a past call). A step may be a *planned failure* that carries its own recovery steps
(a planted bug and its fix, a misspelt file name and the `ls` that finds the right one); the agent's
state machine decides from the real tool results whether the recovery runs.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from ._extract import find_log_lines, find_table, listed_files, prose_only, requested_outputs, urls
from ._history import Exchange, History
from ._reply import PolicyToolCall
from ._snippets import Snippet
from ._text import SENTENCE_SPLIT, pick, seeded_rng, truncate
from ._tools import Toolkit


@dataclass(frozen=True)
class Write:
    path: str
    content: str


@dataclass(frozen=True)
class Read:
    path: str


@dataclass(frozen=True)
class Edit:
    """Replace `old` by `new` in `path`; `after` is the whole new file, for toolkits without an edit tool."""

    path: str
    old: str
    new: str
    after: str


@dataclass(frozen=True)
class Shell:
    command: str


@dataclass(frozen=True)
class Again:
    """Repeat a call from earlier in the conversation exactly."""

    call: PolicyToolCall


@dataclass(frozen=True)
class Direct:
    """A call to a tool other than the shell and file tools (``web_search``, ``web_fetch``), as made."""

    call: PolicyToolCall


Op = Write | Read | Edit | Shell | Again | Direct


@dataclass(frozen=True)
class Step:
    """One assistant turn of tool calls: `todo` for the reasoning, `done` for the final reply."""

    todo: str
    done: str
    ops: tuple[Op, ...]
    recovery: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The steps for one user message, the files worth naming when it succeeds, and a closing note."""

    goal: str
    steps: tuple[Step, ...]
    outputs: tuple[str, ...] = ()
    note: str = ""


def to_call(op: Op, kit: Toolkit) -> PolicyToolCall:
    """The concrete tool call for an operation, using the offered tools' own parameter names."""
    if isinstance(op, Write):
        return kit.write_file(op.path, op.content)
    if isinstance(op, Read):
        return kit.read_file(op.path)
    if isinstance(op, Edit):
        return kit.edit_file(op.path, op.old, op.new, op.after)
    if isinstance(op, Shell):
        return kit.run(op.command)
    return op.call  # Again, Direct


def misspell(name: str, rng: random.Random) -> str:
    """The file name with two adjacent letters of its stem swapped (a plausible typo, never the same name)."""
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, dot + ext) if dot else (name, "")
    pairs = [
        index for index in range(len(stem) - 1) if stem[index] != stem[index + 1] and stem[index].isalpha()
    ]
    if not pairs:
        return f"{stem}_{ext.lstrip('.') or 'x'}{ext}"
    index = rng.choice(pairs)
    return stem[:index] + stem[index + 1] + stem[index] + stem[index + 2 :] + ext


def planned_failure(rng: random.Random, with_failure: bool) -> str | None:
    """Which planned failure a plan carries: usually a planted bug, sometimes a misspelt file name."""
    return pick(rng, ("bug", "bug", "typo")) if with_failure else None


def fix_steps(path: str, snippet: Snippet, command: str) -> tuple[Step, ...]:
    """The recovery for a planted bug: edit exactly the bad line, then run again."""
    fix = Step(
        f"fix the bad line in `{path}`",
        f"fixed `{path}`: {snippet.fix}",
        (Edit(path, snippet.bad.rstrip("\n"), snippet.good.rstrip("\n"), snippet.source),),
    )
    again = Step(f"run `{command}` again", f"re-ran `{command}`, this time cleanly", (Shell(command),))
    return fix, again


def writes(rng: random.Random, first: Step, second: Step) -> list[Step]:
    """Two independent file writes, sometimes batched into one turn with two tool calls."""
    if rng.random() < 0.4:
        return [
            Step(f"{first.todo} and {second.todo}", f"{first.done} and {second.done}", first.ops + second.ops)
        ]
    return [first, second]


def read_step(path: str, rng: random.Random, with_typo: bool) -> Step:
    """Read a file; with `with_typo`, read a misspelt name first (it fails), then `ls`, then the right one."""
    right = Step(f"read `{path}`", f"read `{path}` back", (Read(path),))
    if not with_typo:
        return right
    wrong = misspell(path, rng)
    folder = path.rpartition("/")[0] or "."
    listing = Step(
        "list the folder to find the right name",
        f"listed `{folder}` and found the right name",
        (Shell(f"ls -la {folder}"),),
    )
    return Step(
        f"read `{wrong}`",
        f"tried to read `{wrong}` (a typo in the name)",
        (Read(wrong),),
        recovery=(listing, right),
    )


_KEYWORD_TEXT = {
    "git": "git commit commits branch repo repository merge changelog tag ci",
    "code": "code script function test tests unit python implement refactor debug bug module program",
    "automation": (
        "schedule scheduled cron crontab daily weekly hourly job jobs chain automate automation recurring"
    ),
    "web": "fetch url urls web page pages http download scrape link links website endpoint api",
    "data": (
        "csv table data dataset numbers spreadsheet average averages mean total totals sum "
        "aggregate column rows metrics statistics stats compute calculate figures revenue "
        "json tabulate"
    ),
    "system": (
        "log logs process processes disk memory cpu service services system server uptime "
        "health monitor errors volume volumes"
    ),
    "files": (
        "file files folder folders directory directories organise organize rename move sort "
        "archive backup tidy inventory listing"
    ),
    "docs": (
        "doc docs document summary summarise summarize report notes markdown readme draft "
        "email memo outline announcement update message remember recall decisions"
    ),
}
_KEYWORDS = {kind: frozenset(text.split()) for kind, text in _KEYWORD_TEXT.items()}
"""Keyword families per kind of work, in tie-break order (more specific kinds first)."""
_VERIFY = re.compile(
    r"\b(re-?run|run it again|run the final step again|verify|double[- ]check|show me the "
    r"(output|result)|show me what it prints|check it)\b",
    re.IGNORECASE,
)
_FIX = re.compile(r"\b(fix|failed|failure|failing|broken|didn't go through|same problem)\b", re.IGNORECASE)


def choose_kind(text: str) -> str:
    """The kind of work a message asks for: the keyword family with most distinct hits in the prose,
    plus a bonus for what was pasted (a table, log lines, a file listing, a URL); ties go to the more
    specific kind, and "notes" wins when nothing matches."""
    words = set(re.findall(r"[a-z][a-z-]*", prose_only(text).lower()))
    scores = {kind: len(words.intersection(keywords)) for kind, keywords in _KEYWORDS.items()}
    scores["data"] += 2 if find_table(text) else 0
    scores["system"] += 2 if find_log_lines(text) else 0
    scores["files"] += 2 if len(listed_files(text)) >= 2 else 0
    scores["web"] += 1 if urls(text) else 0
    scores["docs"] += 1 if requested_outputs(text, ("md", "txt")) else 0
    best = max(scores.values())
    return next(kind for kind in _KEYWORDS if scores[kind] == best) if best else "notes"


Builder = Callable[[str, random.Random, Toolkit, bool], Plan]


ErrandBuilder = Callable[[str, random.Random, Toolkit], "Plan | None"]


def build_plan(history: History, kit: Toolkit, builders: dict[str, Builder],
               errand: ErrandBuilder | None = None) -> Plan:
    """The plan for the latest user message; ~30% of work plans contain a planned failure. A message that
    is an errand in a world (``errand`` says so by returning its plan) gets that plan."""
    text = history.request
    rng = seeded_rng("agent", text)
    with_failure = rng.random() < 0.3
    if kit.shell is None:
        return notes_plan(text, rng, kit, False)
    prose = prose_only(text)
    if _FIX.search(prose) and history.earlier and history.earlier[-1].failed:
        return _retry_plan(history.earlier[-1])
    if _VERIFY.search(prose) and history.earlier:
        return verify_plan(text, history.earlier, kit)
    planned = errand(text, rng, kit) if errand is not None else None
    if planned is None:
        planned = builders.get(choose_kind(text), notes_plan)(text, rng, kit, with_failure)
    return with_final_output(planned, text)


_FINAL_OUTPUT = re.compile(r"The final output goes in `([^`]+)`")


def with_final_output(plan: Plan, text: str) -> Plan:
    """``plan``, ending with the file the user named as the final output when the plan does not make it
    (a kind of work whose own output has another name or format)."""
    named = _FINAL_OUTPUT.search(text)
    if named is None or named.group(1) in plan.outputs or named.group(1).startswith(("/", "..")):
        return plan
    target = named.group(1)
    made = ", ".join(f"`{name}`" for name in plan.outputs) or "the workspace"
    if target.endswith(".json"):
        content = json.dumps({"goal": plan.goal, "files": list(plan.outputs)}, indent=2) + "\n"
    else:
        content = f"# {plan.goal[:1].upper()}{plan.goal[1:]}\n\nThe results are in {made}.\n"
    final = Step(f"write the final output `{target}`", f"wrote the final output `{target}`", (Write(target, content),))
    return Plan(plan.goal, (*plan.steps, final), (*plan.outputs, target), plan.note)


def _retry_plan(exchange: Exchange) -> Plan:
    """After a fix request for a failure left unresolved at the end of the previous turn (the last
    exchange before this message failed): look at the workspace, then repeat the calls that failed."""
    look = Step("look at the workspace", "listed the workspace", (Shell("ls -la"),))
    again = Step(
        "repeat the call that failed",
        "repeated the call that failed",
        tuple(Again(call) for call in exchange.calls),
    )
    return Plan("fix the step that failed last time", (look, again))


def verify_plan(text: str, earlier: tuple[Exchange, ...], kit: Toolkit) -> Plan:
    """One verification pass: re-run the last command that produced something and show the file the
    user named when an earlier successful call touched it (else the last file written)."""
    producing, written, seen = None, [], set()
    for exchange in (exchange for exchange in earlier if not exchange.failed):
        for call in exchange.calls:
            command = kit.command_of(call)
            if command and "<<" not in command:
                seen.update(command.split())
                producing = producing if _is_inspection(command) else command
            path = kit.written_path(call)
            if path:
                written.append(path)
            seen.update(
                value for value in call.arguments.values() if isinstance(value, str) and len(value) < 200
            )
    created = [name for name in re.findall(r"`([^`\s]+\.\w+)`", text) if name in seen]
    target = created[-1] if created else (written[-1] if written else None)
    ops: list[Op] = [Shell(producing)] if producing else []
    if target:
        ops.append(Read(target))
    if not ops:
        ops.append(Shell("ls -la"))
    step = Step(
        "re-run the last step and show the result", "re-ran the last step and printed the result", tuple(ops)
    )
    note = f"`{target}` is in place and matches the run above." if target else ""
    return Plan("verify the work once more", (step,), (target,) if target else (), note)


def _is_inspection(command: str) -> bool:
    return command.split(" ", 1)[0] in ("ls", "cat", "head", "tail", "wc", "find", "du", "df", "grep")


def notes_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Fallback: write the request down as a checklist in `notes.md`, then check it (shell or read)."""
    sentences = [sentence.strip() for sentence in SENTENCE_SPLIT.split(text) if len(sentence) > 3]
    checklist = "\n".join(f"- [ ] {truncate(sentence, 100)}" for sentence in sentences[:6]) or "- [ ] (empty)"
    write = Step(
        "write the request down in `notes.md`",
        "wrote the checklist to `notes.md`",
        (Write("notes.md", f"# Notes\n\n{checklist}\n"),),
    )
    if kit.shell is not None:
        check = Step("check the notes file", "checked `notes.md`", (Shell("ls -la && wc -l notes.md"),))
    elif kit.read is not None:
        check = read_step("notes.md", rng, with_typo=False)
    else:
        return Plan("note down the request", (write,), ("notes.md",))
    return Plan("note down the request as a checklist", (write, check), ("notes.md",))
