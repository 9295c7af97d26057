"""HTML mail → readable plain text (for HTML-only mail such as デコメール or web forms).

Block elements and ``<br>`` become line breaks, ``<blockquote>`` lines get a ``> `` prefix so
quote stripping treats them like quoted plain text, ``<script>``/``<style>`` are dropped.
"""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, Tag
from bs4 import ProcessingInstruction as Instruction

_DROPPED = frozenset(
    {"script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg"}
)
_BLOCKS = frozenset(
    {
        "p", "div", "li", "tr", "table", "tbody", "thead", "tfoot", "ul", "ol", "dl", "dt", "dd",
        "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "section", "article", "header",
        "footer", "address", "center", "form", "fieldset", "blockquote", "body", "html",
        "caption", "figure", "figcaption", "main", "nav", "aside", "details", "summary",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f\u00a0\u200b]+")
_TAG = re.compile(r"<[^>]*>")
_BLANK_RUNS = re.compile(r"\n{3,}")


class _Lines:
    """Collects text into lines, remembering how deeply quoted each line is."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.line_depth = 0

    def add(self, text: str) -> None:
        if not text:
            return
        if not self.current:
            self.line_depth = self.quote_depth
            text = text.lstrip(" ")
            if not text:
                return
        self.current.append(text)

    def add_verbatim(self, text: str) -> None:
        """Text whose leading spaces matter (``<pre>``)."""
        if not self.current:
            self.line_depth = self.quote_depth
        self.current.append(text)

    def end_line(self) -> None:
        line = "".join(self.current).rstrip(" ")
        prefix = "> " * (self.line_depth if self.current else self.quote_depth)
        self.lines.append((prefix + line).rstrip(" ") if prefix else line)
        self.current = []

    def end_block(self) -> None:
        if self.current:
            self.end_line()

    def text(self) -> str:
        self.end_block()
        joined = "\n".join(self.lines).strip("\n")
        return _BLANK_RUNS.sub("\n\n", joined)


_EXIT = object()


def html_to_text(html: str) -> str:
    """Readable text of an HTML document or fragment. Never raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bs4 warns about markup that looks like a URL
            soup = BeautifulSoup(html, "html.parser")
        return _render(soup)
    except Exception:  # malformed or hostile markup: fall back to dropping tags
        return _BLANK_RUNS.sub("\n\n", _TAG.sub("", html)).strip()


def _render(soup: BeautifulSoup) -> str:
    out = _Lines()
    stack: list[object] = [soup]
    # An explicit stack, not recursion: mail HTML can nest thousands of levels deep.
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            _leave(node[1], out)
            continue
        if isinstance(node, NavigableString):
            if not isinstance(node, Comment | Declaration | Doctype | Instruction):
                out.add(_HTML_SPACE.sub(" ", str(node)))
            continue
        if not isinstance(node, Tag):
            continue
        name = (node.name or "").lower()
        if name in _DROPPED:
            continue
        if name == "br":
            out.end_line()
            continue
        if name == "pre":
            out.end_block()
            for line in node.get_text().split("\n"):
                out.add_verbatim(line.replace("\u00a0", " "))
                out.end_line()
            continue
        _enter(name, out)
        stack.append((_EXIT, name))
        stack.extend(reversed(node.contents))
    return out.text()


def _enter(name: str, out: _Lines) -> None:
    if name in _BLOCKS:
        out.end_block()
    if name == "blockquote":
        out.quote_depth += 1
    elif name == "li":
        out.add("- ")
    elif name in _CELLS and out.current:
        out.add(" ")
    elif name == "hr":
        out.add("----")
        out.end_line()


def _leave(name: str, out: _Lines) -> None:
    if name in _BLOCKS:
        out.end_block()
    if name == "blockquote":
        out.quote_depth = max(0, out.quote_depth - 1)
