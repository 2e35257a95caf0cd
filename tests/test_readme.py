"""The README keeps up with the code: its Python examples run as written, and its layout names the tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.extras import needs_extra
from tests.sandbox.backends import needs_bwrap

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_examples() -> list[str]:
    """The ``python`` code blocks of the README section "Use it from Python", in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use it from Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


@needs_bwrap
def test_the_python_examples_run_as_written(tmp_path: Path, sandbox_home: Path) -> None:
    needs_extra("hf")  # the examples run the offline config, whose exports include hf
    examples = python_examples()
    assert len(examples) == 2
    script = tmp_path / "examples.py"
    script.write_text("\n".join(examples), encoding="utf-8")
    env = {**os.environ, "ISE_SANDBOX__HOME": str(sandbox_home)}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("success ") and lines[0].endswith(" tool calls"), lines
    assert "episodes: 3 to run" in lines, lines  # what notify=print told
    assert any(re.fullmatch(r"3 episodes, \d succeeded", line) for line in lines), lines
    assert any(line.startswith("sharegpt ") for line in lines), lines
    assert lines[-2:] == ["success exit code: 0", "42"], lines  # the cat result the agent was shown
    assert (tmp_path / "runs" / "from-python" / "stats" / "corpus.json").is_file()


def test_the_layout_names_every_package_and_module_of_the_tree() -> None:
    text = README.read_text(encoding="utf-8")
    layout = " ".join(text.split("\nLayout: ", 1)[1].split("\n\n", 1)[0].split())
    named = set(re.findall(r"`([\w/.]+)`", layout))
    tree = {f"{p.name}/" if p.is_dir() else p.name for p in (ROOT / "src" / "isetrace").iterdir()
            if not p.name.startswith("_") and (p.suffix == ".py" or (p / "__init__.py").is_file() or
                                                 p.name in ("prompts", "configs"))}
    assert tree - named == set(), f"the README layout does not name: {sorted(tree - named)}"
    assert {"src/isetrace_scripted/", "tests/"} <= named
