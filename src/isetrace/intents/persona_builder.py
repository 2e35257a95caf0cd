"""Build the library's personas from curated attribute lists, reproducibly.

The published recipe used 965 personas over 47 industries (542 roles, 6 experience levels, ~120
communication styles). We rebuild a pool of that shape from hand-curated lists kept as plain text in
``library/persona_sources/`` (industries.txt, cultures.txt, styles.txt; each explains its format):

* **industries**, each with the organisation types found in it and the roles that really exist there;
  every role has a duty (what the person does all day), the experience levels it can be held at (no
  entry-level chief financial officer) and a pool of expertise items it draws three from; a role may
  name its own organisation types when the industry's do not all fit it (a paramedic works for an
  ambulance service, not a police force);
* **cultures**: first names, family names and the cities where such a name is at home, so a person's
  name and city go together; cities marked ``*`` are specialist places (a mining town, a port) used only
  by the industries that name them;
* **communication styles**: short phrases about how a person writes.

:func:`build_personas` draws from them with one ``random.Random(seed)``: the same count and seed give
the same personas on every machine, and ``library/personas.jsonl`` is exactly ``build_personas()``
(``python -m isetrace.intents.persona_builder --out …`` regenerates it; a test checks it is current).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from isetrace.errors import OutputError
from isetrace.outputs import replace_file
from isetrace.records import Persona

_SOURCES = "persona_sources"
"""Directory in ``isetrace/intents/library`` holding the curated lists, editable as plain text."""


def _source_text(name: str) -> str:
    return (resources.files("isetrace.intents") / "library" / _SOURCES / name).read_text(encoding="utf-8")


def _data_lines(text: str) -> list[str]:
    """The lines of a source that carry data: comments ("# …") and blank lines are for people."""
    return [raw for raw in text.splitlines() if raw.strip() and not raw.lstrip().startswith("#")]


def _source_lines(name: str) -> list[str]:
    return [line.strip() for line in _data_lines(_source_text(name))]

__all__ = [
    "COMMUNICATION_STYLES",
    "EXPERIENCE_LEVELS",
    "Culture",
    "Industry",
    "Role",
    "build_personas",
    "cultures",
    "industries",
    "main",
    "personas_to_jsonl",
]

EXPERIENCE_LEVELS = ("entry-level", "junior", "mid-level", "senior", "lead", "executive")
"""The six levels, from first job to the top of an organisation."""

_LEVEL_CODES = dict(zip("ejmslx", EXPERIENCE_LEVELS, strict=True))

COMMUNICATION_STYLES: tuple[str, ...] = tuple(_source_lines("styles.txt"))
"""How a person writes: ~120 short phrases."""

_CULTURES = _source_text("cultures.txt")


_INDUSTRIES = _source_text("industries.txt")


_MONTHS = ("three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")
_YEARS = ("two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class Role:
    """A job that exists in an industry: what it does, at which levels, and what its holders know."""

    title: str
    levels: tuple[str, ...]
    duty: str
    expertise: tuple[str, ...]
    organisations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Industry:
    """An industry with its organisation types, roles and (optionally) the cities it is found in."""

    name: str
    organisations: tuple[str, ...]
    roles: tuple[Role, ...]
    cities: tuple[str, ...] = ()

    def organisations_for(self, role: Role) -> tuple[str, ...]:
        """The organisation types ``role`` can work at in this industry."""
        return role.organisations or self.organisations


@dataclass(frozen=True)
class Culture:
    """Names that belong together, and the cities where people with those names live and work."""

    name: str
    cities: tuple[str, ...]
    specialist_cities: tuple[str, ...]
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[tuple[str, str], ...]  # (male form, female form); identical for most cultures


def _items(text: str, sep: str) -> list[str]:
    return [item.strip() for item in text.split(sep) if item.strip()]


@cache
def cultures() -> tuple[Culture, ...]:
    """The curated cultures, parsed once."""
    blocks: list[dict[str, list[str]]] = []
    names: list[str] = []
    for raw in _data_lines(_CULTURES):
        line = raw.strip()
        if line.startswith("== "):
            names.append(line[3:])
            blocks.append({"cities": [], "female": [], "male": [], "last": []})
            continue
        key, _, value = line.partition(":")
        if not blocks or key not in blocks[-1]:
            raise ValueError(f"persona_builder cultures: cannot read line {line!r}")
        blocks[-1][key].extend(_items(value, ","))
    result = []
    for name, block in zip(names, blocks, strict=True):
        if not all(block.values()):
            raise ValueError(f"persona_builder cultures: {name} lacks cities, first or family names")
        family = tuple((m, f) for m, _, f in (entry.partition("/") for entry in block["last"]))
        result.append(Culture(
            name=name,
            cities=tuple(c for c in block["cities"] if not c.endswith("*")),
            specialist_cities=tuple(c.rstrip("*") for c in block["cities"] if c.endswith("*")),
            female=tuple(block["female"]),
            male=tuple(block["male"]),
            family=tuple((m, f or m) for m, f in family),
        ))
    return tuple(result)


def _role(header: str, details: list[str], industry: str) -> Role:
    parts = [part.strip() for part in header.split("|")]
    if len(parts) != 3 or not all(parts) or set(parts[1]) - set(_LEVEL_CODES):
        raise ValueError(f"persona_builder {industry}: bad role line {header!r}")
    expertise: list[str] = []
    organisations: list[str] = []
    for detail in details:
        if detail.startswith("@"):
            organisations.extend(_items(detail[1:], ";"))
        else:
            expertise.extend(_items(detail, ";"))
    if len(set(expertise)) < 4 or len(set(expertise)) != len(expertise):
        raise ValueError(f"persona_builder {industry}: {parts[0]} needs at least 4 distinct expertise items")
    return Role(
        title=parts[0],
        levels=tuple(_LEVEL_CODES[code] for code in parts[1]),
        duty=parts[2],
        expertise=tuple(expertise),
        organisations=tuple(organisations),
    )


@cache
def industries() -> tuple[Industry, ...]:
    """The curated industries, parsed and checked once."""
    known_cities = {c for culture in cultures() for c in (*culture.cities, *culture.specialist_cities)}
    result: list[Industry] = []
    name = ""
    organisations: list[str] = []
    cities: list[str] = []
    roles: list[Role] = []
    header = ""
    details: list[str] = []

    def close_role() -> None:
        nonlocal header, details
        if header:
            roles.append(_role(header, details, name))
        header, details = "", []

    def close_industry() -> None:
        close_role()
        if not name:
            return
        if not organisations or len(roles) < 8:
            raise ValueError(f"persona_builder {name}: needs organisations and at least 8 roles")
        unknown = sorted(set(cities) - known_cities)
        if unknown:
            raise ValueError(f"persona_builder {name}: no culture lives in {unknown}")
        result.append(Industry(name, tuple(organisations), tuple(roles), tuple(cities)))

    for raw in _data_lines(_INDUSTRIES):
        line = raw.strip()
        if line.startswith("== "):
            close_industry()
            name, organisations, cities, roles = line[3:], [], [], []
        elif line.startswith("orgs:"):
            organisations.extend(_items(line[5:], ";"))
        elif line.startswith("cities:"):
            cities.extend(_items(line[7:], ","))
        elif raw.startswith((" ", "\t")):
            if not header:
                raise ValueError(f"persona_builder {name}: detail line before any role: {line!r}")
            details.append(line)
        else:
            close_role()
            header = line
    close_industry()
    return tuple(result)


def _tail(rng: random.Random, level: str) -> str:
    """An optional clause that fits the experience level; empty about half the time."""
    if rng.random() < 0.5:
        return ""
    if level == "entry-level":
        return f", {rng.choice(_MONTHS)} months into the role"
    if level == "junior":
        return rng.choice((", two years into the role", ", eighteen months into the role",
                           ", a year and a half into the role"))
    if level == "mid-level":
        return f", with {rng.randint(4, 8)} years in the field"
    if level == "senior":
        return f", with {rng.randint(9, 22)} years of experience"
    if level == "lead":
        return f", leading a team of {rng.randint(4, 15)}"
    return f", {rng.choice(_YEARS)} years in post"


def _work_context(rng: random.Random, role: Role, level: str, organisation: str, city: str) -> str:
    """One sentence: the duty, the organisation type and the city, and maybe a clause for the level.

    A duty says where the organisation goes with ``{org}`` ("flies short-haul routes for {org}");
    otherwise "at {org}" is appended.
    """
    tail = _tail(rng, level)
    duty = role.duty if "{org}" in role.duty else role.duty + " at {org}"
    if rng.random() < 0.75:
        text = duty.replace("{org}", f"{organisation} in {city}")
        return f"{text[0].upper()}{text[1:]}{tail}."
    return f"Based in {city}, {duty.replace('{org}', organisation)}{tail}."


def _place_and_name(
    rng: random.Random, industry: Industry, deck: list[Culture], by_city: dict[str, list[Culture]],
) -> tuple[Culture, str, str]:
    """A culture, a city and a full name that go together."""
    if industry.cities:
        city = rng.choice(industry.cities)
        culture = rng.choice(by_city[city])
    else:
        if not deck:
            deck.extend(cultures())
            rng.shuffle(deck)
        culture = deck.pop()
        city = rng.choice(culture.cities)
    female = rng.random() < 0.5
    first = rng.choice(culture.female if female else culture.male)
    male_form, female_form = rng.choice(culture.family)
    return culture, city, f"{first} {female_form if female else male_form}"


def build_personas(count: int = 965, seed: int = 0) -> list[Persona]:
    """``count`` personas drawn reproducibly (``random.Random(seed)``) from the curated lists.

    Industries are balanced (their counts differ by at most one), each industry's roles are used in
    turn before any repeats, communication styles are dealt from a shuffled deck, and names are unique
    as long as the name pools allow. Ids are ``p0001``, ``p0002``… in order.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    rng = random.Random(seed)
    all_industries = industries()
    by_city: dict[str, list[Culture]] = {}
    for culture in cultures():
        for city in (*culture.cities, *culture.specialist_cities):
            by_city.setdefault(city, []).append(culture)

    base, extra = divmod(count, len(all_industries))
    lucky = set(rng.sample(range(len(all_industries)), extra))
    slots: list[tuple[Industry, Role]] = []
    for index, industry in enumerate(all_industries):
        quota = base + (index in lucky)
        roles: list[Role] = []
        while len(roles) < quota:
            batch = list(industry.roles)
            rng.shuffle(batch)
            roles.extend(batch)
        slots.extend((industry, role) for role in roles[:quota])
    rng.shuffle(slots)

    styles: list[str] = []
    culture_deck: list[Culture] = []
    used_names: set[str] = set()
    width = max(4, len(str(count)))
    personas = []
    for number, (industry, role) in enumerate(slots, start=1):
        for _ in range(200):
            _, city, name = _place_and_name(rng, industry, culture_deck, by_city)
            if name not in used_names:
                break
        used_names.add(name)
        if not styles:
            styles = list(COMMUNICATION_STYLES)
            rng.shuffle(styles)
        level = rng.choice(role.levels)
        organisation = rng.choice(industry.organisations_for(role))
        personas.append(Persona(
            id=f"p{number:0{width}d}",
            name=name,
            role=role.title,
            industry=industry.name,
            expertise=rng.sample(role.expertise, 3),
            experience_level=level,
            communication_style=styles.pop(),
            work_context=_work_context(rng, role, level, organisation, city),
        ))
    return personas


def personas_to_jsonl(personas: Sequence[Persona]) -> str:
    """The JSONL text of ``personas``, one object per line, as shipped in ``library/personas.jsonl``."""
    return "".join(json.dumps(p.model_dump(), ensure_ascii=False) + "\n" for p in personas)


def _count(text: str) -> int:
    """``--count``: a whole number of personas, at least one."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m isetrace.intents.persona_builder``: write the personas file."""
    parser = argparse.ArgumentParser(prog="python -m isetrace.intents.persona_builder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    builtin = Path(str(resources.files("isetrace.intents") / "library" / "personas.jsonl"))
    parser.add_argument("--out", default=str(builtin), help="where to write ('-' for stdout; default: %(default)s)")
    parser.add_argument("--count", type=_count, default=965, help="how many personas (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    text = personas_to_jsonl(build_personas(args.count, args.seed))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        try:
            replace_file(Path(args.out), text.encode("utf-8"))
        except OutputError as exc:
            parser.error(str(exc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
