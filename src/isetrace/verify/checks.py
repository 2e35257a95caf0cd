"""The vocabulary of checks: what decides whether an intent's deliverable exists and is right.

A check is a small typed statement about the final workspace — "``late_rates.md`` exists", "column
``late`` of ``deliveries.csv`` sums to 26", "``pytest`` exits 0" — that is evaluated in the episode's own
sandbox after the conversation, so an episode's success rests on the state the agent left, not on anyone's
word. Each kind is a pydantic model with a ``kind`` tag and an :meth:`Check.evaluate` that looks at the
session; kinds are registered by name (:func:`register_check`), so kinds that need more than a workspace
(a mail world's "message sent") join the same vocabulary. :func:`parse_check` turns a stored spec into
its model and :func:`checks_schema` gives the JSON schema a renderer is asked to write them in.

Everything a check reads comes from the session, where the agent had every power: reads are bounded,
symbolic links are not followed, commands run under the session's limits with a time cap, and what is
kept as evidence is cut to a line.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from isetrace.errors import SandboxUnavailable
from isetrace.jsonl import describe_validation_error
from isetrace.sandbox import Sandbox
from isetrace.worlds.host import WorldHost

__all__ = ["MAX_READ_BYTES", "Check", "CheckContext", "CheckError", "FileCheck", "Outcome", "check_kinds",
           "checks_schema", "describe_kinds", "parse_check", "register_check", "workspace_path"]

MAX_READ_BYTES = 4 * 1024 * 1024
"""The most of one file a check reads; a larger deliverable is judged on its first 4 MiB."""
MAX_EVIDENCE_CHARS = 300
MAX_CHECKS = 8
"""The most checks a renderer is asked for at once (the schema's bound: a grammar-constrained small model
otherwise writes checks until its tokens run out)."""


class CheckError(ValueError):
    """A check spec that is not one of the vocabulary's, or not well formed; the message says which."""


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the session, the template it started from (host side), a time cap, and the
    session's worlds (``None`` without)."""

    sandbox: Sandbox
    template: Path | None = None
    timeout_s: float = 30.0
    worlds: WorldHost | None = None


@dataclass(frozen=True)
class Outcome:
    """One check's result: whether it holds, and the evidence it was decided on (one short line)."""

    passed: bool
    evidence: str

    @staticmethod
    def of(passed: bool, evidence: str) -> Outcome:
        line = " ".join(evidence.split())
        return Outcome(passed, line if len(line) <= MAX_EVIDENCE_CHARS else line[:MAX_EVIDENCE_CHARS - 1] + "…")


def workspace_path(path: str) -> str:
    """``path`` as a plain relative path inside the workspace; ``ValueError`` for anything that leaves it."""
    cleaned = posixpath.normpath(path.strip())
    if not path.strip() or cleaned.startswith(("/", "../")) or cleaned in ("..", "."):
        raise ValueError(f"{path!r} is not a path inside the workspace")
    return cleaned


class Check(BaseModel):
    """One check: a ``kind`` and its own fields. Subclasses set ``kind`` and implement :meth:`evaluate`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: str
    description: ClassVar[str] = ""
    world: ClassVar[str | None] = None
    """The world (``worlds.<name>``) the kind reads, or ``None`` for a kind of the workspace."""

    async def evaluate(self, context: CheckContext) -> Outcome:
        raise NotImplementedError

    def spec(self) -> dict[str, Any]:
        """The check as stored on an intent: its fields, unset optional ones left out."""
        return self.model_dump(mode="json", exclude_none=True)


class PathCheck(Check):
    """A check about one file of the workspace."""

    path: str

    @field_validator("path")
    @classmethod
    def _inside(cls, value: str) -> str:
        return workspace_path(value)

    async def read(self, context: CheckContext) -> bytes | Outcome:
        """The file's bytes (up to :data:`MAX_READ_BYTES`), or the failed outcome saying why not."""
        try:
            return await context.sandbox.read_file(self.path, max_bytes=MAX_READ_BYTES)
        except FileNotFoundError:
            return Outcome.of(False, f"{self.path} does not exist")
        except IsADirectoryError:
            return Outcome.of(False, f"{self.path} is a directory")
        except SandboxUnavailable:
            raise
        except OSError as exc:  # a symbolic link, a device, a FIFO: not a deliverable
            return Outcome.of(False, f"{self.path} cannot be read as a file ({exc.strerror or exc})")


class FileCheck(PathCheck):
    """A check on one file's content: :meth:`evaluate` reads it (or fails saying why it cannot), then
    :meth:`judge` decides on the bytes."""

    async def evaluate(self, context: CheckContext) -> Outcome:
        data = await self.read(context)
        return data if isinstance(data, Outcome) else await self.judge(data, context)

    async def judge(self, data: bytes, context: CheckContext) -> Outcome:
        raise NotImplementedError


_KINDS: dict[str, type[Check]] = {}


def register_check(model: type[Check]) -> type[Check]:
    """Add a kind to the vocabulary (a class decorator); its ``kind`` field's default names it."""
    name = model.model_fields["kind"].default
    if not isinstance(name, str) or not name:
        raise TypeError(f"{model.__name__} needs a default kind name")
    if name in _KINDS and _KINDS[name] is not model:
        raise ValueError(f"check kind {name!r} is registered twice")
    _KINDS[name] = model
    return model


def check_kinds() -> dict[str, type[Check]]:
    """Every registered kind by name."""
    return dict(_KINDS)


def parse_check(spec: object) -> Check:
    """A stored spec as its model; raises :class:`CheckError` naming the kind and what is wrong."""
    if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
        raise CheckError("a check must be an object with a string kind")
    model = _KINDS.get(spec["kind"])
    if model is None:
        raise CheckError(f"unknown check kind {spec['kind']!r} (known: {', '.join(sorted(_KINDS))})")
    try:
        return model.model_validate(spec)
    except ValidationError as exc:
        raise CheckError(f"check {spec['kind']}: {describe_validation_error(exc)}") from None


def _offered(worlds: Collection[str]) -> list[type[Check]]:
    """The kinds a run can evaluate: those of the workspace, and those of the worlds it has."""
    return [model for model in _KINDS.values() if model.world is None or model.world in worlds]


def checks_schema(worlds: Collection[str] = ()) -> dict[str, Any]:
    """The JSON schema of a list of checks of any kind a run with ``worlds`` can evaluate (for structured
    output)."""
    kinds = []
    for model in _offered(worlds):
        schema = model.model_json_schema()
        schema.pop("description", None)
        kinds.append(schema)
    return {"type": "array", "items": {"anyOf": kinds}, "maxItems": MAX_CHECKS}


def describe_kinds(worlds: Collection[str] = ()) -> str:
    """The vocabulary as a prompt lists it (the kinds a run with ``worlds`` can evaluate): one line per kind,
    its fields and what it holds."""
    lines = []
    for model in _offered(worlds):
        name = model.model_fields["kind"].default
        fields = ", ".join(f"{field}{'' if info.is_required() else '?'}" for field, info in model.model_fields.items()
                           if field != "kind")
        summary = " ".join((model.__doc__ or "").split()).replace("``", "`")
        lines.append(f"- {name} {{{fields}}}: {summary}")
    return "\n".join(lines)
