"""Release notes of a handful of fictional packages: an HTML page, a Markdown changelog and JSON per package."""

from __future__ import annotations

from ._common import Page, page, raw, rss, table, to_json

HOST = "releases.noteshub.example.net"
BASE = f"http://{HOST}"

SITES = {HOST: {"name": "Release Notes Hub", "nav": [("Packages", "/"), ("RSS", "/feed.xml")],
                "footer": "Release Notes Hub collects changelogs of small open-source projects"}}

# name, summary, home page, licence, [(version, date, requires python, [changes])] newest first
PACKAGES: list[tuple[str, str, str, str, list[tuple[str, str, str, list[str]]]]] = [
    ("tabwright", "Read, clean and validate tabular data in pure Python", "http://docs.tabwright.test/", "MIT", [
        ("2.4.1", "2026-10-14", ">=3.10", [
            "Fixed: `group_by(dropna=False)` placed the `None` group first when the first row had a missing key; it "
            "is now always last.",
            "Fixed: `to_csv` wrote a UTF-8 byte-order mark on Windows.",
            "Docs: the exceptions page lists every message with its fix."]),
        ("2.4.0", "2026-09-02", ">=3.10", [
            "Added: `Table.join(how=\"left\")` and `how=\"outer\"`.",
            "Added: `to_json(date_format=\"epoch\")`.",
            "Changed: `describe()` reports the median.",
            "Deprecated: passing `types` as a list of pairs; use a dict. Removal planned for 3.0."]),
        ("2.3.0", "2026-05-19", ">=3.10", [
            "Added: `read_csv(strict=True)` raises on ragged rows; the default pads and records a warning.",
            "Added: `types=\"infer\"`.",
            "Changed: a UTF-8 byte-order mark is removed when reading with `encoding=\"utf-8\"`."]),
        ("2.2.0", "2026-02-10", ">=3.9", [
            "Added: `read_json(flatten=True)` joins nested keys with dots.",
            "Added: `Column(max_length=)`.",
            "Last release supporting Python 3.9."]),
        ("2.1.0", "2025-11-04", ">=3.9", ["Added: `validate(lazy=)` and `Report.summary()`."]),
        ("2.0.0", "2025-06-30", ">=3.9", [
            "Breaking: tables are immutable; methods return new tables.",
            "Breaking: `Table.where()` is renamed `Table.filter()`.",
            "Breaking: `ColumnNotFoundError` is now a subclass of `KeyError`."]),
    ]),
    ("pebblesync", "Sync a directory to a remote store with snapshots", "http://man.pebblesync.test/", "Apache-2.0", [
        ("1.8.2", "2026-11-05", ">=3.9", [
            "Fixed: `prune` could keep one extra weekly snapshot when a week had no snapshots.",
            "Fixed: exit code 5 instead of 1 when the lock file cannot be created because another run holds it."]),
        ("1.8.1", "2026-09-21", ">=3.9", [
            "Fixed: `status --json` printed local times without an offset; it now prints UTC with `Z`.",
            "Security: sftp host keys are checked against `known_hosts` by default."]),
        ("1.8.0", "2026-07-08", ">=3.9", [
            "Added: `sync --conflict keep-both`.",
            "Added: `verify --sample PERCENT`.",
            "Changed: unknown configuration keys are an error (exit 2) instead of a warning."]),
        ("1.7.0", "2026-03-30", ">=3.8", [
            "Added: `--bandwidth` and `sync.bandwidth_kbps`.",
            "Added: `.pebbleignore` negation patterns (`!keep.tmp`)."]),
    ]),
    ("otterconf", "Layered configuration from TOML files and environment variables", "", "MIT", [
        ("3.1.0", "2026-10-27", ">=3.11", [
            "Added: `Config.explain(key)` shows which layer a value came from.",
            "Changed: environment variables are read with a prefix only (`OTTER_` by default)."]),
        ("3.0.2", "2026-08-12", ">=3.11", ["Fixed: integers in environment variables were read as strings."]),
        ("3.0.0", "2026-06-01", ">=3.11", [
            "Breaking: uses the standard library's `tomllib`; Python 3.11 or newer is required.",
            "Breaking: `get(key, default)` no longer accepts a callable default."]),
        ("2.9.4", "2026-01-19", ">=3.8", ["Fixed: a key containing a dot could not be looked up."]),
    ]),
    ("hushcache", "A small on-disk cache with expiry for function results", "", "BSD-3-Clause", [
        ("0.9.0", "2026-11-16", ">=3.10", [
            "Added: `@cached(ttl=\"6h\")` accepts durations as strings.",
            "Changed: the default directory is `$XDG_CACHE_HOME/hushcache` (was `~/.hushcache`)."]),
        ("0.8.3", "2026-07-30", ">=3.10", [
            "Fixed: two processes writing the same key could leave a truncated file; writes are now atomic "
            "(write to a temporary file, then rename)."]),
        ("0.8.0", "2026-04-02", ">=3.9", ["Added: `hushcache.stats()` with hits, misses and size in bytes."]),
    ]),
    ("wrenhttp", "A tiny HTTP client with retries and rate-limit handling", "", "MIT", [
        ("1.3.0", "2026-11-24", ">=3.10", [
            "Added: `Retry-After` given as an HTTP date is honoured, not only seconds.",
            "Added: `Client(max_rate=\"60/min\")` spaces requests to stay under a limit.",
            "Changed: the default timeout is 30 s (was no timeout)."]),
        ("1.2.1", "2026-09-09", ">=3.9", ["Fixed: a 429 without `Retry-After` was retried immediately; it now backs "
                                         "off exponentially with jitter."]),
        ("1.2.0", "2026-05-14", ">=3.9", ["Added: `Client.paginate(url)` follows `next` links in JSON bodies."]),
        ("1.1.0", "2026-01-08", ">=3.9", ["Added: per-request `timeout=`."]),
    ]),
]


def _changelog(name: str, versions: list[tuple[str, str, str, list[str]]]) -> str:
    parts = [f"# Changelog: {name}\n\nAll notable changes, newest first. Dates are release dates (UTC).\n"]
    for version, date, python, changes in versions:
        parts.append(f"\n## {version} ({date})\n\nRequires Python {python}.\n\n" + "".join(f"- {c}\n" for c in changes))
    return "".join(parts)


def pages() -> list[Page]:
    out: list[Page] = []
    feed = []
    rows = []
    for name, summary, home, licence, versions in PACKAGES:
        url = f"{BASE}/packages/{name}/"
        latest, date, python, _ = versions[0]
        out.append(raw(f"{url}CHANGELOG.md", f"{name} changelog", "file", _changelog(name, versions), "markdown"))
        out.append(raw(f"{BASE}/api/packages/{name}.json", f"{name} releases", "api", to_json(
            {"name": name, "summary": summary, "licence": licence, "home_page": home or None, "latest": latest,
             "releases": [{"version": v, "date": d, "requires_python": p, "changes": len(c)}
                          for v, d, p, c in versions],
             "changelog": f"{url}CHANGELOG.md"}), "json"))
        notes = "\n\n".join(f"## {v} · {d}\n\nRequires Python {p}.\n\n" + "\n".join(f"- {c}" for c in changes)
                            for v, d, p, changes in versions)
        home_line = f"Documentation: [{home}]({home}). " if home else ""
        out.append(page(url, f"{name} release notes", "docs", f"""
{summary}. Latest version **{latest}**, released {date}. Licence: {licence}. {home_line}
Also as [Markdown](CHANGELOG.md) and [JSON](/api/packages/{name}.json).

{notes}
"""))
        rows.append((f"[{name}](/packages/{name}/)", latest, date, python, summary))
        feed += [(f"{name} {v}", url, d, "; ".join(c)) for v, d, _, c in versions]
    feed.sort(key=lambda item: item[2], reverse=True)
    out.append(raw(f"{BASE}/feed.xml", "Recent releases", "feed",
                   rss("Release Notes Hub", f"{BASE}/", "New releases of tracked packages", feed[:15]), "xml"))
    out.append(page(f"{BASE}/", "Release Notes Hub", "listing", f"""
Changelogs of small open-source Python projects, kept in one place. Subscribe to new releases with the
[RSS feed](/feed.xml).

{table(("Package", "Latest", "Released", "Python", "Summary"), sorted(rows))}
"""))
    return out
