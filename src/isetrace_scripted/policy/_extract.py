"""Concrete material in a user message that the agent's plan should reuse: tables, log lines, names.

When the user pastes numbers, the scripted agent analyses *those* numbers; when they name an output
file, it writes *that* file. Otherwise plans fall back to seeded made-up data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ._text import SENTENCE_SPLIT

_FENCE = re.compile(r"```[^\n]*\n(.*?)\n```", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_OUTPUT_CUE = re.compile(
    r"\b(save|put|write|goes|output|deliverable|result|store|export|called|named|into|want|"
    r"wants|need)\b",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://[^\s`'\"<>)\]]+")
_NUMBER_JUNK = re.compile(r"[\s$€£%,]")
_LOG_LEVEL = re.compile(r"\b(DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\b")
_FILE_NAME = re.compile(r"(?<![\w/.-])([A-Za-z0-9][\w-]*\.(md|json|csv|txt|py|sh|log|yaml|yml))\b")
_BACKTICK_DIR = re.compile(r"`([A-Za-z0-9][\w-]*)/`")
_BRANCH = re.compile(r"`((?:fix|feature|feat|bugfix|hotfix|chore|release)/[\w.-]+)`")


@dataclass(frozen=True)
class Table:
    """A small table: identifier-like column names and string cells (numbers already cleaned)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def numeric_columns(self) -> list[str]:
        return [
            name for index, name in enumerate(self.header) if all(_is_number(row[index]) for row in self.rows)
        ]

    def label_column(self) -> str | None:
        numeric = set(self.numeric_columns())
        return next((name for name in self.header if name not in numeric), None)

    def column(self, name: str) -> list[float]:
        index = self.header.index(name)
        return [float(row[index]) for row in self.rows]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _clean_cell(cell: str) -> str:
    cell = cell.strip().strip('"')
    candidate = _NUMBER_JUNK.sub("", cell)
    return candidate if candidate and _is_number(candidate) else cell


def _identifier(name: str, index: int, seen: set[str]) -> str:
    ident = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or f"col{index + 1}"
    while ident in seen:
        ident += "_2"
    seen.add(ident)
    return ident


def _make_table(header: list[str], rows: list[list[str]]) -> Table | None:
    rows = [row for row in rows if len(row) == len(header)]
    if len(header) < 2 or len(rows) < 2:
        return None
    seen: set[str] = set()
    names = tuple(_identifier(name, index, seen) for index, name in enumerate(header))
    table = Table(names, tuple(tuple(_clean_cell(cell) for cell in row) for row in rows))
    return table if table.numeric_columns() else None


def find_table(text: str) -> Table | None:
    """The first usable table in a message: a Markdown table, CSV lines, or a JSON array of records."""
    for finder in (_markdown_table, _json_table, _csv_table):
        table = finder(text)
        if table is not None:
            return table
    return None


def _markdown_table(text: str) -> Table | None:
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    cells = [row for row in cells if not all(re.fullmatch(r":?-{2,}:?", cell) for cell in row)]
    return _make_table(cells[0], cells[1:]) if cells else None


def _csv_table(text: str) -> Table | None:
    run: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        fields = [field.strip() for field in line.split(",")] if "," in line else []
        if fields and (not run or len(fields) == len(run[0])):
            run.append(fields)
            continue
        if len(run) >= 3 and not any(_is_number(cell) for cell in run[0]):
            table = _make_table(run[0], run[1:])
            if table is not None:
                return table
        run = [fields] if fields else []
    return None


def _json_table(text: str) -> Table | None:
    for block in _FENCE.findall(text):
        try:
            value = json.loads(block)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            value = next((item for item in value.values() if isinstance(item, list)), None)
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            header = [str(key) for key in value[0]]
            rows = [[str(item.get(key, "")) for key in header] for item in value]
            table = _make_table(header, rows)
            if table is not None:
                return table
    return None


def find_log_lines(text: str) -> list[str]:
    """Lines that look like log records (they carry a level such as ERROR or INFO)."""
    lines = [line.strip() for line in text.splitlines() if _LOG_LEVEL.search(line) and len(line.split()) >= 3]
    return lines if len(lines) >= 2 else []


def log_level(line: str) -> str:
    """The level token of a log line ("" when it has none)."""
    match = _LOG_LEVEL.search(line)
    return match.group(1) if match else ""


def named_files(text: str, extensions: tuple[str, ...]) -> list[str]:
    """Plain file names (no directories) with one of `extensions`, in order of first mention."""
    names = [name for name, ext in _FILE_NAME.findall(text) if ext in extensions]
    return list(dict.fromkeys(names))


def requested_outputs(text: str, extensions: tuple[str, ...]) -> list[str]:
    """File names the user asks to be written ("save it as `x.md`", "the output goes in `y.json`"), as
    opposed to files merely mentioned ("OK, got `x.csv`"), judged sentence by sentence."""
    sentences = SENTENCE_SPLIT.split(_FENCE.sub(" ", text))
    wanted = " ".join(sentence for sentence in sentences if _OUTPUT_CUE.search(sentence))
    return named_files(wanted, extensions)


def listed_files(text: str, limit: int = 6) -> list[str]:
    """Base names of the files in a pasted (fenced) listing: "incoming/a.csv" -> "a.csv"."""
    blocks = "\n".join(_FENCE.findall(text))
    names = re.findall(
        r"(?<![\w.-])(?:[\w-]+/)*([A-Za-z0-9][\w-]*\.(?:csv|xlsx|pdf|json|txt|md|jpe?g|png|wav|log))\b",
        blocks,
    )
    return list(dict.fromkeys(names))[:limit]


def urls(text: str) -> list[str]:
    """The http(s) URLs in a message, without trailing punctuation, in order of first mention."""
    found = [url.rstrip(".,;:!?") for url in _URL.findall(text)]
    return list(dict.fromkeys(found))


def prose_only(text: str) -> str:
    """The message without fenced blocks, inline code and URLs: the words the user actually wrote, for
    keyword matching (a file called `export_job.sh` says nothing about what is asked now)."""
    return _URL.sub(" ", _INLINE_CODE.sub(" ", _FENCE.sub(" ", text)))


def named_directory(text: str) -> str | None:
    """A folder the user named in backticks, like `incoming/`."""
    match = _BACKTICK_DIR.search(text)
    return match.group(1) if match else None


def named_branch(text: str) -> str | None:
    """A branch the user named in backticks, like `fix/ledger-12`."""
    match = _BRANCH.search(text)
    return match.group(1) if match else None


def numbers(text: str, limit: int = 8) -> list[float]:
    """Up to `limit` numbers mentioned in the text (table values first when there is a table)."""
    table = find_table(text)
    if table is not None:
        return table.column(table.numeric_columns()[0])[:limit]
    found = re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", _FENCE.sub(" ", text))
    return [float(item) for item in found[:limit]]
