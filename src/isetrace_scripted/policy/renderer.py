"""The intent-writer role: turn a 4D spec (persona, domains, tasks, complexity) into a first-person request.

The text is assembled from word banks chosen by the persona's register (see `_voice`), with concrete
inline data in the persona's industry vocabulary and a named deliverable, seeded by the spec so the
same spec always renders the same intent while different specs read visibly differently.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import _datagen as datagen
from ._phrasing import starts_with_verb
from ._reply import PolicyInputError, PolicyReply
from ._text import (
    as_str,
    as_str_list,
    content_text,
    first_fenced_json,
    lower_first,
    pick,
    seeded_rng,
    strip_end_punctuation,
    upper_first,
)
from ._vocab import Vocab, vocab_for
from ._voice import Level, Voice, first_person_context, voice_of
from ._world_errands import errands_for, worlds_in_prompt

_EMOJIS = ("🙂", "🙏", "📊", "🚀", "👋", "✅")
_GREETINGS = {
    "casual": ("Hey!", "Hi there!", "Hey there,", "Hi!", "Morning!"),
    "formal": ("Hello,", "Good morning,", "Good afternoon,"),
    "neutral": ("Hi,", "Hello,", ""),
    "terse": ("",),
}
_INTROS: dict[Level, tuple[str, ...]] = {
    "junior": (
        "I'm {a_role} and still fairly new here, so bear with me.",
        "I've only been {a_role} for a few months and I want to get this right.",
        "I'm {a_role} (junior, still learning the ropes) and I've been asked to sort something out.",
    ),
    "mid": (
        "I'm {a_role} and I need a hand with something.",
        "I work as {a_role} and I have a task I want to hand off.",
        "{Role} here — I have a job for you.",
    ),
    "senior": ("I'm the {role}.", "{Role} here.", "I'm {a_role} and I need this done properly."),
    "executive": (
        "{Role} here; this landed on my desk and I'm delegating it.",
        "I need this handled today.",
        "I'm the {role}. Short version below.",
    ),
}
_BACKGROUND: dict[Level, tuple[str, ...]] = {
    "junior": (
        "My background is mostly {x0}, so the tooling side is where I get stuck.",
        "I know a bit about {x0} and {x1}, but I haven't done this part before.",
    ),
    "mid": (
        "I'm comfortable with {x0} and {x1}; I just don't have time for this one.",
        "My day job is mostly {x0}.",
    ),
    "senior": ("I know {x0} and {x1} well, so skip the basics.", "I've done {x0} for years; be precise."),
    "executive": ("I care about the {x0} angle.", "Skip the {x1} details unless they change the outcome."),
}
_DATA_INTROS: dict[Level, tuple[str, ...]] = {
    "junior": (
        "I've pasted the {noun} below — I hope it's the right one:",
        "Here's the {noun} I was given:",
        "This is the {noun} I'm working from:",
    ),
    "mid": ("Here's the {noun}:", "The {noun} is below.", "Pasting the {noun} here:"),
    "senior": ("{Noun}:", "The {noun}:", "Current {noun} below."),
    "executive": ("{Noun} below.", "Here is the {noun}."),
}
_REQUESTS: dict[Level, tuple[str, ...]] = {
    "junior": (
        "could you {d}?",
        "it would help if you could {d}.",
        "I'd like you to {d}, if that makes sense.",
        "please {d} — I'm not sure of the best way, so go with what works.",
    ),
    "mid": ("please {d}.", "I need you to {d}.", "{d}.", "can you {d}?"),
    "senior": ("{d}.", "I need you to {d}.", "{d} — keep it simple."),
    "executive": ("{d}.", "{d}; no gold-plating."),
}
_FIRST = ("first, ", "to start, ", "before anything else, ", "step one: ")
_MIDDLE = ("then ", "after that, ", "next, ", "once that's done, ")
_LAST = ("finally, ", "last, ", "to wrap up, ", "and lastly, ")
_ONLY = ("", "what I need: ", "the main thing: ")
_CONSTRAINTS = (
    "Stick to the standard library — no installs.",
    "Don't touch the original files; work on copies.",
    "Round numbers to two decimals.",
    "Assume all times are UTC.",
    "Keep everything in the current folder.",
    "If something is ambiguous, go with the simplest reading and note it in the output.",
)
_DELIVERABLES: dict[Level, tuple[str, ...]] = {
    "junior": (
        "When you're done, could you put everything in `{f}`? It should have {c}.",
        "My manager wants the result in `{f}`, with {c}.",
    ),
    "mid": ("Save the result as `{f}` with {c}.", "Put the final version in `{f}`: {c}."),
    "senior": ("Deliverable: `{f}` — {c}.", "Output goes in `{f}`; it must contain {c}."),
    "executive": ("I want `{f}` with {c}. Nothing else.", "End result: `{f}`, containing {c}."),
}
_SIGNOFFS = {
    "casual": ("Thanks a lot!", "Cheers!", "Thanks!"),
    "formal": ("Thank you,\n{first}", "Kind regards,\n{first}", "Thanks in advance."),
    "neutral": ("Thanks.", "", "Thanks, {first}"),
    "terse": ("",),
}
_SHAPE = {
    "simple": (3, 0, 1, 1),
    "medium": (4, 1, 2, 1),
    "complex": (5, 2, 3, 2),
}  # rows, rules, items, blocks


@dataclass(frozen=True)
class _Task:
    family: datagen.Family
    name: str
    description: str


def respond(body: Mapping[str, object]) -> PolicyReply:
    """Reply to an intent-writer request with `{"intent": "<text>"}` as the content."""
    messages = body.get("messages")
    spec = first_fenced_json(messages if isinstance(messages, list) else [], "json", "persona")
    if spec is None:
        raise PolicyInputError("intent writer request has no ```json block with a 4D spec (no 'persona' key)")
    prompt = "\n".join(content_text(m.get("content")) for m in messages if isinstance(m, Mapping)) \
        if isinstance(messages, list) else ""
    text, checks, world = render_intent_with_world(spec, worlds_in_prompt(prompt))
    reply: dict[str, object] = {"intent": text, "checks": checks}
    if world:
        reply["world"] = world
    return PolicyReply(content=json.dumps(reply, ensure_ascii=False))


def render_intent(spec: Mapping[str, object]) -> str:
    """The first-person request for one 4D spec; a pure function of the spec."""
    return render_intent_with_checks(spec)[0]


def render_intent_with_checks(spec: Mapping[str, object]) -> tuple[str, list[dict[str, object]]]:
    """The request for one 4D spec and the checks of its deliverable (the file it names must exist with
    content); a pure function of the spec."""
    text, checks, _ = render_intent_with_world(spec, ())
    return text, checks


def render_intent_with_world(spec: Mapping[str, object], worlds: Sequence[str],
                             ) -> tuple[str, list[dict[str, object]], dict[str, list[dict[str, object]]]]:
    """The request, its checks and, in a run with ``worlds``, the seed of its errands in them (see
    `_world_errands`); a pure function of the spec and the worlds."""
    persona_value = spec.get("persona")
    persona: Mapping[str, object] = persona_value if isinstance(persona_value, Mapping) else {}
    tasks = _tasks_of(spec.get("domains"))
    complexity = as_str(spec.get("complexity"), "medium").lower()
    rows, rules, items, block_count = _SHAPE.get(complexity, _SHAPE["medium"])
    rng = seeded_rng("renderer", json.dumps(spec, sort_keys=True, ensure_ascii=False))
    voice = voice_of(persona)
    vocab = vocab_for(as_str(persona.get("industry")))
    families = list(dict.fromkeys(task.family for task in tasks))
    blocks = [
        datagen.data_block(family, vocab, rng, rows + rng.randint(0, 1)) for family in families[:block_count]
    ]
    paragraphs = [_opening(persona, voice, rng, with_background=complexity != "simple")]
    paragraphs += [f"{_data_intro(block.noun, voice.level, rng)}\n{block.text}" for block in blocks]
    paragraphs += _task_paragraphs(tasks, voice, vocab, rng, blocks[0].noun if blocks else None)
    errands = errands_for(families, worlds, vocab, seeded_rng("errands", json.dumps(spec, sort_keys=True)))
    if errands:
        paragraphs.append(" ".join(errand.sentence for errand in errands))
    if rules:
        paragraphs.append(" ".join(rng.sample(_CONSTRAINTS, rules)))
    target = datagen.deliverable(families[0], vocab, rng, items)
    paragraphs.append(_deliverable_sentence(target, voice.level, rng))
    signoff = _signoff(persona, voice, rng)
    if signoff:
        paragraphs.append(signoff)
    checks: list[dict[str, object]] = [{"kind": "file_exists", "path": target.filename}]
    world: dict[str, list[dict[str, object]]] = {}
    for errand in errands:
        checks += errand.checks
        for part, entries in errand.seed.items():
            world.setdefault(part, []).extend(entries)
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph), checks, world


def _tasks_of(domains: object) -> list[_Task]:
    """All selected tasks in spec order, each tagged with its domain's family; a domain without tasks
    contributes its own description so that it is still covered."""
    tasks: list[_Task] = []
    for domain in domains if isinstance(domains, list) else []:
        if not isinstance(domain, Mapping):
            continue
        family = datagen.domain_family(as_str(domain.get("name")), as_str(domain.get("description")))
        selected = [task for task in domain.get("selected_tasks") or [] if isinstance(task, Mapping)]
        for task in selected or [{"name": domain.get("name"), "description": domain.get("description")}]:
            name, description = as_str(task.get("name")), as_str(task.get("description"))
            if name or description:
                tasks.append(_Task(family, name, description or name.replace("_", " ")))
    if not tasks:
        raise PolicyInputError("4D spec has no domains with selected tasks")
    return tasks


def _a_or_an(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _opening(persona: Mapping[str, object], voice: Voice, rng: random.Random, with_background: bool) -> str:
    role = as_str(persona.get("role"), "analyst")
    intro = pick(rng, _INTROS[voice.level]).format(role=role, Role=upper_first(role), a_role=_a_or_an(role))
    greeting = pick(rng, _GREETINGS[voice.tone])
    if greeting and voice.emoji and rng.random() < 0.5:
        greeting = f"{greeting} {pick(rng, _EMOJIS)}"
    parts = [greeting, intro, _context_sentence(as_str(persona.get("work_context")), rng)]
    expertise = as_str_list(persona.get("expertise"))
    if with_background and len(expertise) >= 2 and rng.random() < 0.6:
        parts.append(pick(rng, _BACKGROUND[voice.level]).format(x0=expertise[0], x1=expertise[1]))
    return " ".join(part for part in parts if part)


def _context_sentence(work_context: str, rng: random.Random) -> str:
    if not work_context:
        return ""
    first_person = first_person_context(work_context)
    if first_person is None:
        return f"A bit of context: {lower_first(strip_end_punctuation(work_context))}."
    return pick(rng, ("{s}.", "For context, {s}.", "Some background: {s}.")).format(s=first_person)


def _data_intro(noun: str, level: Level, rng: random.Random) -> str:
    return pick(rng, _DATA_INTROS[level]).format(noun=noun, Noun=upper_first(noun))


def _task_paragraphs(
    tasks: Sequence[_Task], voice: Voice, vocab: Vocab, rng: random.Random, data_noun: str | None
) -> list[str]:
    """One sub-request per task, joined with ordinal connectors; formal personas get a numbered list and
    long lists are split into two paragraphs so complex intents read as several paragraphs."""
    sentences = []
    connectors = _connectors(len(tasks), rng)
    for index, task in enumerate(tasks):
        refers_to_data = data_noun is not None and index == 0
        request = _task_phrase(task, vocab, rng, f"(use the {data_noun} above)" if refers_to_data else None)
        template = pick(rng, _REQUESTS[voice.level] if voice.tone != "terse" else ("{d}.",))
        sentences.append(upper_first(connectors[index] + template.format(d=request)))
    if voice.tone == "formal" and len(sentences) > 1:
        return ["\n".join(f"{number}. {sentence}" for number, sentence in enumerate(sentences, 1))]
    if len(sentences) > 3:
        middle = (len(sentences) + 1) // 2
        return [" ".join(sentences[:middle]), " ".join(sentences[middle:])]
    return [" ".join(sentences)]


def _connectors(count: int, rng: random.Random) -> list[str]:
    """Ordinal connectors for `count` sub-requests; middle ones cycle through a shuffled bank so that
    "after that" does not repeat back to back."""
    if count == 1:
        return [pick(rng, _ONLY)]
    middle = rng.sample(_MIDDLE, len(_MIDDLE))
    return [pick(rng, _FIRST), *(middle[index % len(middle)] for index in range(count - 2)), pick(rng, _LAST)]


def _task_phrase(task: _Task, vocab: Vocab, rng: random.Random, data_reference: str | None) -> str:
    """The task as a verb phrase: its description when that starts with a verb, else framed by its name;
    then a pointer to the pasted data, or often a concrete qualifier from the domain (a file name, a
    schedule, a service)."""
    description = lower_first(strip_end_punctuation(task.description))
    if not starts_with_verb(description):
        label = task.name.replace("_", " ").replace("-", " ").strip() or "this part"
        description = f"take care of the {lower_first(label)} part ({description})"
    if data_reference:
        return f"{description} {data_reference}"
    if rng.random() < 0.6:
        description = f"{description} {datagen.task_detail(task.family, vocab, rng)}"
    return description


def _deliverable_sentence(target: datagen.Deliverable, level: Level, rng: random.Random) -> str:
    contents = list(target.contents)
    listed = contents[0] if len(contents) == 1 else ", ".join(contents[:-1]) + " and " + contents[-1]
    return pick(rng, _DELIVERABLES[level]).format(f=target.filename, c=listed)


def _signoff(persona: Mapping[str, object], voice: Voice, rng: random.Random) -> str:
    first = as_str(persona.get("name"), "me").split(" ")[0]
    text = pick(rng, _SIGNOFFS[voice.tone]).format(first=first)
    if text and voice.emoji and rng.random() < 0.6:
        text = f"{text} {pick(rng, _EMOJIS)}"
    return text
