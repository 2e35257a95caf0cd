"""Checks on the files of the workspace: there or not, their text, their structured values, their tables.

Each reads at most :data:`~isetrace.verify.checks.MAX_READ_BYTES` of one file through the sandbox (a
symbolic link or a device is not a deliverable and fails), and says in its evidence what it found.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import field_validator, model_validator

from isetrace.verify.checks import (
    MAX_READ_BYTES,
    CheckContext,
    FileCheck,
    Outcome,
    PathCheck,
    register_check,
)

__all__ = ["CsvTable", "FileAbsent", "FileContains", "FileExists", "FileMatches", "FileUnchanged", "StructuredValue"]


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


@register_check
class FileExists(FileCheck):
    """The file exists and is a regular file (``non_empty``: with at least one byte)."""

    kind: Literal["file_exists"] = "file_exists"
    non_empty: bool = True

    async def judge(self, data: bytes, context: CheckContext) -> Outcome:
        if self.non_empty and not data:
            return Outcome.of(False, f"{self.path} exists but is empty")
        return Outcome.of(True, f"{self.path} exists ({len(data)} bytes{'+' if len(data) == MAX_READ_BYTES else ''})")


@register_check
class FileAbsent(PathCheck):
    """Nothing is at the path (a file the task says to delete, a temporary file to clean up)."""

    kind: Literal["file_absent"] = "file_absent"

    async def evaluate(self, context: CheckContext) -> Outcome:
        probe = await context.sandbox.run(["test", "-e", self.path, "-o", "-L", self.path], timeout_s=context.timeout_s)
        if probe.exit_code == 0:
            return Outcome.of(False, f"{self.path} is still there")
        return Outcome.of(True, f"{self.path} is absent")


@register_check
class FileContains(FileCheck):
    """The file contains ``text`` (``ignore_case``: compared case-insensitively)."""

    kind: Literal["file_contains"] = "file_contains"
    text: str
    ignore_case: bool = False

    async def judge(self, data: bytes, context: CheckContext) -> Outcome:
        body, wanted = _text(data), self.text
        if self.ignore_case:
            body, wanted = body.casefold(), wanted.casefold()
        found = wanted in body
        return Outcome.of(found, f"{self.path} {'contains' if found else 'does not contain'} {self.text!r}")


@register_check
class FileMatches(FileCheck):
    """Some line of the file matches the regular expression ``pattern`` (Python syntax, multiline)."""

    kind: Literal["file_matches"] = "file_matches"
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    async def judge(self, data: bytes, context: CheckContext) -> Outcome:
        match = re.search(self.pattern, _text(data), re.MULTILINE)
        if match is None:
            return Outcome.of(False, f"nothing in {self.path} matches {self.pattern!r}")
        return Outcome.of(True, f"{self.path} matches {self.pattern!r}: {match.group(0)!r}")


@register_check
class FileUnchanged(FileCheck):
    """The file is byte for byte what the template had ("keep the originals untouched")."""

    kind: Literal["file_unchanged"] = "file_unchanged"

    def _original(self, context: CheckContext) -> Path | None:
        original = context.template / self.path if context.template is not None else None
        return original if original is not None and original.is_file() and not original.is_symlink() else None

    async def evaluate(self, context: CheckContext) -> Outcome:
        if self._original(context) is None:
            return Outcome.of(False, f"the template has no file {self.path} to compare with")
        return await super().evaluate(context)

    async def judge(self, data: bytes, context: CheckContext) -> Outcome:
        original = self._original(context)
        assert original is not None  # evaluate made sure
        with original.open("rb") as handle:
            same = data == handle.read(MAX_READ_BYTES)
        return Outcome.of(same, f"{self.path} is {'unchanged' if same else 'changed'} from the template")


def _walk(value: Any, key: str) -> tuple[bool, Any]:
    """The value at a dotted key (``totals.late``, ``items.0.name``): ``(found, value)``."""
    for part in key.split(".") if key else []:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None
    return True, value


def _same(found: Any, wanted: Any) -> bool:
    """Equal as values: numbers by value (2 == 2.0), everything else exactly."""
    if isinstance(found, int | float) and isinstance(wanted, int | float) and not isinstance(found, bool):
        return math.isclose(float(found), float(wanted), rel_tol=1e-9, abs_tol=1e-9)
    return bool(found == wanted)


@register_check
class StructuredValue(FileCheck):
    """In a JSON or YAML file, the value at the dotted ``key`` (``""``: the whole document) equals ``equals``."""

    kind: Literal["structured_value"] = "structured_value"
    format: Literal["json", "yaml"] = "json"
    key: str = ""
    equals: Any

    async def judge(self, data: bytes, context: CheckContext) -> Outcome:
        try:
            document = json.loads(data) if self.format == "json" else yaml.safe_load(data)
        except (ValueError, yaml.YAMLError, RecursionError) as exc:
            return Outcome.of(False, f"{self.path} is not {self.format.upper()}: {str(exc).splitlines()[0]}")
        found, value = _walk(document, self.key)
        where = f"{self.path}:{self.key or '(document)'}"
        if not found:
            return Outcome.of(False, f"{where} is missing")
        same = _same(value, self.equals)
        return Outcome.of(same, f"{where} is {json.dumps(value, default=str)[:120]}"
                                f"{'' if same else f', not {json.dumps(self.equals, default=str)[:120]}'}")


@register_check
class CsvTable(FileCheck):
    """A CSV file (first row the header) has the given ``columns``, ``rows`` data rows and/or a column whose
    numbers sum to ``column_sum`` (within ``tolerance``)."""

    kind: Literal["csv_table"] = "csv_table"
    columns: list[str] | None = None
    rows: int | None = None
    sum_column: str | None = None
    column_sum: float | None = None
    tolerance: float = 1e-6

    @model_validator(mode="after")
    def _asks_something(self) -> CsvTable:
        if self.columns is None and self.rows is None and self.column_sum is None:
            raise ValueError("a csv_table check needs columns, rows or column_sum")
        if (self.sum_column is None) != (self.column_sum is None):
            raise ValueError("sum_column and column_sum go together")
        return self

    async def judge(self, data: bytes, context: CheckContext) -> Outcome:
        try:
            table = list(csv.reader(io.StringIO(_text(data))))
        except csv.Error as exc:
            return Outcome.of(False, f"{self.path} is not CSV: {exc}")
        if not table:
            return Outcome.of(False, f"{self.path} has no header row")
        header, body = [c.strip() for c in table[0]], [row for row in table[1:] if any(c.strip() for c in row)]
        problems = []
        if self.columns is not None and [c for c in self.columns if c not in header]:
            problems.append(f"columns {header} lack {[c for c in self.columns if c not in header]}")
        if self.rows is not None and len(body) != self.rows:
            problems.append(f"{len(body)} data rows, not {self.rows}")
        if self.sum_column is not None and self.column_sum is not None:
            problems += self._sum_problem(header, body)
        if problems:
            return Outcome.of(False, f"{self.path}: " + "; ".join(problems))
        return Outcome.of(True, f"{self.path}: {len(header)} columns, {len(body)} data rows, as asked")

    def _sum_problem(self, header: list[str], body: list[list[str]]) -> list[str]:
        assert self.sum_column is not None and self.column_sum is not None
        if self.sum_column not in header:
            return [f"no column {self.sum_column!r} to sum"]
        index = header.index(self.sum_column)
        try:
            total = sum(float(row[index].strip().replace(",", "")) for row in body if index < len(row))
        except ValueError:
            return [f"column {self.sum_column!r} holds a value that is not a number"]
        if abs(total - self.column_sum) > self.tolerance:
            return [f"column {self.sum_column!r} sums to {total:g}, not {self.column_sum:g}"]
        return []
