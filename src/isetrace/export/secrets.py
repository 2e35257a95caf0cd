"""The secret scan every export runs over its rows before anything is written.

Two kinds of finding, both fatal to the export:

- **the value of a credential from the environment** — a variable whose name contains ``KEY``, ``TOKEN``,
  ``SECRET`` or ``PASSWORD`` (any case), whose value has at least :data:`MIN_SECRET_LENGTH` characters.
  Names ending in ``FILE``, ``PATH`` or ``DIR`` point at a secret rather than hold one, and values that are
  themselves variable names (``AGENT_API_KEY``: capitals and underscores only) are not secrets; both are
  skipped;
- **a key-shaped string** — OpenAI ``sk-…``, Anthropic ``sk-ant-…``, AWS ``AKIA…``/``ASIA…``, GitHub
  ``ghp_…``/``gho_…``/``ghu_…``/``ghs_…``/``ghr_…``/``github_pat_…``, Slack ``xox[bpars]-…``, Google
  ``AIza…``, Hugging Face ``hf_…``, ``-----BEGIN … PRIVATE KEY-----`` blocks and JWT-looking
  ``eyJ….eyJ….…``. Each pattern needs the length and character mix of a real key (``sk-`` keys a run of
  20+ letters and digits with both in it, so hyphenated words do not count) and may not start in the middle
  of a word, so ordinary prose, hashes, paths and identifiers pass.

Every string in a row is scanned (keys included). A finding names the episode, the kind of secret and
where it sits (``messages[5].content``) — never the secret itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import re2  # type: ignore[import-untyped]

from isetrace.errors import DataError

__all__ = ["KEY_SHAPES", "MIN_SECRET_LENGTH", "SHAPE_STARTS", "SecretFinding", "SecretScanner", "credential_variables"]

MIN_SECRET_LENGTH = 8
"""Shorter environment values are too likely to occur by chance to be treated as secrets."""

_NAME_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
_POINTER_SUFFIXES = ("FILE", "PATH", "DIR")
_VARIABLE_NAME = re.compile(r"[A-Z][A-Z_]*")
_RANDOM_RUN = re.compile(r"[A-Za-z0-9]{20,}")


def _random_run(text: str) -> bool:
    """A run of 20+ letters and digits with both in it: random key material, not hyphenated words."""
    return any(any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
               for run in _RANDOM_RUN.findall(text))


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def _mixed_case(text: str) -> bool:
    return any(c.isupper() for c in text) and any(c.islower() for c in text)


def _always(text: str) -> bool:
    return True


_WORD_START = r"(?<![A-Za-z0-9_\-])"

KEY_SHAPES: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("Anthropic API key", re.compile(_WORD_START + r"sk-ant-[A-Za-z0-9_\-]{20,}"), _random_run),
    ("OpenAI API key", re.compile(_WORD_START + r"sk-(?!ant-)[A-Za-z0-9_\-]{20,}"), _random_run),
    ("AWS access key id", re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"), _has_digit),
    ("GitHub token", re.compile(_WORD_START + r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
     _has_digit),
    ("Slack token", re.compile(_WORD_START + r"xox[bpars]-[A-Za-z0-9\-]{10,}"), _has_digit),
    ("Google API key", re.compile(_WORD_START + r"AIza[0-9A-Za-z_\-]{35}"), _always),
    ("Hugging Face token", re.compile(_WORD_START + r"hf_[A-Za-z0-9]{30,}"), _mixed_case),
    ("private key block", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"), _always),
    ("JSON Web Token", re.compile(_WORD_START + r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"),
     _always),
)
"""(kind, pattern, a check the matched text must also pass) for every key shape the scan knows."""

SHAPE_STARTS = ("sk-", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AIza", "hf_",
                "-----BEGIN ", "eyJ")
"""What every match of :data:`KEY_SHAPES` begins with: letters, digits, ``-``, ``_`` and a space, which JSON
never escapes, so a row whose JSON text holds none of them holds no key shape in any of its strings. They
are looked for as literal substrings, all in one pass (:func:`_any_of`), and are as few as the shapes allow
(``xox`` stands for Slack's five)."""


def _any_of(needles: Iterable[bytes]) -> Any:
    """One RE2 automaton that finds any of ``needles`` as bytes, in a single pass over a text.

    The pre-scan looks at every byte an export writes, for a dozen and more substrings. One substring
    search after another reads the text once per needle, and Python's ``re`` tries every alternative at
    nearly every position; RE2 runs one automaton over the text once. On the rows of 2,000 trajectories
    (89 MB of JSON) that took 1.0 s, 2.1 s and 0.2 s. Every byte of a needle is written as ``\\xHH`` and
    matched as Latin-1, so a needle is a literal byte string whatever it holds (punctuation, UTF-8, a NUL).
    """
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    return re2.compile(b"|".join(b"".join(b"\\x%02x" % byte for byte in needle) for needle in needles), options)


@dataclass(frozen=True)
class SecretFinding:
    """One secret in a row: what kind and where — never its value."""

    kind: str
    """``environment variable OPENAI_API_KEY`` or a key shape such as ``GitHub token``."""
    where: str
    """The path of the string in the row, e.g. ``messages[5].content``."""


def credential_variables(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment variables whose values the scan looks for: name → value."""
    found: dict[str, str] = {}
    for name, value in environ.items():
        upper = name.upper()
        if not any(marker in upper for marker in _NAME_MARKERS) or upper.endswith(_POINTER_SUFFIXES):
            continue
        text = value.strip()
        if len(text) < MIN_SECRET_LENGTH or _VARIABLE_NAME.fullmatch(text):
            continue
        found[name] = text
    return found


class SecretScanner:
    """Finds credentials in export rows: the environment's values and key-shaped strings."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._needles: list[tuple[str, str]] = []
        seen: set[str] = set()
        for name, value in sorted(credential_variables(environ).items()):
            # the value as is, and as it appears inside a JSON string (tool arguments, tool schemas)
            for variant in (value, json.dumps(value, ensure_ascii=False)[1:-1]):
                if variant not in seen:
                    seen.add(variant)
                    self._needles.append((f"environment variable {name}", variant))
        # each needle as it reads in a row's JSON text (orjson's, as :meth:`may_hold` makes it), where every
        # string is escaped once more
        in_json = {orjson.dumps(needle)[1:-1] for _, needle in self._needles}
        self._prefilter = _any_of([start.encode() for start in SHAPE_STARTS] + sorted(in_json))

    def kinds(self, text: str) -> list[str]:
        """The kinds of secret in one string (empty when it holds none)."""
        found = [kind for kind, needle in self._needles if needle in text]
        found += [kind for kind, pattern, plausible in KEY_SHAPES
                  if any(plausible(match.group(0)) for match in pattern.finditer(text))]
        return list(dict.fromkeys(found))

    def _walk(self, value: object, where: str) -> Iterator[SecretFinding]:
        if isinstance(value, str):
            yield from (SecretFinding(kind, where or "(row)") for kind in self.kinds(value))
        elif isinstance(value, Mapping):
            for key, item in value.items():
                key_kinds = self.kinds(str(key))
                label = "<a key>" if key_kinds else str(key)  # a path must not repeat the secret it reports
                path = f"{where}.{label}" if where else label
                yield from (SecretFinding(kind, f"{path} (the key itself)") for kind in key_kinds)
                yield from self._walk(item, path)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                yield from self._walk(item, f"{where}[{index}]")

    def findings(self, row: object) -> list[SecretFinding]:
        """Every secret in ``row`` (any nesting of dicts, lists and strings, keys included), in row order."""
        return list(self._walk(row, ""))

    def may_hold(self, row: object, text: bytes | None = None) -> bool:
        """Whether ``row`` may hold a secret, from one look at its JSON text: ``False`` means it holds none.

        ``text`` is ``orjson.dumps(row)`` when the caller has it already (an export writes those bytes), so
        the row is serialised once. Every string of the row (keys too) is in that text, escaped as JSON; a
        key shape's first characters are never escaped, and each of the scan's needles (an environment
        value as is and as JSON escapes it) is looked for as that escaping writes it. So a row that passes
        here has no finding, and the string-by-string scan (:meth:`findings`, a regex per shape per string)
        runs only on the rare row that does not.
        """
        if text is None:
            try:
                text = orjson.dumps(row, default=str, option=orjson.OPT_NON_STR_KEYS)
            except (TypeError, orjson.JSONEncodeError):  # something JSON cannot hold: look string by string
                return True
        return self._prefilter.search(text) is not None

    def check(self, row: object, episode_id: str, text: bytes | None = None) -> None:
        """Raise :class:`~isetrace.errors.DataError` naming the episode and each kind of secret in ``row``
        (``text``: the row's ``orjson.dumps``, when the caller has it)."""
        if not self.may_hold(row, text):
            return
        found = self.findings(row)
        if not found:
            return
        kinds: dict[str, list[str]] = {}
        for finding in found:
            kinds.setdefault(finding.kind, []).append(finding.where)
        parts = []
        for kind, places in kinds.items():
            more = f" and {len(places) - 1} more" if len(places) > 1 else ""
            parts.append(f"{kind} (at {places[0]}{more})")
        raise DataError(f"episode {episode_id}: secret found — {'; '.join(parts)}. The export was refused and "
                        "nothing was written; remove the secret from the episode (or the environment variable "
                        "from the environment, if its value is not secret) and export again.")
