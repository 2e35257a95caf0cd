"""Plan builders for work that runs Python: analysing pasted numbers, writing a tested function, and
turning a list of URLs into a table. Each plan is 3–5 steps and may carry one planned failure."""

from __future__ import annotations

import csv
import io
import random

from ._extract import Table, find_table, named_files, numbers, requested_outputs, urls
from ._plans import Plan, Shell, Step, Write, fix_steps, planned_failure, read_step, writes
from ._snippets import SAMPLES, CodeSample, analysis_script, url_table_script
from ._text import pick
from ._tools import Toolkit

_MADE_UP_TABLES = (
    ("region", "north south east west central", "units", "revenue"),
    ("month", "jan feb mar apr may jun", "visits", "signups"),
    ("team", "support sales ops dev finance", "tickets", "hours_logged"),
    ("store", "s01 s02 s03 s04 s05", "orders", "avg_basket"),
)


def _made_up_table(rng: random.Random) -> Table:
    label, values, first, second = pick(rng, _MADE_UP_TABLES)
    rows = tuple((name, str(rng.randint(20, 900)), f"{rng.uniform(50, 5000):.2f}") for name in values.split())
    return Table((label, first, second), rows)


def _csv_text(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return buffer.getvalue()


def data_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Save the user's numbers (or made-up ones) as CSV, summarise a column with a script, show the result.

    A CSV name from the message is only reused when the message also carries the numbers, so a file the
    user merely mentions is never overwritten with made-up data.
    """
    pasted = find_table(text)
    table = pasted or _made_up_table(rng)
    csv_names = named_files(text, ("csv",)) if pasted else []
    stem = csv_names[0][:-4] if csv_names else pick(rng, ("sales", "metrics", "usage", "readings", "survey"))
    csv_name, script, command = f"{stem}.csv", f"analyze_{stem}.py", f"python3 analyze_{stem}.py"
    outputs = requested_outputs(text, ("json", "md", "txt"))
    output = outputs[-1] if outputs else f"{stem}_summary.json"
    column, label = table.numeric_columns()[0], table.label_column()
    failure = planned_failure(rng, with_failure)
    snippet = analysis_script(csv_name, column, label, output, wrong_column=rng.random() < 0.5)
    if any(f'"{name}"' in snippet.bad for name in table.header):
        snippet = analysis_script(csv_name, column, label, output, wrong_column=False)
    source = "the numbers you gave me" if pasted else "sample numbers (none were given)"
    steps = writes(
        rng,
        Step(
            f"save {source} to `{csv_name}`",
            f"saved {len(table.rows)} rows of {source} to `{csv_name}`",
            (Write(csv_name, _csv_text(table)),),
        ),
        Step(
            f"write `{script}`",
            f"wrote `{script}` to summarise `{column}`",
            (Write(script, snippet.with_bug() if failure == "bug" else snippet.source),),
        ),
    )
    steps.append(
        Step(
            f"run `{command}`",
            f"ran `{command}`",
            (Shell(command),),
            recovery=fix_steps(script, snippet, command) if failure == "bug" else (),
        )
    )
    steps.append(read_step(output, rng, with_typo=failure == "typo"))
    note = f"The total, mean and highest value of `{column}` over {len(table.rows)} rows are in `{output}`."
    return Plan(f"analyse the `{column}` column of the data", tuple(steps), (csv_name, script, output), note)


def _sample_for(text: str, rng: random.Random) -> CodeSample:
    lowered = text.lower()
    scored = [
        (sum(word in lowered for word in sample.keywords), index) for index, sample in enumerate(SAMPLES)
    ]
    best, index = max(scored)
    return SAMPLES[index] if best else pick(rng, SAMPLES)


def _literal(values: list[float]) -> str:
    return "[" + ", ".join(f"{value:g}" for value in values) + "]"


def code_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Write a small module and a plain-python test file, run the tests, then try the function for real."""
    sample = _sample_for(text, rng)
    modules = [name[:-3] for name in named_files(text, ("py",)) if not name.startswith("test_")]
    module = next((name for name in modules if name.isidentifier()), sample.function)
    path, test, command = f"{module}.py", f"test_{module}.py", f"python3 test_{module}.py"
    failure = planned_failure(rng, with_failure)
    steps = writes(
        rng,
        Step(
            f"write `{path}`",
            f"wrote `{sample.function}` in `{path}`",
            (Write(path, sample.body.with_bug() if failure == "bug" else sample.body.source),),
        ),
        Step(
            f"write `{test}`",
            f"wrote {len(sample.tests)} tests in `{test}`",
            (Write(test, sample.test_source(module)),),
        ),
    )
    if failure == "typo":
        steps.append(read_step(path, rng, with_typo=True))
    steps.append(
        Step(
            f"run the tests with `{command}`",
            f"ran the tests with `{command}`",
            (Shell(command),),
            recovery=fix_steps(path, sample.body, command) if failure == "bug" else (),
        )
    )
    values = numbers(text, 6)
    if len(values) < 2:
        values = [float(rng.randint(1, 50)) for _ in range(5)]
    call = sample.demo.format(values=_literal(values))
    demo = f"python3 -c 'from {module} import {sample.function}; print({call})'"
    steps.append(Step(f"try `{sample.function}` on real input", f"tried `{call}`", (Shell(demo),)))
    outputs = [path, test]
    reports = requested_outputs(text, ("md", "txt"))
    if reports:
        report = (
            f"# {module}\n\n- Function: `{sample.function}` in `{path}`\n- Tests: `{command}` — all "
            f"{len(sample.tests)} pass\n- Example: `{call}`\n"
        )
        steps.append(Step(f"write `{reports[-1]}`", f"wrote `{reports[-1]}`", (Write(reports[-1], report),)))
        outputs.append(reports[-1])
    note = f"Run `{command}` any time to re-check `{sample.function}`."
    return Plan(f"implement and test `{sample.function}`", tuple(steps), tuple(outputs), note)


def web_plan(text: str, rng: random.Random, kit: Toolkit, with_failure: bool) -> Plan:
    """Record the URLs and tabulate host, path and query with a script; the pages themselves are not
    fetched, and the reply says so, because sandboxes usually run without network."""
    links = urls(text) or [f"https://www.example.org/{pick(rng, ('reports', 'status', 'pricing'))}/latest"]
    reports = requested_outputs(text, ("md",))
    output = reports[-1] if reports else "links.md"
    script, command = "parse_urls.py", "python3 parse_urls.py"
    failure = planned_failure(rng, with_failure)
    snippet = url_table_script("urls.txt", output)
    steps = writes(
        rng,
        Step(
            "save the URLs to `urls.txt`",
            f"saved {len(links)} URL(s) to `urls.txt`",
            (Write("urls.txt", "\n".join(links) + "\n"),),
        ),
        Step(
            f"write `{script}`",
            f"wrote `{script}` to split each URL into host, path and query",
            (Write(script, snippet.with_bug() if failure == "bug" else snippet.source),),
        ),
    )
    steps.append(
        Step(
            f"run `{command}`",
            f"ran `{command}`",
            (Shell(command),),
            recovery=fix_steps(script, snippet, command) if failure == "bug" else (),
        )
    )
    steps.append(read_step(output, rng, with_typo=failure == "typo"))
    note = (
        f"I did not fetch the pages in this run; `{output}` records each URL's host, path and query so the "
        "fetch can run where network access is allowed."
    )
    return Plan(f"work through {len(links)} URL(s)", tuple(steps), ("urls.txt", script, output), note)
