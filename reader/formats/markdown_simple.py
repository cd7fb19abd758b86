"""A chunk-by-chunk reading of Markdown block structure, for text too large for markdown-it.

markdown-it builds several tokens and runs every block rule for each line of a list, a quote or
a code block: about a tenth of a millisecond per line, so a 5 MB bullet list (130,000 items)
took 40 s. Past a budget of lines (see :mod:`reader.formats.markdown_tokens`), Markdown is read
here instead, a blank-line separated chunk at a time with a few regular expressions (no Python
work per line), into :class:`SimpleBlock` records:

- fenced code (a chunk opening with a fence, to its closing fence) → ``CODE``;
- a chunk of block quote lines → ``QUOTE`` (depth = the ``>`` markers of its first line, the
  markers removed from every line);
- a chunk that is an ordinary paragraph → ``PARAGRAPH`` (formatted as usual);
- everything else — lists above all, and whatever they hold — → ``TEXT``: the lines as written
  (indentation kept, trailing spaces dropped), consecutive chunks joined into one block, the way
  a large table is shown as text rows.

No text is dropped; only fences and quote markers are removed, as any Markdown reader does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from typing import NamedTuple

from reader.formats.bulk_text import strip_line_ends

__all__ = ["SimpleKind", "SimpleBlock", "simple_blocks"]


class SimpleKind(Enum):
    """What a :class:`SimpleBlock` is."""

    PARAGRAPH = "paragraph"
    QUOTE = "quote"
    CODE = "code"
    TEXT = "text"


class SimpleBlock(NamedTuple):
    """One block of a simple reading (a named tuple: one is made per block of a large file).

    Attributes:
        kind: What the block is.
        content: Markdown inline text (``PARAGRAPH``, ``QUOTE``) or literal text (``CODE``,
            ``TEXT``), lines joined with ``"\\n"``.
        level: A quote's depth (0 for other blocks).
    """

    kind: SimpleKind
    content: str
    level: int = 0


# A chunk is a run of non-blank lines (as in reader.formats.markdown_tokens).
_CHUNK = re.compile(r"(?:^[ \t]*[^ \t\n][^\n]*(?:\n|\Z))+", re.MULTILINE)
_FENCE_START = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})([^\n]*)(?:\n|\Z)")
_QUOTE_START = re.compile(r"(?: {0,3}>[ \t]?)+")
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*", re.MULTILINE)
# A line that a paragraph cannot hold: a list item, quote, fence, heading, rule, table row or
# indented code, or HTML.
_NOT_PARAGRAPH = re.compile(
    r"^(?:[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)| {0,3}(?:[>#|<=]|`{3}|~{3}|[-*_][ \t]*[-*_])"
    r"| {4}|\t)",
    re.MULTILINE,
)


def simple_blocks(text: str) -> Iterator[SimpleBlock]:
    """Read ``text`` (Markdown without front matter) into blocks, a chunk at a time."""
    run: list[str] = []  # consecutive TEXT chunks
    position = 0
    while True:
        match = _CHUNK.search(text, position)
        if match is None:
            break
        chunk = match.group()
        position = match.end()
        fence = _FENCE_START.match(chunk)
        if fence is not None and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            if run:
                yield from _text(run)
            marker = fence.group(1)
            closing = re.compile(
                rf"^[ \t]{{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", re.MULTILINE
            )
            start = match.start() + fence.end()
            end = closing.search(text, start)
            code = text[start : end.start() if end else len(text)]
            position = end.end() if end else len(text)
            yield SimpleBlock(SimpleKind.CODE, code.rstrip("\n"))
            continue
        quote = _QUOTE_START.match(chunk)
        if quote is not None:
            if run:
                yield from _text(run)
            content = _QUOTE_PREFIX.sub("", chunk).strip()
            yield SimpleBlock(SimpleKind.QUOTE, content, quote.group().count(">"))
            continue
        one_line = chunk.find("\n", 0, len(chunk) - 1) < 0  # then only its start can say
        if (_NOT_PARAGRAPH.match if one_line else _NOT_PARAGRAPH.search)(chunk) is None:
            if run:
                yield from _text(run)
            yield SimpleBlock(SimpleKind.PARAGRAPH, chunk.strip())
            continue
        run.append(chunk)
    if run:
        yield from _text(run)


def _text(run: list[str]) -> Iterator[SimpleBlock]:
    """The collected chunks as one ``TEXT`` block (the list emptied)."""
    if not run:
        return
    content = strip_line_ends("".join(run).expandtabs(4)).strip("\n")
    run.clear()
    if content.strip():
        yield SimpleBlock(SimpleKind.TEXT, content)
