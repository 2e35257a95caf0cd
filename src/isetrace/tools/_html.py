"""HTML to readable text with the standard library's ``html.parser``, for ``web_fetch``.

Scripts, styles and other non-content elements are dropped; headings, paragraphs, list items, table
rows and preformatted blocks keep their shape. Markdown mode writes ``#`` headings, ``[text](url)``
links with absolute URLs, ``- `` list items and fenced ``pre`` blocks; text mode keeps only the words.
A dependency-free converter is enough here: the model needs the page's content, not its layout.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

__all__ = ["html_to_text"]

_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "canvas", "object", "select"})
_BLOCK = frozenset({"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "table",
                    "blockquote", "dl", "dt", "dd", "figure", "figcaption", "form", "fieldset", "address",
                    "details", "summary", "body", "center"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_INDENT = "\x01"
_PRE_START, _PRE_END = "\x02", "\x03"


class _Converter(HTMLParser):
    def __init__(self, base_url: str, markdown: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.markdown = markdown
        self.out: list[str] = []
        self.title = ""
        self.in_title = False
        self.skip_depth = 0
        self.pre_depth = 0
        self.links: list[tuple[int, str | None]] = []
        self.lists: list[list[int]] = []  # per open list: [ordered (0/1), items so far]
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        attr = dict(attrs)
        if tag == "title":
            self.in_title = True
        elif tag in _HEADINGS:
            self.out.append("\n\n" + ("#" * _HEADINGS[tag] + " " if self.markdown else ""))
        elif tag in _BLOCK:
            self.out.append("\n\n")
        elif tag in ("ul", "ol"):
            self.out.append("" if self.lists else "\n\n")
            self.lists.append([int(tag == "ol"), 0])
        elif tag == "li":
            ordered, count = self.lists[-1] if self.lists else [0, 0]
            if self.lists:
                self.lists[-1][1] += 1
            marker = f"{count + 1}. " if ordered else "- "
            self.out.append("\n" + _INDENT * max(0, len(self.lists) - 1) + marker)
        elif tag == "tr":
            self.cells = 0
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" | " if self.cells else "")
            self.cells += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self.out.append("\n\n---\n\n" if self.markdown else "\n\n")
        elif tag == "pre":
            self.pre_depth += 1
            self.out.append("\n\n" + _PRE_START)
        elif tag == "code" and not self.pre_depth and self.markdown:
            self.out.append("`")
        elif tag == "a":
            self.links.append((len(self.out), attr.get("href")))
        elif tag == "img":
            alt = (attr.get("alt") or "").strip()
            if alt and self.markdown and attr.get("src"):
                self.out.append(f"![{alt}]({urljoin(self.base_url, attr['src'] or '')})")
            elif alt:
                self.out.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "title":
            self.in_title = False
        elif tag in _HEADINGS or tag in _BLOCK:
            self.out.append("\n\n")
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.out.append("" if self.lists else "\n\n")
        elif tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
            self.out.append(_PRE_END + "\n\n")
        elif tag == "code" and not self.pre_depth and self.markdown:
            self.out.append("`")
        elif tag == "a" and self.links:
            self._close_link()

    def _close_link(self) -> None:
        start, href = self.links.pop()
        text = re.sub(r"\s+", " ", "".join(self.out[start:])).strip()
        del self.out[start:]
        usable = href and not href.startswith(("#", "javascript:", "mailto:", "data:"))
        if self.markdown and usable and text and href:
            self.out.append(f"[{text}]({urljoin(self.base_url, href.strip())})")
        else:
            self.out.append(text)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif self.skip_depth:
            return
        elif self.pre_depth:
            self.out.append(data)
        else:
            self.out.append(re.sub(r"\s+", " ", data))

    def result(self) -> str:
        while self.links:
            self._close_link()
        pieces = re.split(f"({_PRE_START}.*?{_PRE_END})", "".join(self.out), flags=re.DOTALL)
        parts = []
        for piece in pieces:
            if piece.startswith(_PRE_START) and piece.endswith(_PRE_END):
                body = piece[1:-1].strip("\n")
                parts.append(f"```\n{body}\n```" if self.markdown else body)
                continue
            lines = [re.sub(r" {2,}", " ", line).strip().replace(_INDENT, "  ") for line in piece.split("\n")]
            parts.append("\n".join(lines))
        text = "".join(parts).replace(_PRE_START, "").replace(_PRE_END, "")
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str, base_url: str = "", *, markdown: bool = True) -> tuple[str, str]:
    """The page's ``(title, text)``; ``markdown`` keeps headings, links and lists in Markdown."""
    converter = _Converter(base_url, markdown)
    converter.feed(html)
    converter.close()
    return re.sub(r"\s+", " ", converter.title).strip(), converter.result()
