"""Episode → a Hugging Face dataset as one Parquet file, one row per trajectory.

Load it with ``datasets.load_dataset("parquet", data_files="out.parquet", split="train")``. The columns are
the ISE OpenAI fields, typed so that Arrow round-trips them exactly and a trainer can use them as they come:

======================  ====================================================================================
column                  Arrow type
======================  ====================================================================================
``session_id``          string
``status``              string (the termination value)
``provenance``          string (``scripted`` or the models; scripted data must never pass for model output)
``source_intent_ids``   list<string>
``source_intents``      list<struct<intent_id: string, natural_language_intent: string>>
``total_steps``         int64 (tool calls)
``enable_thinking``     bool
``system``              string: the system prompt the agent saw (also ``messages[0]``)
``messages``            list<struct<role, content, reasoning_content, tool_calls, tool_call_id, name,
                        success>>; ``tool_calls`` is list<struct<id, type, function: struct<name,
                        arguments>>>; every field a string except ``success`` (bool)
``tools``               string: the JSON list of the OpenAI function schemas offered (compact JSON)
``final_output``        string
``metadata``            string: the JSON object of the ISE metadata (persona, domains, tasks, …)
======================  ====================================================================================

Why these choices: Arrow gives every element of a list one type, so

- tool-call ``arguments`` are JSON strings (the OpenAI shape) — parsed objects of different tools would
  otherwise merge into one struct with every tool's keys;
- ``tools`` and ``metadata`` are JSON strings, for the same reason: each tool's ``parameters`` schema has
  its own keys, and a struct column would hand every tool every other tool's parameters (as nulls) —
  exactly the corruption a chat template must not see. ``json.loads(row["tools"])`` gives the list to pass
  as ``tools=`` to ``apply_chat_template``;
- every message has all seven keys; the ones a message does not have are null. Chat templates that test
  ``message.tool_calls`` or ``message.reasoning_content`` for truth work as they are; one that tests key
  *presence* wants ``{k: v for k, v in m.items() if v is not None}`` first.

``pyarrow`` is imported only when a file is written (``pip install 'isetrace[hf]'``).
"""

from __future__ import annotations

from typing import Any

import orjson

from isetrace.errors import ConfigError
from isetrace.export.episode_parts import system_prompt
from isetrace.export.openai import to_ise_openai
from isetrace.export.packed import Packed
from isetrace.outputs import OutputFile
from isetrace.records import Episode

__all__ = ["MESSAGE_FIELDS", "ParquetSink", "hf_schema", "pack_rows", "to_hf_row"]

MESSAGE_FIELDS = ("role", "content", "reasoning_content", "tool_calls", "tool_call_id", "name", "success")
"""The keys of every message in the ``messages`` column, in order."""

_BATCH_ROWS = 256
_BATCH_BYTES = 64 << 20
"""A batch is written (one row group) when it has this many rows or this many bytes (JSON text, or Arrow data
for packed rows), whichever comes first."""


_NO_FIELDS = dict.fromkeys(MESSAGE_FIELDS)


def _message(lenient: dict[str, Any]) -> dict[str, Any]:
    """A message of the ISE row with every one of :data:`MESSAGE_FIELDS` (null where it has none). The ISE
    message's keys are among them, and it has ``tool_calls`` only when there are some."""
    return {**_NO_FIELDS, **lenient}


def to_hf_row(episode: Episode) -> dict[str, Any]:
    """One episode as a row of the Parquet dataset (see the module docstring for the columns)."""
    row = to_ise_openai(episode)
    return {
        "session_id": row["session_id"],
        "status": episode.termination.value,
        "provenance": episode.provenance,
        "source_intent_ids": row["source_intent_ids"],
        "source_intents": row["source_intents"],
        "total_steps": row["total_steps"],
        "enable_thinking": row["enable_thinking"],
        "system": system_prompt(episode),
        "messages": [_message(lenient) for lenient in row["messages"]],
        "tools": orjson.dumps(row["tools"]).decode(),
        "final_output": row["final_output"],
        "metadata": orjson.dumps(row["metadata"]).decode(),
    }


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped]
        import pyarrow.ipc  # type: ignore[import-untyped]
        import pyarrow.parquet  # type: ignore[import-untyped]
    except ModuleNotFoundError as exc:
        raise ConfigError("the hf format needs pyarrow, which is not installed; install it with: "
                          "pip install 'isetrace[hf]'") from exc
    return pyarrow


def hf_schema() -> Any:
    """The ``pyarrow.Schema`` of the dataset."""
    pa = _pyarrow()
    text = pa.string()
    call = pa.struct([("id", text), ("type", text),
                      ("function", pa.struct([("name", text), ("arguments", text)]))])
    message = pa.struct([("role", text), ("content", text), ("reasoning_content", text),
                         ("tool_calls", pa.list_(call)), ("tool_call_id", text), ("name", text),
                         ("success", pa.bool_())])
    intent = pa.struct([("intent_id", text), ("natural_language_intent", text)])
    return pa.schema([
        ("session_id", text), ("status", text), ("provenance", text), ("source_intent_ids", pa.list_(text)),
        ("source_intents", pa.list_(intent)), ("total_steps", pa.int64()), ("enable_thinking", pa.bool_()),
        ("system", text), ("messages", pa.list_(message)), ("tools", text), ("final_output", text),
        ("metadata", text),
    ])


def _parse_rows(rows: list[bytes]) -> Any:
    """Rows' JSON text → an Arrow table of the dataset's schema, by Arrow's JSON reader: strict where
    ``Table.from_pylist`` is not — a row with a key or a type the schema does not have is an error, not
    a key dropped or a null."""
    pa = _pyarrow()
    import pyarrow.json  # type: ignore[import-untyped]

    schema = hf_schema()
    data = b"\n".join(rows) + b"\n"
    # one block for the whole batch: the reader needs every row inside one block
    options = pyarrow.json.ReadOptions(use_threads=False, block_size=len(data) + 1)
    parse = pyarrow.json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    return pyarrow.json.read_json(pa.py_buffer(data), read_options=options, parse_options=parse)


def pack_rows(rows: list[bytes]) -> bytes:
    """Rows' JSON text as one Arrow IPC stream (:class:`~isetrace.export.packed.Packed`): the parsing is done
    where the rows are made, and the process writing the file only encodes Parquet."""
    pa = _pyarrow()
    if not rows:
        return b""
    table = _parse_rows(rows)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return bytes(sink.getvalue())


class ParquetSink:
    """Writes rows to one Parquet file in batches, so a large corpus never sits in memory whole.

    Rows come as JSON text (:meth:`write`, which the export has made already for its secret scan) or packed
    as Arrow by a worker (:meth:`write_packed`); a batch becomes a row group once it has
    :data:`_BATCH_ROWS` rows or :data:`_BATCH_BYTES` bytes.
    """

    def __init__(self, handle: OutputFile) -> None:
        pa = _pyarrow()
        self._pa = pa
        self._schema = hf_schema()
        # a file object, not a path: the target may be a pipe (Parquet asks only where it is, not to seek)
        self._writer = pa.parquet.ParquetWriter(handle, self._schema, compression="zstd")
        self._lines: list[bytes] = []
        self._tables: list[Any] = []
        self._rows = 0
        self._size = 0

    def write(self, text: bytes) -> None:
        """Add a row, as its JSON text."""
        self._lines.append(text)
        self._rows += 1
        self._size += len(text) + 1
        self._flush_if_full()

    def write_packed(self, packed: Packed) -> None:
        """Add the rows of ``packed`` (an Arrow IPC stream from :func:`pack_rows`) that it keeps."""
        if not packed.data:
            return
        self._parse_lines()  # rows given one by one before these stay before them
        table = self._pa.ipc.open_stream(packed.data).read_all()
        if not all(packed.keep):
            table = table.filter(self._pa.array(packed.keep, type=self._pa.bool_()))
        self._tables.append(table)
        self._rows += table.num_rows
        self._size += table.nbytes
        self._flush_if_full()

    def _parse_lines(self) -> None:
        if self._lines:
            self._tables.append(_parse_rows(self._lines))
            self._lines = []

    def _flush_if_full(self) -> None:
        if self._rows >= _BATCH_ROWS or self._size >= _BATCH_BYTES:
            self._flush()

    def _flush(self) -> None:
        self._parse_lines()
        if self._tables:
            self._writer.write_table(self._pa.concat_tables(self._tables))
        self._tables, self._rows, self._size = [], 0, 0

    def close(self) -> None:
        """Write what is buffered and finish the file."""
        self._flush()
        self._writer.close()

    def abort(self) -> None:
        """Stop without finishing; the opener of the handle leaves the target as it was."""
        self._lines, self._tables = [], []
        self._writer.close()
