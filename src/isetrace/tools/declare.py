"""Tools are declared, not hand-written as JSON: ``@tool`` turns an async function into a :class:`ToolSpec`.

The function's signature is the parameter schema and its docstring is the documentation the model
reads: the first paragraph becomes the tool's description, and the Google-style ``Args:`` section gives
one description per parameter (the rest of the docstring is for developers and is not sent). Writing the
schema by hand would let it drift from the code that runs; deriving it makes that impossible.

Supported parameter types: ``str``, ``int``, ``float``, ``bool``, ``list[str]``, ``dict[str, str]``,
``Literal[...]`` (an enum), a ``TypedDict`` (an object of fixed fields; ``NotRequired`` marks the optional
ones), ``list`` of such a ``TypedDict``, and ``X | None``. :data:`Whole` is an ``int`` offered as a JSON
``number``: harnesses whose schemas say ``number`` for counts and offsets (openclaw's do) keep their exact
schema, and the dispatcher still hands the tool an ``int`` (refusing 2.5). A parameter without a default
is required. A Python name
with a trailing underscore (``from_``) is offered under the name without it (``from``), for parameter
names that are Python keywords.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired, Required, Union, get_args, get_origin

if TYPE_CHECKING:
    from isetrace.tools.context import ToolContext

__all__ = ["ToolFunction", "ToolOutput", "ToolParam", "ToolSpec", "Whole", "tool"]


class _WholeNumber:
    """The marker of :data:`Whole` (see the module docstring)."""

    def __repr__(self) -> str:
        return "WHOLE_NUMBER"


_WHOLE = _WholeNumber()
Whole = Annotated[int, _WHOLE]
"""An integer parameter whose schema says ``"type": "number"``; the tool still receives an ``int``."""


@dataclass(frozen=True)
class ToolOutput:
    """A tool's answer when the text alone does not carry the whole truth (commands, changed files).

    ``content`` is exactly what the model is shown; the other fields become the structured
    :class:`~isetrace.records.ToolResult`. A tool that has nothing more to say returns a plain ``str``.
    """

    content: str
    ok: bool = True
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    duration_s: float | None = None
    truncated: bool = False
    dropped_bytes: int = 0
    timed_out: bool = False
    error_kind: str | None = None
    files_changed: tuple[str, ...] = ()


ToolFunction = Callable[..., Awaitable[str | ToolOutput]]
"""``async def f(ctx: ToolContext, **arguments) -> str | ToolOutput``."""


@dataclass(frozen=True)
class ToolParam:
    """One parameter as offered to the model, with what it takes to check an argument against it."""

    name: str
    python_name: str
    schema: dict[str, Any]
    required: bool
    default: Any = None
    whole: bool = False
    """Offered as a JSON number, taken as an integer (:data:`Whole`)."""


@dataclass(frozen=True)
class ToolSpec:
    """A declared tool: its name, description, parameters, whether it changes anything, and its code."""

    name: str
    description: str
    params: tuple[ToolParam, ...]
    mutating: bool
    fn: ToolFunction = field(repr=False)

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON schema of the arguments object."""
        return {
            "type": "object",
            "properties": {p.name: p.schema for p in self.params},
            "required": [p.name for p in self.params if p.required],
            "additionalProperties": False,
        }

    def schema(self) -> dict[str, Any]:
        """The OpenAI function-tool schema."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}

    async def __call__(self, ctx: ToolContext, **arguments: Any) -> str | ToolOutput:
        return await self.fn(ctx, **arguments)


_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ARG = re.compile(r"^(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The first paragraph (joined into one line) and the ``Args:`` descriptions, by Python name."""
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    for line in lines:
        if not line.strip() or _SECTION.match(line.strip()):
            break
        summary.append(line.strip())
    args: dict[str, list[str]] = {}
    in_args, base_indent, current = False, -1, ""
    for line in lines:
        stripped = line.strip()
        if _SECTION.match(stripped) and (len(line) - len(line.lstrip())) == 0:
            in_args, base_indent, current = stripped.startswith(("Args", "Arguments", "Parameters")), -1, ""
            continue
        if not in_args or not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if base_indent < 0:
            base_indent = indent
        match = _ARG.match(stripped)
        if indent == base_indent and match:
            current = match.group(1)
            args[current] = [match.group(2)]
        elif indent > base_indent and current:
            args[current].append(stripped)
        else:
            in_args = False
    return " ".join(summary), {name: " ".join(p for p in parts if p) for name, parts in args.items()}


def _object_schema(annotation: Any, where: str) -> dict[str, Any]:
    """The schema of a ``TypedDict``: its fields, the required ones, nothing else allowed."""
    hints = typing.get_type_hints(annotation, include_extras=True)
    properties, required = {}, []
    for name, hint in hints.items():
        # decided here, not by __required_keys__, which misses NotRequired under postponed annotations
        wrapper = get_origin(hint)
        if wrapper is Required or (wrapper is not NotRequired and name in annotation.__required_keys__):
            required.append(name)
        if wrapper in (Required, NotRequired):
            hint = get_args(hint)[0]
        schema, _nullable, whole = _type_schema(hint, f"{where}, field {name!r}")
        if whole:
            raise TypeError(f"{where}, field {name!r}: Whole is supported for parameters only")
        properties[name] = schema
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _type_schema(annotation: Any, where: str) -> tuple[dict[str, Any], bool, bool]:
    """The JSON schema of one annotation, whether it accepts ``None``, and whether it is :data:`Whole`."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        if args[0] is int and _WHOLE in annotation.__metadata__:
            return {"type": "number"}, False, True
        return _type_schema(args[0], where)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(rest) == len(args):
            raise TypeError(f"{where}: only 'X | None' unions are supported, got {annotation!r}")
        schema, _nullable, whole = _type_schema(rest[0], where)
        return schema, True, whole
    if origin is Literal:
        kinds = {type(a) for a in args}
        if kinds == {str}:
            return {"type": "string", "enum": list(args)}, False, False
        if kinds == {int}:
            return {"type": "integer", "enum": list(args)}, False, False
        raise TypeError(f"{where}: Literal values must be all str or all int")
    if origin is list and args == (str,):
        return {"type": "array", "items": {"type": "string"}}, False, False
    if origin is list and len(args) == 1 and typing.is_typeddict(args[0]):
        return {"type": "array", "items": _object_schema(args[0], where)}, False, False
    if origin is dict and args == (str, str):
        return {"type": "object", "additionalProperties": {"type": "string"}}, False, False
    if typing.is_typeddict(annotation):
        return _object_schema(annotation, where), False, False
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if annotation in simple:
        return {"type": simple[annotation]}, False, False
    raise TypeError(f"{where}: unsupported parameter type {annotation!r}")


def _build_spec(fn: ToolFunction, mutating: bool, name: str | None) -> ToolSpec:
    tool_name = name or fn.__name__
    where = f"tool {tool_name!r}"
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(f"{where}: a tool must be an 'async def' function")
    if not fn.__doc__:
        raise TypeError(f"{where}: a tool needs a docstring (its first paragraph is the description)")
    description, arg_docs = _parse_docstring(fn.__doc__)
    hints = typing.get_type_hints(fn, include_extras=True)
    signature = inspect.signature(fn)
    parameters = list(signature.parameters.values())
    if not parameters or parameters[0].name != "ctx":
        raise TypeError(f"{where}: the first parameter must be 'ctx: ToolContext'")
    params = []
    for parameter in parameters[1:]:
        if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            raise TypeError(f"{where}: parameter {parameter.name!r} must be a plain or keyword-only parameter")
        if parameter.name not in hints:
            raise TypeError(f"{where}: parameter {parameter.name!r} needs a type annotation")
        doc = arg_docs.pop(parameter.name, "")
        if not doc:
            raise TypeError(f"{where}: parameter {parameter.name!r} has no description in the docstring's Args")
        schema, _nullable, whole = _type_schema(hints[parameter.name], f"{where}, parameter {parameter.name!r}")
        schema = {**schema, "description": doc}
        required = parameter.default is inspect.Parameter.empty
        params.append(ToolParam(name=parameter.name.rstrip("_"), python_name=parameter.name, schema=schema,
                                required=required, default=None if required else parameter.default, whole=whole))
    if arg_docs:
        raise TypeError(f"{where}: the docstring describes unknown parameters: {', '.join(sorted(arg_docs))}")
    return ToolSpec(name=tool_name, description=description, params=tuple(params), mutating=mutating, fn=fn)


def tool(mutating: bool, name: str | None = None) -> Callable[[ToolFunction], ToolSpec]:
    """Declare a tool: ``@tool(mutating=False) async def read(ctx, path: str) -> str``.

    ``mutating`` tags whether the tool can change the workspace (used to report changed files and to
    tell read-only steps from changes). ``name`` is the name offered to the model (default: the
    function's name). A malformed declaration raises ``TypeError`` at once: it is a bug in our code.
    """

    def decorate(fn: ToolFunction) -> ToolSpec:
        return _build_spec(fn, mutating, name)

    return decorate
