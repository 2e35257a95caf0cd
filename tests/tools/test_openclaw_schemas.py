"""The openclaw dialect offers openclaw's own tool schemas: the recipe's published example is the reference.

Tool by tool and parameter by parameter, our declared schemas must match the ``tools`` list of the
original recipe's example file in names, JSON types (into array items and object fields), required sets
and enums. Descriptions are ours, and so are tools the example lacks (apply_patch). Enums are compared as
sets, whether written ``enum``, ``const`` or ``anyOf`` of consts; a map of strings is the same whether
written ``additionalProperties`` or ``patternProperties``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.upstream import upstream_file

from isetrace.tools import get_dialect

TOOLS = ["exec", "process", "agents_list", "session_status", "sessions_history", "sessions_list", "sessions_send",
         "sessions_spawn", "subagents", "tts", "web_fetch", "memory_search", "memory_get", "web_search", "read",
         "write", "edit"]


def _reference() -> dict[str, dict[str, Any]]:
    tools = json.loads(upstream_file("safety_compliance_audit_middle_format.json").read_text())["tools"]
    return {tool["function"]["name"]: tool["function"]["parameters"] for tool in tools}


def _ours() -> dict[str, dict[str, Any]]:
    return {schema["function"]["name"]: schema["function"]["parameters"]
            for schema in get_dialect("openclaw").schemas()}


def shape(schema: dict[str, Any]) -> dict[str, Any]:
    """What a schema says about types, enums, nesting and required fields; nothing else."""
    enum = schema.get("enum")
    kind = schema.get("type")
    if "anyOf" in schema and all("const" in member for member in schema["anyOf"]):
        enum = [member["const"] for member in schema["anyOf"]]
        kinds = {member.get("type") for member in schema["anyOf"]}
        kind = kinds.pop() if len(kinds) == 1 else kind
    elif "const" in schema:
        enum = [schema["const"]]
    out: dict[str, Any] = {"type": kind, "enum": sorted(enum) if enum is not None else None}
    if kind == "array":
        out["items"] = shape(schema.get("items", {}))
    if kind == "object":
        if "properties" in schema:
            out["properties"] = {name: shape(field) for name, field in schema["properties"].items()}
            out["required"] = sorted(schema.get("required", []))
        values = schema.get("additionalProperties")
        patterns = list(schema.get("patternProperties", {}).values())
        if isinstance(values, dict):
            out["values"] = shape(values)
        elif len(patterns) == 1:
            out["values"] = shape(patterns[0])
    return out


def test_every_reference_tool_is_offered() -> None:
    reference = _reference()
    assert sorted(reference) == sorted(TOOLS)
    assert not set(reference) - set(_ours())


@pytest.mark.parametrize("name", TOOLS)
def test_tool_parameters_match(name: str) -> None:
    theirs, ours = _reference()[name], _ours().get(name)
    assert ours is not None, f"the openclaw dialect lacks the tool {name}"
    assert sorted(ours["properties"]) == sorted(theirs.get("properties", {})), f"{name}: parameter names"
    assert sorted(ours["required"]) == sorted(theirs.get("required", [])), f"{name}: required parameters"
    for param, schema in theirs.get("properties", {}).items():
        assert shape(ours["properties"][param]) == shape(schema), f"{name}.{param}"


def test_shape_reads_each_way_of_writing_a_schema() -> None:
    assert shape({"anyOf": [{"const": "a", "type": "string"}, {"const": "b", "type": "string"}]}) == \
        shape({"type": "string", "enum": ["b", "a"]})
    assert shape({"type": "object", "patternProperties": {"^(.*)$": {"type": "string"}}}) == \
        shape({"type": "object", "additionalProperties": {"type": "string"}})
    assert shape({"type": "number"}) != shape({"type": "integer"})
    assert shape({"type": "string"}) != shape({"type": "string", "enum": ["x"]})
