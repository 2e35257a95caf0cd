"""The API reference of tabwright's documentation (:mod:`_pages_docs` serves it with the guides)."""

from __future__ import annotations

# path, title, kind, markup
API_DOCS: list[tuple[str, str, str, str]] = [
    ("/api/", "API reference", "listing", """
| Name | Kind | Summary |
|---|---|---|
| [read_csv](/api/read_csv.html) | function | read a CSV file into a `Table` |
| [read_json](/api/read_json.html) | function | read JSON records into a `Table` |
| [Table](/api/table.html) | class | an immutable table of rows |
| [Table.filter](/api/table.filter.html) | method | keep the rows that match |
| [Table.group_by](/api/table.group_by.html) | method | group rows and aggregate |
| [Table.to_json](/api/table.to_json.html) | method | write or return JSON |
| [Schema and Column](/api/schema.html) | classes | describe what a table must look like |
| [validate](/api/validate.html) | function | check a table against a schema |
| [Exceptions](/api/exceptions.html) | classes | every error tabwright raises |
"""),
    ("/api/read_csv.html", "tabwright.read_csv", "docs", """
```
tabwright.read_csv(source, *, delimiter=",", encoding="utf-8", header=True, columns=None, types=None,
                   na_values=("", "NA", "N/A", "null"), strip=False, skip_blank_lines=True,
                   strict=False) -> Table
```

Read a CSV file into a [Table](/api/table.html).

source :: a path (`str` or `os.PathLike`) or a file object opened in text mode with `newline=""`
delimiter :: one character; `"\\t"` for TSV
encoding :: any codec Python knows; a UTF-8 byte-order mark is removed (since 2.3)
header :: `False` when the first row is data; columns are then named `col1`, `col2`, …
columns :: names to use instead of the header row, or a subset of header names to keep
types :: a mapping of column name to type name or callable, or `"infer"`
na_values :: strings read as missing (`None`)
strip :: remove surrounding whitespace from every value
skip_blank_lines :: ignore lines that are empty
strict :: raise `ParseError` on a row with the wrong number of fields instead of padding it

## Raises

- `FileNotFoundError` when the path does not exist
- `EncodingError` when a byte does not decode ([details](/api/exceptions.html#encodingerror))
- `ParseError` on unbalanced quotes, or on ragged rows with `strict=True`
- `TypeConversionError` when a value does not convert to its column type
- `EmptyInputError` when the file has no header row

## Example

```
>>> t = tw.read_csv("trees.csv", types={"height_m": "float", "planted_year": "int"})
>>> t.columns
('tree_id', 'species', 'district', 'planted_year', 'height_m', 'condition')
>>> len(t)
150
```
"""),
    ("/api/read_json.html", "tabwright.read_json", "docs", """
```
tabwright.read_json(source, *, records_key=None, flatten=True, types=None) -> Table
```

source :: a path, a file object, or a `str` holding JSON text
records_key :: for an object, the member holding the records, e.g. `"holidays"`; dotted paths such as
`"data.items"` are followed
flatten :: join nested object keys with dots; lists are kept as Python lists
types :: as for [read_csv](/api/read_csv.html); JSON numbers and booleans already have types

Columns are the union of all records' keys, in order of first appearance; a record without a key has
`None` there.

```
>>> days = tw.read_json("NO.json", records_key="holidays")
>>> days.filter(weekday="Sunday")["name"]
['Easter Sunday', 'Whit Sunday']
```
"""),
    ("/api/table.html", "tabwright.Table", "docs", """
An immutable table: an ordered tuple of column names and a list of rows. Every method returns a new table.

## Attributes

columns :: `tuple[str, ...]`
warnings :: `list[tuple[int, str]]`, line number and message, for rows padded or cut while reading
dropped :: rows removed by the last `dedupe`, otherwise 0

## Access

- `len(t)`: number of rows; `iter(t)` yields each row as a `dict`
- `t["col"]`: the values of a column as a list; a missing name raises `ColumnNotFoundError`
- `t.row(i)`: one row as a dict (0-based); `t.head(n=5)`, `t.tail(n=5)`

## Methods

| Method | Returns |
|---|---|
| `select(*names)` / `drop(*names)` | the named columns / all others |
| `rename(mapping)` | columns renamed |
| [`filter(predicate=None, **equals)`](/api/table.filter.html) | matching rows |
| `sort(by, *, reverse=False, missing="last")` | rows ordered; `by` is a name or a list of names |
| `with_column(name, func)` | a column added or replaced, `func(row) -> value` |
| `fill_missing(value=None, *, columns=None, strategy=None)` | gaps filled |
| `dedupe(subset=None, *, keep="first")` | duplicates removed |
| [`group_by(*keys, dropna=True)`](/api/table.group_by.html) | a `GroupBy` |
| `join(other, on, *, how="inner")` | rows matched on key columns; `how` is inner, left or outer |
| `describe()` | count, missing, mean, median, min, max per numeric column |
| `to_csv(path, *, delimiter=",")` | `None`; writes UTF-8 without a byte-order mark |
| [`to_json(path=None, ...)`](/api/table.to_json.html) | JSON text or `None` |

`Table.where()` was removed in 2.0; use `filter`. Calling it raises `AttributeError`.
"""),
    ("/api/table.filter.html", "Table.filter", "docs", """
```
Table.filter(predicate=None, /, **equals) -> Table
```

Keep the rows for which `predicate(row)` is true and every `column=value` in `equals` holds. Both can be
given; a row must pass all of them.

```
t.filter(region="North", month="2026-10")
t.filter(lambda r: r["sales_eur"] is not None and r["sales_eur"] > 5e5)
t.filter(lambda r: r["district"] in {"Harbourside", "Old Town"}, condition="poor")
```

A keyword that is not a column raises `ColumnNotFoundError` rather than matching nothing, so a typo such as
`regoin="North"` fails loudly. Comparisons with missing values: `column=None` selects rows where the value is
missing; a predicate receives `None` and must handle it.
"""),
    ("/api/table.group_by.html", "Table.group_by", "docs", """
```
Table.group_by(*keys, dropna=True) -> GroupBy
GroupBy.agg(**specs) -> Table
GroupBy.size() -> Table
```

Groups keep the order in which their keys first appear. Each spec is `name=(column, function)`, where the
function is one of `count`, `count_present`, `sum`, `mean`, `median`, `min`, `max`, `first`, `last`,
`nunique`, or a callable taking a list. See the [grouping guide](/guide/grouping.html).

```
>>> t.group_by("region").agg(total=("sales_eur", "sum")).sort("total", reverse=True).head(2)
region   total
North    41,220,513.0
Central  39,870,102.5
```

`mean` of a group with only missing values is `None`, not `nan`.
"""),
    ("/api/table.to_json.html", "Table.to_json", "docs", """
```
Table.to_json(path=None, *, orient="records", indent=None, date_format="iso") -> str | None
```

orient :: `"records"` (a list of objects), `"columns"` (an object of lists) or `"split"`
(`{"columns": [...], "rows": [[...]]}`)
indent :: as for `json.dumps`
date_format :: `"iso"` writes dates as `YYYY-MM-DD`; `"epoch"` writes seconds since 1970 (added in 2.4)

With a path the file is written as UTF-8 and `None` is returned; without one the JSON text is returned.
Non-ASCII characters are written as they are, not escaped. `float("nan")` is written as `null`.
"""),
    ("/api/schema.html", "Schema and Column", "docs", """
```
Schema(columns, *, unique=None, allow_extra=False)
Column(name, type="str", *, required=True, nullable=False, min=None, max=None, choices=None,
       pattern=None, max_length=None)
```

type :: a type name as in [read_csv](/api/read_csv.html)
required :: the column must be present
nullable :: missing values are allowed
min, max :: inclusive bounds for numbers and dates
choices :: the allowed values
pattern :: a regular expression the whole value must match (`re.fullmatch`)
max_length :: longest allowed string (added in 2.2)

`Schema.from_dict(data)` builds a schema from a dict such as one loaded from JSON:
`{"columns": [{"name": "id", "type": "int", "min": 1}], "unique": ["id"]}`.
"""),
    ("/api/validate.html", "tabwright.validate", "docs", """
```
tabwright.validate(table, schema, *, lazy=True) -> Report
```

Report.ok :: `True` when there are no violations
Report.errors :: `list[Violation]`; each has `row`, `column`, `rule`, `value`, `message`
Report.summary() :: a text table of the violations, as in the [validation guide](/guide/validation.html)
Report.to_json() :: the violations as JSON records
Report.raise_for_errors() :: raise `SchemaError` if there are violations

Rules are reported with these names: `missing_column`, `extra_column`, `type`, `nullable`, `min`, `max`,
`choices`, `pattern`, `max_length`, `unique`.
"""),
    ("/api/exceptions.html", "Exceptions and error messages", "error_doc", """
Every exception tabwright raises derives from `tabwright.TabwrightError`, and also from the built-in
exception that fits, so `except KeyError` catches a missing column.

| Exception | Also a | Raised when | Attributes |
|---|---|---|---|
| `ParseError` | `ValueError` | the CSV text is malformed | `line`, `column` |
| `EncodingError` | `ValueError` | a byte does not decode | `offset`, `encoding` |
| `EmptyInputError` | `ValueError` | the input has no header row | |
| `ColumnNotFoundError` | `KeyError` | a name is not a column | `name`, `suggestions` |
| `TypeConversionError` | `ValueError` | a value does not convert | `row`, `column`, `value` |
| `SchemaError` | | `Report.raise_for_errors()` found violations | `report` |

## ParseError

`ParseError: line 14: expected 5 fields, saw 6 (is the delimiter ';'?)`: pass `delimiter=";"`.
`ParseError: line 88: unterminated quoted field`: a value opens a `"` that never closes; the line number is
where the field began.

## EncodingError

`EncodingError: byte 0xe9 at offset 2231 is not valid utf-8; try encoding='cp1252' or 'latin-1'`: the file
is not UTF-8. `0xe9` is `é` in Windows-1252.

## ColumnNotFoundError

`ColumnNotFoundError: no column 'regoin'; did you mean 'region'?` Column names are case-sensitive and
whitespace counts: a header `" region"` needs `strip=True` or a `rename`.

## TypeConversionError

`TypeConversionError: row 8, column 'amount': cannot convert '1.234,50' to float`: the file uses a decimal
comma; pass a callable type (see [reading files](/guide/reading-files.html#types)).
"""),
]
