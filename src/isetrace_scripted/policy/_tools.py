"""Which offered tools can run a command, write, read or edit a file, discovered from their schemas.

The agent policy never hard-codes a dialect: openclaw's `exec(command)`/`write(path, content)` and
claude-code's `Bash(command)`/`Write(file_path, content)` are found by their parameter names, and the
calls use exactly the names the schema declares. Missing file tools fall back to the shell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._reply import PolicyToolCall

_PATH_PARAMS = ("path", "file_path", "filepath", "filename", "file")
_COMMAND_PARAMS = ("command", "cmd")
_EDIT_PAIRS = (("oldText", "newText"), ("old_string", "new_string"), ("old_str", "new_str"), ("old", "new"))
_HEREDOC_END = "ISETRACE_EOF"


@dataclass(frozen=True)
class ToolBinding:
    """An offered tool and the parameter names to call it with (empty when a role does not apply)."""

    name: str
    path: str = ""
    content: str = ""
    old: str = ""
    new: str = ""
    command: str = ""
    param: str = ""
    """The one argument of a single-argument role (``search``: the query, ``fetch``: the URL)."""


@dataclass(frozen=True)
class Toolkit:
    """The tools the policy can use, one per capability, each possibly absent."""

    shell: ToolBinding | None = None
    write: ToolBinding | None = None
    read: ToolBinding | None = None
    edit: ToolBinding | None = None
    search: ToolBinding | None = None
    fetch: ToolBinding | None = None

    def search_call(self, query: str) -> PolicyToolCall:
        """A web search; callers check ``search`` first."""
        assert self.search is not None
        return PolicyToolCall(self.search.name, {self.search.param: query})

    def fetch_call(self, url: str) -> PolicyToolCall:
        """A page fetch; callers check ``fetch`` first."""
        assert self.fetch is not None
        return PolicyToolCall(self.fetch.name, {self.fetch.param: url})

    @property
    def usable(self) -> bool:
        """Whether the policy can do anything real: it needs at least a shell or a write tool."""
        return self.shell is not None or self.write is not None

    def run(self, command: str) -> PolicyToolCall:
        """A shell call; callers only plan shell steps when `shell` is present."""
        if self.shell is None:
            raise ValueError("no shell tool offered; plans must not contain shell steps")
        return PolicyToolCall(self.shell.name, {self.shell.command: command})

    def write_file(self, path: str, content: str) -> PolicyToolCall:
        """Write with the write tool, else with a quoted heredoc through the shell."""
        if self.write is not None:
            return PolicyToolCall(self.write.name, {self.write.path: path, self.write.content: content})
        body = content[:-1] if content.endswith("\n") else content
        return self.run(f"cat > {path} <<'{_HEREDOC_END}'\n{body}\n{_HEREDOC_END}")

    def read_file(self, path: str) -> PolicyToolCall:
        """Read with the read tool, else `cat` through the shell."""
        if self.read is not None:
            return PolicyToolCall(self.read.name, {self.read.path: path})
        return self.run(f"cat {path}")

    def edit_file(self, path: str, old: str, new: str, after: str) -> PolicyToolCall:
        """Replace `old` by `new` with the edit tool, else rewrite the whole file (`after`)."""
        if self.edit is not None:
            return PolicyToolCall(
                self.edit.name, {self.edit.path: path, self.edit.old: old, self.edit.new: new}
            )
        return self.write_file(path, after)

    def written_path(self, call: PolicyToolCall) -> str | None:
        """The file a past call wrote or edited, if it was a write/edit call or a shell heredoc."""
        for binding in (self.write, self.edit):
            if binding is not None and call.name == binding.name:
                path = call.arguments.get(binding.path)
                return path if isinstance(path, str) else None
        command = self.command_of(call)
        if command and command.startswith("cat > ") and f"<<'{_HEREDOC_END}'" in command:
            return command.split()[2]
        return None

    def command_of(self, call: PolicyToolCall) -> str | None:
        """The command string of a past shell call, else None."""
        if self.shell is None or call.name != self.shell.name:
            return None
        command = call.arguments.get(self.shell.command)
        return command if isinstance(command, str) else None


def discover(tools: object) -> Toolkit:
    """Bind each capability to the first offered tool whose parameters fit it."""
    found: dict[str, ToolBinding] = {}
    for name, params in _schemas(tools):
        for role, binding in _bindings(name, params).items():
            found.setdefault(role, binding)
    return Toolkit(
        shell=found.get("shell"), write=found.get("write"), read=found.get("read"), edit=found.get("edit"),
        search=found.get("search"), fetch=found.get("fetch"),
    )


def _schemas(tools: object) -> list[tuple[str, frozenset[str]]]:
    """(name, parameter names) of each OpenAI function-tool schema; malformed entries are skipped."""
    result = []
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function", tool) if isinstance(tool, Mapping) else None
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            continue
        parameters = function.get("parameters")
        properties = parameters.get("properties") if isinstance(parameters, Mapping) else None
        result.append(
            (function["name"], frozenset(properties) if isinstance(properties, Mapping) else frozenset())
        )
    return result


def _bindings(name: str, params: frozenset[str]) -> dict[str, ToolBinding]:
    """The capabilities one tool offers, judged by its parameter names (and its name, for reads)."""
    roles: dict[str, ToolBinding] = {}
    if "search" in name.lower() and "query" in params and "web" in name.lower():
        roles["search"] = ToolBinding(name, param="query")
    if "fetch" in name.lower() and "url" in params:
        roles["fetch"] = ToolBinding(name, param="url")
    command = next((param for param in _COMMAND_PARAMS if param in params), None)
    if command:
        roles["shell"] = ToolBinding(name, command=command)
    path = next((param for param in _PATH_PARAMS if param in params), None)
    if path is None:
        return roles
    edit_pair = next((pair for pair in _EDIT_PAIRS if set(pair) <= params), None)
    if edit_pair:
        roles["edit"] = ToolBinding(name, path=path, old=edit_pair[0], new=edit_pair[1])
    elif "content" in params:
        roles["write"] = ToolBinding(name, path=path, content="content")
    elif command is None and ("read" in name.lower() or name.lower() in ("view", "cat")):
        roles["read"] = ToolBinding(name, path=path)
    return roles
