"""Keep the file tools inside the workspace.

The sandbox backends do not police paths (the ``local`` backend could not even if it wanted to), so this
is the one place that does. A path the model gives is checked twice: first as written (``..`` that climbs
out, an absolute path elsewhere), then as the sandbox resolves it (a symlink inside the workspace that
points out of it). Every refusal names the path as the model wrote it, so it can correct itself.
Operations then use the resolved path, so what was checked is what is touched.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from isetrace.errors import ToolError
from isetrace.tools.context import ToolContext

__all__ = ["WorkspacePath", "inside", "resolve_path"]


@dataclass(frozen=True)
class WorkspacePath:
    """A checked path: ``real`` is absolute with symlinks resolved, ``relative`` is to the workspace."""

    given: str
    real: str
    relative: str

    @property
    def shown(self) -> str:
        """How to name the file to the model: workspace-relative (``.`` for the workspace itself)."""
        return self.relative


def inside(path: str, root: str) -> bool:
    """Whether normalised absolute ``path`` is ``root`` or below it."""
    root = root.rstrip("/") or "/"
    return path == root or path.startswith(root + "/") or root == "/"


def _relative(path: str, root: str) -> str:
    return posixpath.relpath(path, root) if path != root else "."


async def resolve_path(ctx: ToolContext, given: str, *, param: str = "path") -> WorkspacePath:
    """Check ``given`` and resolve it; a :class:`ToolError` naming it when it leads out of the workspace.

    Relative paths are taken from the workspace; absolute paths must lie inside it. The path need not
    exist (``write`` creates files).
    """
    if not given or not given.strip():
        raise ToolError(f"{param} is empty: give a file path relative to the workspace ({ctx.workspace})")
    if "\x00" in given:
        raise ToolError(f"{param} {given!r} contains a NUL character")
    if given == "~" or given.startswith("~/"):
        raise ToolError(f"{param} {given!r} is in the home directory, outside the workspace ({ctx.workspace}); "
                        "file tools only work inside the workspace")
    workspace = posixpath.normpath(ctx.workspace)
    real_workspace = posixpath.normpath(await ctx.workspace_real())
    absolute = posixpath.normpath(given if given.startswith("/") else posixpath.join(workspace, given))
    if not (inside(absolute, workspace) or inside(absolute, real_workspace)):
        raise ToolError(f"{param} {given!r} is outside the workspace ({ctx.workspace}); "
                        "file tools only work inside the workspace")
    real = posixpath.normpath(await ctx.sandbox.real_path(absolute))
    if not inside(real, real_workspace):
        raise ToolError(f"{param} {given!r} resolves to {real} through a symbolic link, outside the workspace "
                        f"({ctx.workspace}); file tools only work inside the workspace")
    return WorkspacePath(given=given, real=real, relative=_relative(real, real_workspace))
