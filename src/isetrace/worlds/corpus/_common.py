"""Helpers the ``_pages_*`` modules share: page records, JSON, CSV and RSS bodies, small formatting."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

Page = dict[str, Any]

FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8", "text": "text/plain; charset=utf-8",
           "markdown": "text/markdown; charset=utf-8", "xml": "application/xml"}
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
"""The world's present: the last morning of November 2026 (the sessions' seeds use the same week)."""


def page(url: str, title: str, kind: str, markup: str, **extra: str) -> Page:
    """An HTML page written in the markup ``generate.py`` renders (``summary``, ``date``, ``author`` optional)."""
    return {"url": url, "title": title, "kind": kind, "markup": markup, **extra}


def raw(url: str, title: str, kind: str, body: str, fmt: str) -> Page:
    """A page whose body is served as it is, with the content type of ``fmt`` (a key of :data:`FORMATS`)."""
    return {"url": url, "title": title, "kind": kind, "body": body, "content_type": FORMATS[fmt]}


def to_json(value: Any) -> str:
    """Compact JSON, UTF-8 kept as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with a header row and ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A markup table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def size(text: str) -> int:
    """The size in bytes of ``text`` served as UTF-8."""
    return len(text.encode())


def rfc822(when: str) -> str:
    """An RSS date from ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, read as UTC."""
    moment = dt.datetime.fromisoformat(when if "T" in when else when + "T08:00").replace(tzinfo=dt.UTC)
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def rss(title: str, link: str, description: str, items: Sequence[tuple[str, str, str, str]]) -> str:
    """An RSS 2.0 feed; ``items`` are (title, absolute link, date, description), newest first."""
    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def guid(title: str, link: str) -> str:
        if sum(1 for item in items if item[1] == link) == 1:
            return f"<guid>{link}</guid>"
        return f'<guid isPermaLink="false">{esc(title)} {link}</guid>'

    entries = "".join(f"<item><title>{esc(t)}</title><link>{u}</link>{guid(t, u)}<pubDate>{rfc822(d)}</pubDate>"
                      f"<description>{esc(s)}</description></item>\n" for t, u, d, s in items)
    built = rfc822(items[0][2]) if items else rfc822(NOW.date().isoformat())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n<title>{esc(title)}</title>\n'
            f"<link>{link}</link>\n<description>{esc(description)}</description>\n<language>en</language>\n"
            f"<lastBuildDate>{built}</lastBuildDate>\n{entries}</channel>\n</rss>\n")


def weekday(day: str) -> str:
    return dt.date.fromisoformat(day).strftime("%A")
