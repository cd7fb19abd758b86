"""Bounding the blocks of a file of very many paragraphs or lines: the rest shown as text.

Every paragraph, list item or footnote costs a parser a few microseconds and the reading view
a block, whatever its size: a 5 MB file of one-letter paragraphs (1.7 million of them) took
10-15 s to open. Past :data:`MAX_PARAGRAPHS` paragraph breaks or :data:`MAX_LINES` lines, a
file is read in its format only for its first :data:`HEAD_PARAGRAPHS` paragraphs (or
:data:`HEAD_LINES` lines); the rest is shown as text, as written, in blocks of about
:data:`BULK_BLOCK_CHARS` characters (:func:`bulk_blocks`). No real article or book comes near:
a 5 MB novel has about 20,000 paragraphs and 100,000 lines.
"""

from __future__ import annotations

import re

from reader.document import Block, BlockKind, Document, DocumentBuilder

__all__ = ["MAX_PARAGRAPHS", "MAX_LINES", "HEAD_PARAGRAPHS", "HEAD_LINES", "BULK_BLOCK_CHARS",
           "BULK_NOTICE", "split_bulk_tail", "split_bulk_paragraphs", "bulk_blocks",
           "with_bulk_text", "strip_line_ends"]

#: Past this many paragraph breaks or lines, only the start is read in the file's format.
MAX_PARAGRAPHS = 150_000
MAX_LINES = 600_000
HEAD_PARAGRAPHS = 10_000
HEAD_LINES = 50_000
#: The rest is shown as text, as written, in blocks of about this many characters.
BULK_BLOCK_CHARS = 4096
BULK_NOTICE = ("This file has very many paragraphs or lines: past its start it is shown as "
               "text, as written.")
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_BLANKS = re.compile(r"(?<![ \t])[ \t]+$", re.MULTILINE)


def split_bulk_tail(text: str) -> tuple[str, str]:
    """``text`` cut into the part read in its format and the rest shown as text ("" if the
    file is not that large)."""
    if text.count("\n\n") <= MAX_PARAGRAPHS and text.count("\n") <= MAX_LINES:
        return text, ""
    cut = _nth(text, "\n\n", HEAD_PARAGRAPHS)
    by_lines = _nth(text, "\n", HEAD_LINES)
    if by_lines < cut:  # end at the paragraph break before that line, if there is one
        before = text.rfind("\n\n", 0, by_lines)
        cut = before if before > by_lines // 2 else by_lines
    return text[:cut], text[cut:]


def strip_line_ends(text: str) -> str:
    """``text`` without spaces or tabs at the end of its lines.

    The pattern is only tried where a run of blanks starts: ``[ \\t]+$`` alone is tried at every
    blank of a run, so a line of a million spaces before its text took hours.
    """
    if " \n" not in text and "\t\n" not in text and not text.endswith((" ", "\t")):
        return text  # nothing to strip (the usual case)
    return _TRAILING_BLANKS.sub("", text)


def split_bulk_paragraphs(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Paragraphs already found (a very large web page read as text) cut as
    :func:`split_bulk_tail` cuts a file: past :data:`MAX_PARAGRAPHS` of them, the first
    :data:`HEAD_PARAGRAPHS` and the rest (``[]`` if there are not that many)."""
    if len(paragraphs) <= MAX_PARAGRAPHS:
        return paragraphs, []
    return paragraphs[:HEAD_PARAGRAPHS], paragraphs[HEAD_PARAGRAPHS:]


def _nth(text: str, separator: str, count: int) -> int:
    """The offset of the ``count``-th ``separator`` in ``text`` (its length if fewer)."""
    position = -1
    for _ in range(count):
        position = text.find(separator, position + 1)
        if position < 0:
            return len(text)
    return position


def bulk_blocks(tail: str) -> list[str]:
    """The texts of the blocks showing ``tail`` as written: trailing spaces dropped, runs of
    blank lines made one, cut at paragraph breaks (else line breaks) into blocks of about
    :data:`BULK_BLOCK_CHARS` characters."""
    tail = _BLANK_LINES.sub("\n\n", strip_line_ends(tail.expandtabs(4))).strip("\n")
    blocks = []
    start = 0
    while start < len(tail):
        end = start + BULK_BLOCK_CHARS
        skip = 0
        if end < len(tail):
            for separator in ("\n\n", "\n", " "):
                cut = tail.rfind(separator, start + 1, end)
                if cut > start:
                    end, skip = cut, len(separator)
                    break
        piece = tail[start:end].strip("\n")
        if piece.strip():
            blocks.append(piece)
        start = end + skip
    return blocks


def with_bulk_text(document: Document, texts: list[str]) -> Document:
    """``document`` with paragraphs of ``texts`` after its blocks (offsets kept)."""
    separator = DocumentBuilder.SEPARATOR
    parts = [document.text]
    blocks = list(document.blocks)
    length = len(document.text)
    for text in texts:
        if length:
            parts.append(separator)
            length += len(separator)
        parts.append(text)
        blocks.append(Block(BlockKind.PARAGRAPH, length, length + len(text)))
        length += len(text)
    return Document("".join(parts), blocks, document.spans)
