"""The 4D library intents are sampled from: personas, domains with their tasks, complexity levels.

The library is data, shipped as editable files beside this module (``library/``); a user can point a
run at their own copies. Every file is validated on load, and a bad entry fails with the file's path
and the entry that is wrong, because a silently skipped persona skews a whole dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from isetrace.errors import DataError
from isetrace.jsonl import load_jsonl
from isetrace.records import Persona

__all__ = ["CAPABILITIES", "ComplexityLevel", "Domain", "Library", "TaskSpec", "load_library"]

CAPABILITIES = ("shell", "files", "web", "memory", "subagents")
"""The dialect-neutral capabilities tasks may need; each dialect maps them to its own tools."""


class TaskSpec(BaseModel):
    """One task an intent can ask for."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    tools: list[str] = Field(default_factory=list)
    """The capabilities the task needs (of :data:`CAPABILITIES`)."""
    offline: bool = True

    @field_validator("tools")
    @classmethod
    def _known_capabilities(cls, tools: list[str]) -> list[str]:
        unknown = [t for t in tools if t not in CAPABILITIES]
        if unknown:
            raise ValueError(f"unknown capabilities {unknown}; the capabilities are {', '.join(CAPABILITIES)}")
        return tools


class Domain(BaseModel):
    """One functional domain and its tasks."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    tasks: list[TaskSpec] = Field(min_length=1)


class ComplexityLevel(BaseModel):
    """How hard an intent is: its prior, how many domains and tasks it spans, and a definition."""

    model_config = ConfigDict(extra="forbid")

    name: str
    prior: float = Field(gt=0.0, le=1.0)
    domains: tuple[int, int]
    tasks: tuple[int, int]
    definition: str

    @model_validator(mode="after")
    def _ranges(self) -> ComplexityLevel:
        for label, (low, high) in (("domains", self.domains), ("tasks", self.tasks)):
            if not 1 <= low <= high:
                raise ValueError(f"{label} must be [low, high] with 1 <= low <= high")
        return self


@dataclass(frozen=True)
class Library:
    """Everything the sampler draws from."""

    personas: list[Persona]
    domains: list[Domain]
    complexity: list[ComplexityLevel]


def _entries(path: Path) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read the library file ({exc})") from exc
    if not isinstance(data, list) or not data:
        raise DataError(f"{path}: expected a non-empty list of entries")
    return data


def _validated(path: Path, model: type[BaseModel], entries: list[Any]) -> list[Any]:
    items = []
    for index, entry in enumerate(entries, start=1):
        try:
            items.append(model.model_validate(entry))
        except ValidationError as exc:
            label = entry.get("name", "?") if isinstance(entry, dict) else "?"
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise DataError(f"{path}: entry {index} ({label}): {problems}") from None
    return items


def load_library(directory: Path | None = None) -> Library:
    """Load the library from ``directory`` (the built-in one when ``None``).

    Raises :class:`DataError` naming the file and the entry at the first problem.
    """
    root = directory or Path(str(resources.files("isetrace.intents") / "library"))
    personas_path = root / "personas.jsonl"
    personas, errors = load_jsonl(personas_path, Persona)
    if errors:
        raise DataError(f"{errors[0]}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
    if not personas:
        raise DataError(f"{personas_path}: no personas")
    unnamed = [p.name for p in personas if not p.id]
    if unnamed:  # intents point at library personas by id
        raise DataError(f"{personas_path}: every persona needs an id; {len(unnamed)} have none ({unnamed[0]}, …)")
    domains = _validated(root / "domains.yaml", Domain, _entries(root / "domains.yaml"))
    levels = _validated(root / "complexity.yaml", ComplexityLevel, _entries(root / "complexity.yaml"))
    return Library(personas=personas, domains=domains, complexity=levels)
