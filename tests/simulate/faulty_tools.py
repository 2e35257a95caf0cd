"""The openclaw dialect with one faulty tool, for tests to register in place of the real one.

Its ``write`` is the real tool, except that writing ``belt-3_health_report.md`` raises what a bug or a
race would raise instead of a :class:`~isetrace.errors.ToolError`. Only the toy sorter-log intent
(toy-2) writes that file, and only after three calls that ran (write sorter.log, two greps), so an
episode of it fails part-way and the episodes of the other toy intents are untouched. Register it with
``monkeypatch.setitem(PLUGINS["dialect"], "openclaw", "tests.simulate.faulty_tools:RAISES_TYPE_ERROR")``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from isetrace.tools import Dialect, ToolContext
from isetrace.tools.declare import ToolOutput
from isetrace.tools.openclaw import DIALECT as OPENCLAW

FAULTY_PATH = "belt-3_health_report.md"
TYPE_ERROR = "write() got an unexpected keyword argument 'mode'"
OS_ERROR = "[Errno 104] Connection reset by peer"


def faulty_openclaw(fault: Callable[[], Exception],
                    faulty: Callable[[str], bool] = lambda path: path == FAULTY_PATH) -> Dialect:
    """openclaw, with a ``write`` that raises ``fault()`` for the paths ``faulty`` picks (and is the real
    tool otherwise)."""
    write = OPENCLAW.tools["write"]

    async def faulty_write(ctx: ToolContext, **arguments: Any) -> str | ToolOutput:
        if faulty(str(arguments.get("path"))):
            raise fault()
        return await write.fn(ctx, **arguments)

    return Dialect("openclaw", [dataclasses.replace(spec, fn=faulty_write) if spec.name == "write" else spec
                                for spec in OPENCLAW.tools.values()])


RAISES_TYPE_ERROR = faulty_openclaw(lambda: TypeError(TYPE_ERROR))
RAISES_OS_ERROR = faulty_openclaw(lambda: ConnectionResetError(104, "Connection reset by peer"))
