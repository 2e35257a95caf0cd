"""OpenClaw skills: folders of instructions an agent reads when a task matches, offered in every episode.

A skill is a folder with a ``SKILL.md`` whose YAML front matter gives its ``name`` and ``description``
(and optionally an ``id``, and ``disable-model-invocation``); the rest of the folder is whatever the
instructions refer to. As OpenClaw does, an episode copies the skills it offers into the workspace, lists
them in the system prompt in an ``<available_skills>`` block (:func:`skills_prompt`), and the agent reads
a skill's file with its ``read`` tool when the task matches the description. The entries recorded with
the episode (:func:`skill_entry`) are OpenClaw's, so the middle format's ``skills`` field is theirs.

Which skills a session offers: those its intents name in ``skills_used`` (by id or by name) when any of
those names a skill of the directory; otherwise all of them. A skills directory is trusted configuration,
yet it is bounded all the same (file count and sizes), since every file is copied into every workspace.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

from isetrace.errors import DataError
from isetrace.records import Intent

__all__ = ["MAX_SKILL_BYTES", "MAX_SKILL_FILES", "SKILLS_FOLDER", "Skill", "bundled_skills_dir", "configured_skills",
           "load_skills", "offered_skills", "place_skills", "skill_entry", "skills_prompt"]

SKILLS_FOLDER = "skills"
"""Where, under the workspace, the offered skills are placed (``skills/<name>/SKILL.md``)."""

MAX_SKILL_FILES = 64
MAX_SKILL_BYTES = 1 << 20
"""Per skill: at most this many files and bytes in all."""

SOURCE = "openclaw-workspace"
"""The ``source`` of every entry: OpenClaw's name for skills that live in the workspace, as ours do."""


class _Writer(Protocol):
    async def write_file(self, path: str, data: bytes) -> object: ...


@dataclass(frozen=True)
class Skill:
    """One skill folder, read and checked."""

    name: str
    description: str
    folder: Path
    files: tuple[str, ...]
    """Every file of the folder, relative to it (``SKILL.md`` first)."""
    id: str = ""
    disable_model_invocation: bool = False


def bundled_skills_dir() -> Path:
    """The skills shipped with isetrace."""
    return Path(str(resources.files("isetrace.skills") / "bundled"))


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("---"):
        raise DataError(f"{path}: a SKILL.md starts with YAML front matter between '---' lines")
    _, _, rest = text.partition("\n")
    matter, found, _ = rest.partition("\n---")
    try:
        data = yaml.safe_load(matter) if found else None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: the front matter is not YAML ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: the front matter must be a mapping with name and description")
    return data


def _read_skill(folder: Path) -> Skill:
    manifest = folder / "SKILL.md"
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    size = sum((folder / f).stat().st_size for f in files)
    if len(files) > MAX_SKILL_FILES or size > MAX_SKILL_BYTES:
        raise DataError(f"{folder}: a skill holds at most {MAX_SKILL_FILES} files and {MAX_SKILL_BYTES} bytes "
                        f"(this one: {len(files)} files, {size} bytes)")
    data = _front_matter(manifest)
    name, description = data.get("name"), data.get("description")
    if not isinstance(name, str) or not name.strip() or not isinstance(description, str) or not description.strip():
        raise DataError(f"{manifest}: the front matter needs a name and a description (text)")
    if "/" in name or name.startswith("."):
        raise DataError(f"{manifest}: the name {name!r} must be a plain folder name")
    files.remove("SKILL.md")
    return Skill(name=name.strip(), description=" ".join(description.split()), folder=folder,
                 files=("SKILL.md", *files), id=str(data.get("id") or ""),
                 disable_model_invocation=bool(data.get("disable-model-invocation", False)))


def load_skills(directory: Path | None = None) -> list[Skill]:
    """The skills of ``directory`` (the bundled ones when ``None``), sorted by name.

    Raises :class:`DataError` naming the file for a missing directory, a SKILL.md without a name or a
    description, a skill over the size bounds, or two skills of one name.
    """
    root = directory or bundled_skills_dir()
    if not root.is_dir():
        raise DataError(f"{root}: no skills directory there")
    skills = [_read_skill(folder) for folder in sorted(root.iterdir()) if (folder / "SKILL.md").is_file()]
    names = [s.name for s in skills]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(f"{root}: more than one skill is called {', '.join(repeated)}")
    return sorted(skills, key=lambda s: s.name)


@functools.lru_cache(maxsize=8)
def configured_skills(skills_dir: str | None) -> tuple[Skill, ...]:
    """The skills of a run's ``tools.skills_dir`` (read once per process): ``None`` the bundled ones, ``""``
    none."""
    if skills_dir == "":
        return ()
    return tuple(load_skills(Path(skills_dir) if skills_dir is not None else None))


def offered_skills(skills: Sequence[Skill], intents: Iterable[Intent]) -> list[Skill]:
    """The skills a session of ``intents`` offers: those named in their ``skills_used`` (by id or name)
    when any is a skill here, else all."""
    wanted = {used for intent in intents for used in intent.skills_used}
    chosen = [s for s in skills if s.name in wanted or (s.id and s.id in wanted)]
    return chosen or list(skills)


def skill_entry(skill: Skill, workspace: str) -> dict[str, Any]:
    """The skill as OpenClaw lists it (``skills`` of the middle format), placed under ``workspace``."""
    base = f"{workspace.rstrip('/')}/{SKILLS_FOLDER}/{skill.name}"
    return {"name": skill.name, "description": skill.description, "filePath": f"{base}/SKILL.md", "baseDir": base,
            "source": SOURCE, "disableModelInvocation": skill.disable_model_invocation}


def skills_prompt(entries: Sequence[dict[str, Any]]) -> str:
    """The ``<available_skills>`` block of the system prompt, as OpenClaw writes it ('' without skills).

    Skills whose ``disableModelInvocation`` is set are left out of the prompt, as OpenClaw leaves them.
    """
    listed = [e for e in entries if not e.get("disableModelInvocation")]
    if not listed:
        return ""
    lines = ["The following skills provide specialized instructions for specific tasks.",
             "Use the read tool to load a skill's file when the task matches its description.",
             "When a skill file references a relative path, resolve it against the skill directory (parent of "
             "SKILL.md / dirname of the path) and use that absolute path in tool commands.", "",
             "<available_skills>"]
    for entry in listed:
        lines += ["  <skill>", f"    <name>{entry['name']}</name>",
                  f"    <description>{entry['description']}</description>",
                  f"    <location>{entry['filePath']}</location>", "  </skill>"]
    lines.append("</available_skills>")
    return "\n".join(lines)


async def place_skills(sandbox: _Writer, skills: Sequence[Skill]) -> None:
    """Copy every file of ``skills`` into the sandbox's workspace, under ``skills/<name>/``."""
    for skill in skills:
        for relative in skill.files:
            data = (skill.folder / relative).read_bytes()
            await sandbox.write_file(f"{SKILLS_FOLDER}/{skill.name}/{relative}", data)
