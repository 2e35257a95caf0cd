"""Source code the scripted agent writes: small, correct Python with one known bug to plant.

Planned failures must be real failures: the buggy line is in the file the agent writes, the run really
fails in the sandbox, and the fix is an edit of exactly that line. Every snippet runs on a bare
python3 (standard library only).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snippet:
    """A source file with the correct `good` line and the `bad` line that replaces it when planting a bug."""

    source: str
    good: str
    bad: str
    fix: str

    def with_bug(self) -> str:
        """The source with the planted bug (the good line must occur exactly once)."""
        return self.source.replace(self.good, self.bad, 1)


@dataclass(frozen=True)
class CodeSample:
    """A function, its tests, and a demo call; `keywords` steer which sample fits a request."""

    function: str
    keywords: tuple[str, ...]
    body: Snippet
    tests: tuple[str, ...]
    demo: str

    def test_source(self, module: str) -> str:
        """A test file runnable with plain `python3` (no pytest in a bare sandbox)."""
        names = [f"test_{index}" for index in range(1, len(self.tests) + 1)]
        functions = [f"def {name}():\n    {test}\n" for name, test in zip(names, self.tests, strict=True)]
        runner = (
            f'if __name__ == "__main__":\n    tests = [{", ".join(names)}]\n    for test in tests:\n'
            f'        test()\n    print(f"all {{len(tests)}} tests passed")\n'
        )
        return f"from {module} import {self.function}\n\n\n" + "\n\n".join(functions) + "\n\n" + runner


_RAISES = (
    "try:\n        {call}\n    except ValueError:\n        return\n"
    '    raise AssertionError("expected ValueError")'
)

SAMPLES: tuple[CodeSample, ...] = (
    CodeSample(
        "moving_average",
        ("moving", "average", "rolling", "smooth", "trend"),
        Snippet(
            '"""Moving averages for short numeric series."""\n\n\n'
            "def moving_average(values, window):\n"
            '    """Average of each run of `window` consecutive values."""\n'
            "    if window <= 0:\n"
            '        raise ValueError("window must be positive")\n'
            "    averages = []\n"
            "    for start in range(len(values) - window + 1):\n"
            "        chunk = values[start:start + window]\n"
            "        averages.append(sum(chunk) / window)\n"
            "    return averages\n",
            good="    for start in range(len(values) - window + 1):\n",
            bad="    for start in range(len(values) - window):\n",
            fix="the loop stopped one window early",
        ),
        (
            "assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]",
            "assert moving_average([2, 4], 2) == [3.0]",
            _RAISES.format(call="moving_average([1], 0)"),
        ),
        "moving_average({values}, 2)",
    ),
    CodeSample(
        "median",
        ("median", "middle", "statistic", "numbers", "calculation"),
        Snippet(
            '"""Median of a list of numbers."""\n\n\n'
            "def median(values):\n"
            '    """Middle value; the mean of the two middle values for even lengths."""\n'
            "    if not values:\n"
            '        raise ValueError("median of an empty list")\n'
            "    ordered = sorted(values)\n"
            "    middle = len(ordered) // 2\n"
            "    if len(ordered) % 2:\n"
            "        return ordered[middle]\n"
            "    return (ordered[middle - 1] + ordered[middle]) / 2\n",
            good="    return (ordered[middle - 1] + ordered[middle]) / 2\n",
            bad="    return (ordered[middle - 1] + ordered[middle]) // 2\n",
            fix="integer division truncated the even-length median",
        ),
        (
            "assert median([3, 1, 2]) == 2",
            "assert median([1, 2, 3, 4]) == 2.5",
            _RAISES.format(call="median([])"),
        ),
        "median({values})",
    ),
    CodeSample(
        "slugify",
        ("slug", "url", "name", "title", "rename", "clean"),
        Snippet(
            '"""URL-safe slugs from free text."""\n\nimport re\n\n\n'
            "def slugify(text):\n"
            '    """Lower-case ASCII words joined by single hyphens."""\n'
            '    words = re.findall(r"[a-z0-9]+", text.lower())\n'
            '    return "-".join(words)\n',
            good='    return "-".join(words)\n',
            bad='    return "-".join(word)\n',
            fix="a typo used `word` instead of `words`",
        ),
        (
            'assert slugify("Hello, World!") == "hello-world"',
            'assert slugify("  Q3   report ") == "q3-report"',
            'assert slugify("") == ""',
        ),
        'slugify("Quarterly Report: Q3 / 2024")',
    ),
    CodeSample(
        "parse_duration",
        ("duration", "time", "seconds", "timeout", "schedule", "minutes"),
        Snippet(
            '"""Parse durations such as "1h30m" into seconds."""\n\nimport re\n\n'
            'UNITS = {"h": 3600, "m": 60, "s": 1}\n\n\n'
            "def parse_duration(text):\n"
            '    """Seconds in a duration like "1h30m" or "45s"."""\n'
            '    parts = re.findall(r"(\\d+)([hms])", text.strip().lower())\n'
            "    if not parts:\n"
            '        raise ValueError(f"not a duration: {text!r}")\n'
            "    return sum(int(amount) * UNITS[unit] for amount, unit in parts)\n",
            good="    return sum(int(amount) * UNITS[unit] for amount, unit in parts)\n",
            bad="    return sum(int(amount) * UNIT[unit] for amount, unit in parts)\n",
            fix="a typo referenced `UNIT` instead of `UNITS`",
        ),
        (
            'assert parse_duration("1h30m") == 5400',
            'assert parse_duration("45s") == 45',
            _RAISES.format(call='parse_duration("soon")'),
        ),
        'parse_duration("2h15m")',
    ),
    CodeSample(
        "top_words",
        ("word", "text", "frequency", "document", "summary", "count"),
        Snippet(
            '"""Most frequent words in a text."""\n\nimport re\nfrom collections import Counter\n\n\n'
            "def top_words(text, n):\n"
            '    """The `n` most frequent words, most frequent first, ties alphabetical."""\n'
            '    counts = Counter(re.findall(r"[a-z\']+", text.lower()))\n'
            "    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]\n",
            good="    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]\n",
            bad="    return sorted(counts.items(), key=lambda item: (item[1], item[0]))[:n]\n",
            fix="the sort put the least frequent words first",
        ),
        (
            'assert top_words("b a b c b a", 2) == [("b", 3), ("a", 2)]',
            'assert top_words("", 3) == []',
            'assert top_words("Go go GO", 1) == [("go", 3)]',
        ),
        'top_words("the plan is the plan and the plan works", 2)',
    ),
)


def analysis_script(
    csv_name: str, column: str, label: str | None, output: str, wrong_column: bool
) -> Snippet:
    """A script that summarises one numeric column of a CSV into `output` (JSON for .json, else Markdown).

    The plantable bug is either a misspelt column name (a KeyError at run time) or a NameError on the
    line that counts the values: the two classic first-draft slips.
    """
    as_json = output.endswith(".json")
    if label and not as_json:
        best = (
            "best = max(rows, key=lambda row: float(row[COLUMN]))\n"
            f"highest = f\"{{best['{label}']}} ({{float(best[COLUMN]):g}})\"\n"
        )
    elif label:
        best = (
            f"best = max(rows, key=lambda row: float(row[COLUMN]))\n"
            f'highest = {{"{label}": best["{label}"], "value": float(best[COLUMN])}}\n'
        )
    else:
        best = "highest = max(values)\n"
    head = (
        f'"""Summarise column {column!r} of {csv_name}."""\n\nimport csv\nimport json\n\n'
        f'COLUMN = "{column}"\n\nwith open("{csv_name}", newline="") as handle:\n'
        "    rows = list(csv.DictReader(handle))\n\n"
        "values = [float(row[COLUMN]) for row in rows]\ntotal = sum(values)\ncount = len(values)\n" + best
    )
    if not as_json:
        tail = (
            'lines = [\n    f"# Summary of {COLUMN}",\n    "",\n    f"- rows: {count}",\n'
            '    f"- total: {total:.2f}",\n    f"- mean: {total / count:.2f}",\n'
            '    f"- highest: {highest}",\n]\n'
            f'with open("{output}", "w") as handle:\n    handle.write("\\n".join(lines) + "\\n")\n'
            'print("\\n".join(lines))\n'
        )
    else:
        tail = (
            'summary = {"column": COLUMN, "rows": count, "total": round(total, 2),\n'
            '           "mean": round(total / count, 2), "highest": highest}\n'
            f'with open("{output}", "w") as handle:\n    json.dump(summary, handle, indent=2)\n'
            "print(json.dumps(summary, indent=2))\n"
        )
    if wrong_column:
        misspelt = column[:-1] if len(column) > 3 else f"{column}_value"
        return Snippet(
            head + tail,
            good=f'COLUMN = "{column}"\n',
            bad=f'COLUMN = "{misspelt}"\n',
            fix=f"the column name was misspelt as `{misspelt}`",
        )
    return Snippet(
        head + tail,
        good="count = len(values)\n",
        bad="count = len(vals)\n",
        fix="the count used an undefined name `vals` instead of `values`",
    )


def url_table_script(source: str, output: str) -> Snippet:
    """A script that turns the URLs listed in `source` into a host/path/query table in `output`.

    It works offline on purpose: the sandbox usually has no network, and parsing the links is the part of
    a fetch job that can be done and checked anywhere. The plantable bug is a NameError in the loop.
    """
    text = (
        f'"""List the host, path and query of each URL in {source}."""\n\n'
        "from urllib.parse import parse_qs, urlsplit\n\n"
        f'with open("{source}") as handle:\n'
        "    urls = [line.strip() for line in handle if line.strip()]\n\n"
        'lines = ["| host | path | query |", "|---|---|---|"]\n'
        "for url in urls:\n"
        "    parts = urlsplit(url)\n"
        '    query = ", ".join(f"{key}={values[0]}" for key, values in parse_qs(parts.query).items())\n'
        "    lines.append(f\"| {parts.netloc} | {parts.path or '/'} | {query or '-'} |\")\n"
        f'with open("{output}", "w") as handle:\n'
        '    handle.write("# Links\\n\\n" + "\\n".join(lines) + "\\n")\n'
        'print("\\n".join(lines))\n'
    )
    return Snippet(
        text,
        good="    parts = urlsplit(url)\n",
        bad="    parts = urlsplit(link)\n",
        fix="the loop used an undefined name `link` instead of `url`",
    )
