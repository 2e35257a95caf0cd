"""Concrete inline data for rendered intents: tables, JSON, logs, listings, configs, URLs.

The published intents carry their data inline so that the agent has something real to work on. Each
functional domain gets the kind of artefact a person in it would paste, filled with seeded values in
the persona's industry vocabulary (see `_vocab`).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ._text import pick
from ._vocab import Metric, Vocab

Family = Literal["data", "code", "files", "source", "automation", "web", "comms", "media", "memory", "system"]

_FAMILY_WORDS: tuple[tuple[Family, tuple[str, ...]], ...] = (
    ("system", ("system", "infra", "process", "service", "log", "package", "server", "monitor")),
    ("source", ("source", "git", "ci", "version", "commit", "repo")),
    ("automation", ("automat", "flow", "schedul", "cron", "workflow", "pipeline", "job")),
    ("web", ("web", "http", "fetch", "scrap", "search", "browser", "url", "api")),
    ("comms", ("comm", "mail", "chat", "social", "messag", "slack", "notif")),
    ("media", ("media", "image", "audio", "video", "tts", "photo", "speech")),
    ("memory", ("memory", "session", "subagent", "sub-agent", "recall", "history")),
    ("files", ("file", "folder", "director", "storage", "archive")),
    ("code", ("code", "runtime", "script", "program", "develop", "test")),
    ("data", ("intelligence", "data", "document", "summar", "json", "analy", "report", "table")),
)


@dataclass(frozen=True)
class DataBlock:
    """A pasted artefact: `noun` names it in prose ("log excerpt"), `text` is the fenced block or table."""

    noun: str
    text: str


@dataclass(frozen=True)
class Deliverable:
    """The output file the requester wants, and what it must contain."""

    filename: str
    contents: tuple[str, ...]


def domain_family(name: str, description: str) -> Family:
    """Classify a domain by keywords in its name, then in its description; default "data"."""
    for text in (name.lower(), description.lower()):
        for family, words in _FAMILY_WORDS:
            if any(re.search(rf"\b{re.escape(word)}", text) for word in words):
                return family
    return "data"


def _value(rng: random.Random, metric: Metric) -> str:
    number = rng.uniform(metric.low, metric.high)
    return str(round(number)) if metric.decimals == 0 else f"{number:.{metric.decimals}f}"


def _records(vocab: Vocab, rng: random.Random, rows: int, columns: int) -> tuple[list[str], list[list[str]]]:
    """A header and `rows` rows: the label column plus `columns` metric columns."""
    metrics = vocab.metrics[:columns]
    labels = rng.sample(vocab.labels, min(rows, len(vocab.labels)))
    header = [vocab.entity, *(metric.name for metric in metrics)]
    return header, [[label, *(_value(rng, metric) for metric in metrics)] for label in labels]


def _table_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    header, body = _records(vocab, rng, rows, 3 if rows > 3 else 2)
    style = rng.randrange(3)
    if style == 0:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return DataBlock("table", "\n".join(lines))
    if style == 1:
        csv_text = "\n".join(",".join(row) for row in [header, *body])
        return DataBlock("CSV export", f"```csv\n{csv_text}\n```")
    records = [{key: _number_or_text(cell) for key, cell in zip(header, row, strict=True)} for row in body]
    return DataBlock("JSON export", "```json\n" + _records_json(records) + "\n```")


def _records_json(records: list[dict[str, object]]) -> str:
    """A JSON array with one record per line, the way people paste small exports."""
    return "[\n" + ",\n".join("  " + json.dumps(record, ensure_ascii=False) for record in records) + "\n]"


def _number_or_text(cell: str) -> object:
    try:
        return int(cell)
    except ValueError:
        try:
            return float(cell)
        except ValueError:
            return cell


def _listing_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    day = rng.randint(3, 27)
    lines = []
    for label in rng.sample(vocab.labels, min(rows + 1, len(vocab.labels))):
        stem = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        ext = pick(rng, ("csv", "xlsx", "pdf", "json", "txt"))
        size = f"{rng.randint(2, 940)}K"
        lines.append(f"{size:>5}  2024-03-{day:02d}  incoming/{stem}_{vocab.key}.{ext}")
    return DataBlock("file listing", "```text\n" + "\n".join(lines) + "\n```")


_COMMIT_SUBJECTS = (
    "Fix rounding in {m} export",
    "Add {e} filter to report",
    "Bump version to 1.{n}.0",
    "Refactor {s} client",
    "Handle empty {e} rows",
    "Update CI cache key",
    "Log slow {s} calls",
    "Remove dead {m} code",
)


def _git_log_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    lines = []
    for subject in rng.sample(_COMMIT_SUBJECTS, min(rows + 1, len(_COMMIT_SUBJECTS))):
        text = subject.format(m=vocab.metrics[0].name, e=vocab.entity, s=vocab.service, n=rng.randint(2, 19))
        lines.append(f"{rng.getrandbits(28):07x} {text}")
    return DataBlock("commit history", "```text\n" + "\n".join(lines) + "\n```")


def _cron_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    lines = ["# m h dom mon dow command"]
    jobs = (
        f"python3 export_{vocab.key}.py --since yesterday",
        f"./sync_{vocab.service}.sh",
        f"python3 rollup_{vocab.metrics[0].name}.py",
        "find /tmp/exports -mtime +7 -delete",
    )
    for job in jobs[: max(2, min(rows, len(jobs)))]:
        lines.append(
            f"{rng.choice((0, 15, 30, 45))} {rng.randint(0, 23)} * * {pick(rng, ('*', '1-5', '1'))} {job}"
        )
    return DataBlock("crontab", "```cron\n" + "\n".join(lines) + "\n```")


def _web_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    header, body = _records(vocab, rng, min(rows, 3), 2)
    source = json.dumps(f"https://data.example.com/v1/{vocab.key}?month=2024-0{rng.randint(1, 9)}")
    records = [dict(zip(header, map(_number_or_text, row), strict=True)) for row in body]
    items = _records_json(records).replace("\n", "\n  ")
    return DataBlock("API response", f'```json\n{{\n  "source": {source},\n  "items": {items}\n}}\n```')


def _thread_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    sender = pick(rng, ("Dana Whitfield", "Marco Bellini", "Aiko Tanaka", "Sam Okafor", "Lena Fischer"))
    metric = pick(rng, vocab.metrics)
    label = pick(rng, vocab.labels)
    lines = [
        f"From: {sender}",
        f"Subject: {vocab.key} numbers for March",
        f"Hi all, {metric.words} for {label} came in at {_value(rng, metric)}.",
        "Can someone confirm before Friday's review?",
    ]
    return DataBlock("message", "```text\n" + "\n".join(lines[: 2 + max(2, rows - 1)]) + "\n```")


def _media_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    lines = []
    for index in range(rows + 1):
        width, height = pick(rng, ((4032, 3024), (1920, 1080), (3000, 2000), (1280, 720)))
        ext = pick(rng, ("jpg", "png", "wav"))
        size = f"{rng.uniform(0.2, 6.5):.1f} MB"
        lines.append(f"{vocab.key}_{rng.randint(100, 999)}_{index}.{ext}  {width}x{height}  {size}")
    return DataBlock("media list", "```text\n" + "\n".join(lines) + "\n```")


def _notes_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    facts = (
        f"agreed to report {vocab.metrics[0].words} weekly",
        f"{pick(rng, vocab.labels)} is the pilot {vocab.entity}",
        f"{vocab.service} credentials live in the team vault",
        "review moved to Thursdays",
        f"alert if {vocab.metrics[-1].words} crosses {_value(rng, vocab.metrics[-1])}",
    )
    lines = [
        f"- 2024-03-{rng.randint(1, 28):02d}: {fact}" for fact in rng.sample(facts, min(rows, len(facts)))
    ]
    return DataBlock("notes", "```markdown\n" + "\n".join(lines) + "\n```")


def _log_block(vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    events = (
        ("INFO", "started on port 8080"),
        ("WARN", "slow response from db ({ms} ms)"),
        ("ERROR", "timeout calling upstream after 30s"),
        ("INFO", "health check ok"),
        ("ERROR", "connection refused by cache"),
        ("WARN", "retrying job {n}"),
        ("INFO", "processed {n} records"),
    )
    minute, second = rng.randint(0, 40), rng.randint(0, 59)
    lines = []
    for index in range(rows + 2):
        level, message = events[0] if index == 0 else pick(rng, events[1:])
        minute += rng.randint(0, 3)
        text = message.format(ms=rng.randint(900, 4000), n=rng.randint(10, 9000))
        lines.append(f"2024-03-14T09:{minute:02d}:{second:02d}Z {level} {vocab.service} {text}")
    return DataBlock("log excerpt", "```text\n" + "\n".join(lines) + "\n```")


_BLOCKS: dict[Family, Callable[[Vocab, random.Random, int], DataBlock]] = {
    "data": _table_block,
    "code": _table_block,
    "files": _listing_block,
    "source": _git_log_block,
    "automation": _cron_block,
    "web": _web_block,
    "comms": _thread_block,
    "media": _media_block,
    "memory": _notes_block,
    "system": _log_block,
}


def data_block(family: Family, vocab: Vocab, rng: random.Random, rows: int) -> DataBlock:
    """The artefact a person in this domain would paste, with about `rows` lines of content."""
    return _BLOCKS[family](vocab, rng, rows)


_SUFFIXES: dict[Family, tuple[str, ...]] = {
    "data": ("summary", "report", "analysis", "overview"),
    "code": ("results", "report", "check"),
    "files": ("inventory", "index", "manifest"),
    "source": ("release_notes", "changelog", "ci_report"),
    "automation": ("schedule", "runbook", "job_report"),
    "web": ("extract", "links", "fetch_report"),
    "comms": ("reply_draft", "digest", "announcement"),
    "media": ("media_manifest", "catalog"),
    "memory": ("memory_notes", "handover"),
    "system": ("incident_report", "health_check", "triage"),
}
_CONTENTS: dict[Family, tuple[str, ...]] = {
    "data": (
        "the totals per {e}",
        "the {e} with the highest {m0}",
        "the average {m1}",
        "a two-line takeaway at the top",
    ),
    "code": ("the script's output", "the exact command to run it", "the test results"),
    "files": ("every file with its size", "what went where", "anything you skipped and why"),
    "source": ("the commits included", "the branch name", "what the checks printed"),
    "automation": ("each job and when it runs", "the command it calls", "where its output lands"),
    "web": ("the source URL", "the extracted {m0} values", "when it was fetched"),
    "comms": ("the draft text", "who it goes to", "the numbers it quotes"),
    "media": ("each file with its dimensions", "which ones need resizing", "total size"),
    "memory": ("the facts worth keeping", "the date of each", "open questions"),
    "system": (
        "error counts per component",
        "the first and last error timestamps",
        "disk usage",
        "recommended next steps",
    ),
}
_PERIODS = ("q3", "q1", "2024_03", "week_11", "march", "h1", "monthly", "weekly")


def deliverable(family: Family, vocab: Vocab, rng: random.Random, items: int) -> Deliverable:
    """A named output file (e.g. `q3_clinic_summary.md`) and `items` things it must contain."""
    stem = f"{vocab.key}_{pick(rng, _SUFFIXES[family])}"
    if rng.random() < 0.6:
        stem = f"{pick(rng, _PERIODS)}_{stem}"
    ext = (
        pick(rng, ("md", "md", "md", "json"))
        if family in ("data", "code", "web")
        else pick(rng, ("md", "txt"))
    )
    words = {"e": vocab.entity, "m0": vocab.metrics[0].words, "m1": vocab.metrics[1].words}
    pool = [text.format(**words) for text in _CONTENTS[family]]
    return Deliverable(f"{stem}.{ext}", tuple(rng.sample(pool, min(items, len(pool)))))


_DETAILS: dict[Family, tuple[str, ...]] = {
    "data": ("for each {e}", "sorted by {m}", "broken down by {e}"),
    "code": (
        "in a small Python script called `{k}_check.py`",
        "with a quick test next to it",
        "using only the standard library",
    ),
    "files": ("under a folder called `{k}_sorted/`", "keeping the original names", "inside `incoming/`"),
    "source": ("on a branch called `fix/{k}-{n}`", "with one commit per change", "in the `{s}` repo"),
    "automation": ("every weekday at 06:{n:02d}", "so it runs without me", "chained after the export job"),
    "web": (
        "from https://data.example.com/v1/{k}",
        "from https://api.example.net/{k}/v2",
        "from https://www.example.org/{k}/latest",
    ),
    "comms": ("addressed to the team list", "in a friendly but short tone", "for Friday's review"),
    "media": ("for the product shots", "in a web-friendly format", "keeping the originals untouched"),
    "memory": ("so it's still there next session", "as a short memory note", "tagged `{k}`"),
    "system": ("for the `{s}` service", "for the last 24 hours", "on this machine"),
}


def task_detail(family: Family, vocab: Vocab, rng: random.Random) -> str:
    """A concrete qualifier for a sub-request ("for the `gateway` service", "every weekday at 06:15")."""
    template = pick(rng, _DETAILS[family])
    return template.format(
        e=vocab.entity, k=vocab.key, s=vocab.service, m=vocab.metrics[0].words, n=rng.randint(1, 59)
    )
