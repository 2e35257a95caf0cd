"""The exact pass: the same text once normalised; the first occurrence is kept."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

__all__ = ["exact_duplicates", "normalise"]


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
"""Only non-ASCII characters can be format characters; looking only at them keeps :func:`normalise` fast."""

def normalise(text: str) -> str:
    """The text the exact pass compares, and the near-duplicate pass splits into words.

    In this order:

    1. Unicode NFKC (full-width letters, ligatures and compatibility forms become plain ones: ``ﬁle`` →
       ``file``, ``１２`` → ``12``, ``…`` → ``...``);
    2. case folding (``str.casefold``: ``Straße`` → ``strasse``), then NFKC again, because folding can
       produce text that is not NFKC;
    3. removing invisible format characters (Unicode category ``Cf``: zero-width spaces and joiners, soft
       hyphens, byte-order marks);
    4. collapsing every run of whitespace (any Unicode space, tab or newline) into one ASCII space;
    5. stripping punctuation (Unicode categories ``P*``: ``.,;:!?…'"«»()[]{}-–—``…) and whitespace from
       both ends, repeatedly, so ``  "Do it!" `` → ``do it``. Symbols (``$ % € + = #`` and emoji) and
       everything inside the text stay as they are.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    visible = _NON_ASCII.sub(_drop_format_character, folded)
    collapsed = " ".join(visible.split())
    start, end = 0, len(collapsed)
    while start < end and _is_edge_noise(collapsed[start]):
        start += 1
    while end > start and _is_edge_noise(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]

def _drop_format_character(match: re.Match[str]) -> str:
    char = match.group()
    return "" if unicodedata.category(char) == "Cf" else char

def _is_edge_noise(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith("P")

def exact_duplicates(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs ``(duplicate index, kept index)`` of texts equal after :func:`normalise`.

    The kept index is the first occurrence of that normalised text; pairs come in order of the duplicate
    index. Texts are compared by a BLAKE2b-128 digest of the normalised UTF-8 text.
    """
    first_seen: dict[bytes, int] = {}
    pairs: list[tuple[int, int]] = []
    for index, text in enumerate(texts):
        digest = hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=16).digest()
        kept = first_seen.setdefault(digest, index)
        if kept != index:
            pairs.append((index, kept))
    return pairs
