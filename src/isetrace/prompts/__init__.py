"""Prompts are files: Markdown/Jinja templates beside this module, rendered strictly.

A prompt buried in code cannot be read or reviewed as a prompt; here each is one ``.md`` file. Jinja's
``StrictUndefined`` makes a missing variable an error rather than a silent hole in what the model sees.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["render_prompt"]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("isetrace", "prompts"),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def render_prompt(name: str, **variables: Any) -> str:
    """Render ``prompts/<name>.md`` with ``variables``; raises ``jinja2.UndefinedError`` on a missing one."""
    return _environment().get_template(f"{name}.md").render(**variables).strip() + "\n"
