"""The documentation of tabwright, a fictional pure-Python library for reading, cleaning and validating tables."""

from __future__ import annotations

from ._common import Page, page, raw, to_json
from ._pages_docs_api import API_DOCS

HOST = "docs.tabwright.test"
BASE = f"http://{HOST}"
RELEASES = "http://releases.noteshub.example.net/packages/tabwright/"

SITES = {HOST: {"name": "Tabwright 2.4 documentation",
                "nav": [("Home", "/"), ("Install", "/install.html"), ("Quickstart", "/quickstart.html"),
                        ("Guides", "/guide/"), ("API reference", "/api/"), ("FAQ", "/faq.html"),
                        ("Changelog", "/changelog.html")],
                "footer": "© 2026 the tabwright authors · documentation text CC0 1.0"}}

# path, title, kind, markup
DOCS: list[tuple[str, str, str, str]] = [
    ("/", "Tabwright 2.4 documentation", "listing", """
Tabwright reads CSV and JSON files into small in-memory tables, cleans them, groups them and checks them
against a schema. It is pure Python with no dependencies and runs on Python 3.10 to 3.13. The current
release is **2.4.1** (14 October 2026).

```
import tabwright as tw

sales = tw.read_csv("sales.csv", types={"units": "int", "price": "float", "day": "date"})
north = sales.filter(region="North")
print(north.group_by("day").agg(revenue=("price", "sum")).head())
```

## Start here

- [Installation](/install.html): pip, supported Python versions, optional speed-ups
- [Quickstart](/quickstart.html): a ten-minute tour with a real file

## Guides

- [Reading files](/guide/reading-files.html): delimiters, encodings, missing values, types
- [Cleaning data](/guide/cleaning.html): renaming, filling, de-duplicating, fixing labels
- [Grouping and aggregating](/guide/grouping.html): `group_by`, `agg`, counting
- [Validating with a schema](/guide/validation.html): rules, reports, failing a pipeline

## Reference

- [API reference](/api/): every public function, class and exception
- [Exceptions and error messages](/api/exceptions.html)
- [FAQ](/faq.html) and [changelog](/changelog.html)
- A machine-readable [object inventory](/objects.json)

Questions are answered on the [DevHelp forum](http://ask.devhelp.test/tags/tabwright.html) under the
`tabwright` tag.
"""),
    ("/install.html", "Installation", "docs", """
Tabwright needs Python 3.10 or newer and nothing else.

```
python3 -m venv .venv
. .venv/bin/activate
python -m pip install tabwright==2.4.1
python -c "import tabwright; print(tabwright.__version__)"
```

## Supported versions

| Tabwright | Python | Released | Status |
|---|---|---|---|
| 2.4 | 3.10 – 3.13 | 2026-09-02 | current |
| 2.3 | 3.10 – 3.13 | 2026-05-19 | security fixes until 2027-05-19 |
| 2.2 | 3.9 – 3.12 | 2026-02-10 | end of life |
| 1.x | 3.8 – 3.11 | 2024 | end of life |

## Optional speed-up

`pip install "tabwright[fast]"` adds a compiled CSV tokenizer. It reads large files about 3.5 times faster
and produces identical tables; without it, tabwright falls back to the standard library's `csv` module.

## Common installation problems

- `ModuleNotFoundError: No module named 'tabwright'` right after installing almost always means pip
  installed into a different interpreter. Run `python -m pip` with the same `python` that runs your script,
  or activate the virtual environment first. See the [forum thread](http://ask.devhelp.test/questions/1001.html).
- `error: externally-managed-environment` comes from the system Python refusing `pip install`; create a
  virtual environment as above.
"""),
    ("/quickstart.html", "Quickstart", "docs", """
This tour uses the monthly retail sales file from the Brackenford open data portal
([retail-sales-by-region.csv](http://data.brackenford.example.org/files/retail-sales-by-region.csv)),
which has the columns `month`, `region`, `sales_eur` and `transactions`.

## Read

```
import tabwright as tw
sales = tw.read_csv("retail-sales-by-region.csv",
                    types={"sales_eur": "float", "transactions": "int"})
print(len(sales), sales.columns)
```

`read_csv` returns a `Table`. Columns not listed in `types` stay strings; pass `types="infer"` to let
tabwright guess from the first 1,000 rows.

## Look

```
sales.head(3)          # a new Table with the first three rows
sales["region"][:5]    # a column is a list of values
sales.describe()       # count, missing, mean, min, max per numeric column
```

## Filter, sort, derive

```
big = sales.filter(lambda row: row["sales_eur"] > 1_000_000)
north = sales.filter(region="North")              # keyword arguments test equality
ranked = north.sort("sales_eur", reverse=True)
with_avg = sales.with_column("avg_ticket", lambda r: r["sales_eur"] / r["transactions"])
```

Tables are immutable: every method returns a new table and leaves the original as it was.

## Group

```
by_region = sales.group_by("region").agg(total=("sales_eur", "sum"), months=("month", "count"))
by_region.sort("total", reverse=True).to_csv("totals.csv")
```

## Write

`to_csv(path)` and `to_json(path)` write files; `to_json()` with no path returns the JSON text.
Next: [reading files](/guide/reading-files.html) in detail.
"""),
    ("/guide/", "Guides", "listing", """
- [Reading files](/guide/reading-files.html): delimiters, encodings, byte-order marks, missing values, types
- [Cleaning data](/guide/cleaning.html): renaming, filling gaps, removing duplicates, normalising labels
- [Grouping and aggregating](/guide/grouping.html): keys, aggregate functions, missing keys
- [Validating with a schema](/guide/validation.html): column rules, uniqueness, reports
"""),
    ("/guide/reading-files.html", "Reading files", "docs", """
## Delimiters

`read_csv` expects commas. Files exported by spreadsheets in many European locales use semicolons:
`tw.read_csv(path, delimiter=";")`. When a row has more fields than the header, the usual cause is a wrong
delimiter, and the error says so: `ParseError: line 14: expected 5 fields, saw 6 (is the delimiter ';'?)`.

## Ragged rows

By default (`strict=False`) a short row is padded with missing values and a long row is cut, and each case
is recorded in `table.warnings` as `(line, message)`. With `strict=True` the first ragged row raises
`ParseError`. Pipelines that must not lose data should use `strict=True`.

## Encodings

The default is UTF-8. Since 2.3 a UTF-8 byte-order mark at the start of the file is removed automatically,
so the first column is `id` and not `\\ufeffid`. For files from older Windows software use
`encoding="cp1252"`. A byte that does not decode raises `EncodingError` with its offset:

```
EncodingError: byte 0xe9 at offset 2231 is not valid utf-8; try encoding='cp1252' or 'latin-1'
```

## Missing values

The strings in `na_values` become `None`. The default is `("", "NA", "N/A", "null")`. Pass your own tuple to
replace it, for example `na_values=("", "-", "n/a")`. Whitespace around a value is kept unless
`strip=True`.

## Types

| Type name | Python type | Accepts |
|---|---|---|
| `"str"` | `str` | anything (the default) |
| `"int"` | `int` | `42`, `-7`, `1_000` is **not** accepted |
| `"float"` | `float` | `3.5`, `1e-3`; a decimal comma is not accepted |
| `"bool"` | `bool` | `true/false`, `yes/no`, `1/0`, any case |
| `"date"` | `datetime.date` | ISO 8601 `2026-11-30` |
| `"datetime"` | `datetime.datetime` | ISO 8601 with optional offset |

A value that does not convert raises `TypeConversionError` naming the row, the column and the value. A
callable is accepted as a type too: `types={"amount": lambda s: float(s.replace(",", "."))}`.

## JSON

`tw.read_json(path)` reads an array of objects, or an object whose records sit under `records_key`.
Nested objects are flattened with dots (`{"geo": {"lat": 1}}` becomes the column `geo.lat`).
See [read_json](/api/read_json.html).
"""),
    ("/guide/cleaning.html", "Cleaning data", "docs", """
## Rename

`table.rename({"Sales (EUR)": "sales_eur"})`. A name that is not a column raises `ColumnNotFoundError`,
which suggests the closest existing name.

## Fill gaps

```
t.fill_missing(0, columns=["units"])            # a constant
t.fill_missing(strategy="previous", columns=["temperature_c"])  # carry the last value forward
t.fill_missing(strategy="mean", columns=["pm25"])   # the column's mean, computed without the gaps
```

`strategy="previous"` leaves a gap at the top of the column as it is. Sort first when order matters.

## Remove duplicates

`t.dedupe()` drops rows identical to an earlier row. `t.dedupe(subset=["order_id"], keep="last")` keeps the
last row of each `order_id`. The number of dropped rows is in the `dropped` attribute of the result.

## Normalise labels

Labels such as `English oak`, `english oak ` and `Oak (English)` are three different strings. Build a
mapping and apply it with `with_column`:

```
canonical = {"oak (english)": "English oak", "english oak": "English oak"}
fix = lambda r: canonical.get(r["species"].strip().lower(), r["species"].strip())
trees = trees.with_column("species", fix)
```

Replacing an existing column with `with_column` keeps its position.

## Drop columns and rows

`t.drop("notes", "internal_id")`, `t.filter(lambda r: r["status"] != "test")`.
"""),
    ("/guide/grouping.html", "Grouping and aggregating", "docs", """
`group_by(*keys)` returns a `GroupBy`; its `agg` method takes keyword arguments of the form
`output_name=(column, function)` and returns a table with one row per group, keys first.

```
by_month = sales.group_by("region", "month").agg(
    revenue=("sales_eur", "sum"),
    tickets=("transactions", "sum"),
    best=("sales_eur", "max"))
```

## Aggregate functions

| Name | Result | Missing values |
|---|---|---|
| `count` | number of rows in the group | counted |
| `count_present` | number of non-missing values | skipped |
| `sum`, `mean`, `median` | arithmetic | skipped |
| `min`, `max` | smallest, largest | skipped |
| `first`, `last` | by current row order | kept |
| `nunique` | number of distinct values | skipped |

A callable works too: `spread=("price", lambda values: max(values) - min(values))`; it receives the list of
values of the group, missing values included.

## Missing keys

By default rows whose key is missing are left out (`dropna=True`). `group_by("region", dropna=False)` keeps
them in a group whose key is `None`, placed last. Before 2.4.1 that group could appear first; see the
[changelog](/changelog.html).

## Group sizes

`t.group_by("region").size()` is a shortcut for `agg(n=("region", "count"))`.
"""),
    ("/guide/validation.html", "Validating with a schema", "docs", """
A `Schema` lists the columns a table must have and the rules each column's values must follow.
`tw.validate(table, schema)` returns a `Report`; it does not raise unless asked to.

```
from tabwright import Schema, Column, validate

schema = Schema([
    Column("order_id", "int", min=1),
    Column("region", "str", choices=["North", "South", "East", "West", "Central"]),
    Column("amount", "float", min=0),
    Column("email", "str", nullable=True, pattern=r"^[^@\\s]+@[^@\\s]+$"),
], unique=["order_id"])

report = validate(orders, schema)
if not report.ok:
    print(report.summary())
    report.raise_for_errors()     # SchemaError
```

## What is checked

- every schema column is present (unless `required=False`), and no other column is (unless `allow_extra=True`)
- values convert to the column type
- `min`, `max`, `choices`, `pattern`, `max_length`
- missing values only where `nullable=True`
- `unique` column sets have no repeated combination

## Reports

`report.errors` is a list of `Violation(row, column, rule, value, message)`. Rows are numbered from 1, the
header being row 0, so a row number is the line number in the file minus one. With `lazy=True` (the default)
every violation is collected; with `lazy=False` validation stops at the first.

```
3 violations in 2 rows:
  row 8  amount  min      -12.5  value -12.5 is below the minimum 0
  row 8  region  choices  'Nrth' 'Nrth' is not one of North, South, East, West, Central
  row 15 order_id unique  1042   1042 also appears in row 3
```

See [validate](/api/validate.html) and [Schema](/api/schema.html).
"""),
    ("/faq.html", "Frequently asked questions", "docs", """
## Why is my first column called `\\ufeffid`?

You are on a version before 2.3, which kept the UTF-8 byte-order mark. Upgrade, or pass
`encoding="utf-8-sig"`.

## How do I read a file with a decimal comma?

`types={"amount": lambda s: float(s.replace(".", "").replace(",", "."))}` with `delimiter=";"`.

## Is tabwright a replacement for a dataframe library?

No. It is for files up to a few hundred thousand rows, where a dependency-free tool is worth more than
speed. A 100,000-row, 8-column file takes about 0.9 s to read without the `fast` extra and 0.25 s with it.

## Why did `where` disappear?

`Table.where()` was renamed `filter` in 2.0 (June 2025) to match the built-in. See the
[changelog](/changelog.html).

## Can I modify a table in place?

No. Tables are immutable; assign the result: `t = t.fill_missing(0)`.
"""),
    ("/changelog.html", "Changelog", "docs", f"""
The full release notes, with every version's date, are on the
[release notes site]({RELEASES}) ([Markdown]({RELEASES}CHANGELOG.md)). Highlights:

| Version | Date | Highlights |
|---|---|---|
| 2.4.1 | 2026-10-14 | `group_by(dropna=False)` puts the `None` group last; `to_csv` no longer writes a BOM |
| 2.4.0 | 2026-09-02 | `join(how="left"/"outer")`, `to_json(date_format="epoch")`, `describe()` has medians |
| 2.3.0 | 2026-05-19 | UTF-8 BOM removed on read, `read_csv(strict=)`, `types="infer"` |
| 2.2.0 | 2026-02-10 | `read_json(flatten=)`, `Column(max_length=)` |
| 2.1.0 | 2025-11-04 | `validate(lazy=)`, `Report.summary()` |
| 2.0.0 | 2025-06-30 | Python 3.10+, immutable tables, `where` renamed `filter` |
"""),
]


def _objects() -> str:
    names = [("tabwright.read_csv", "function", "/api/read_csv.html"),
             ("tabwright.read_json", "function", "/api/read_json.html"),
             ("tabwright.Table", "class", "/api/table.html"),
             ("tabwright.Table.filter", "method", "/api/table.filter.html"),
             ("tabwright.Table.group_by", "method", "/api/table.group_by.html"),
             ("tabwright.Table.to_json", "method", "/api/table.to_json.html"),
             ("tabwright.Schema", "class", "/api/schema.html"), ("tabwright.Column", "class", "/api/schema.html"),
             ("tabwright.validate", "function", "/api/validate.html")]
    errors = ["ParseError", "EncodingError", "EmptyInputError", "ColumnNotFoundError", "TypeConversionError",
              "SchemaError", "TabwrightError"]
    names += [(f"tabwright.{e}", "exception", "/api/exceptions.html") for e in errors]
    return to_json({"project": "tabwright", "version": "2.4.1",
                    "objects": [{"name": n, "type": k, "url": BASE + u} for n, k, u in names]})


def pages() -> list[Page]:
    out = [page(BASE + path, title, kind, markup) for path, title, kind, markup in DOCS + API_DOCS]
    out.append(raw(f"{BASE}/objects.json", "Object inventory", "api", _objects(), "json"))
    out.append(raw(f"{BASE}/robots.txt", "robots.txt", "file",
                   f"User-agent: *\nDisallow: /_static/\nDisallow: /search.html\nCrawl-delay: 2\n\n"
                   f"Sitemap: {BASE}/sitemap.xml\n", "text"))
    urls = "".join(f"<url><loc>{BASE}{path}</loc></url>\n" for path, _, _, _ in DOCS + API_DOCS)
    out.append(raw(f"{BASE}/sitemap.xml", "Sitemap", "file",
                   '<?xml version="1.0" encoding="UTF-8"?>\n'
                   f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n', "xml"))
    return out
