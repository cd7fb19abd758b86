"""Wrapping a :class:`~reader.document.Document` into screen rows for a given width.

Pure logic (no Textual): the reading view asks :class:`TextLayout` which text a screen row holds
and which row an offset is on. Every block is wrapped greedily at spaces; the row counts of all
blocks are computed up front (a few tens of ms for a 3 MB book, thanks to ``str.rfind`` on text
whose cell width equals its length) and kept as running totals, while the line lists themselves
are built lazily for the blocks that are shown and cached.

Rows: each block takes its wrapped lines, followed by one blank separator row (except the last
block, and between the items of a list). Collapsed blocks (site chrome when hidden) take one row.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate

from rich.cells import cell_len, get_character_cell_size

from reader.document import Block, BlockKind, Document

_LINE_CACHE_SIZE = 2048


@dataclass(frozen=True, slots=True)
class Row:
    """One screen row of the laid-out document.

    Attributes:
        block: Index of the block the row belongs to.
        line: Index of the wrapped line within the block, or -1 for a separator row.
        start: Canonical offset of the row's first character.
        end: Canonical offset one past its last shown character.
    """

    block: int
    line: int
    start: int
    end: int

    @property
    def is_separator(self) -> bool:
        """True for the blank row between blocks."""
        return self.line < 0


def block_indent(block: Block) -> int:
    """Cells of decoration before every line of ``block`` (quote bars, list indents)."""
    if block.kind is BlockKind.QUOTE:
        return 2 * max(1, block.level)
    if block.kind is BlockKind.LIST_ITEM:
        return 2 * max(0, block.level - 1) + max(2, cell_len(block.marker) + 1)
    if block.kind is BlockKind.CODE:
        return 2
    return 0


def decoration(block: Block, line: int) -> str:
    """The quote bars, list marker or code gutter drawn before line ``line`` of ``block``.

    It takes the :func:`block_indent` cells that wrapping leaves free before every line.
    """
    if block.kind is BlockKind.QUOTE:
        return "│ " * max(1, block.level)
    if block.kind is BlockKind.LIST_ITEM:
        indent = block_indent(block)
        if line == 0:
            nest = " " * (2 * max(0, block.level - 1))
            return (nest + (block.marker or "•") + " ").ljust(indent)
        return " " * indent
    if block.kind is BlockKind.CODE:
        return "▏ "
    return ""


def wrap(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy-wrap ``text[start:end]`` into lines of at most ``width`` cells.

    Returns absolute ``(start, end)`` spans; a break at spaces drops those spaces, a word longer
    than the width is broken hard. Newlines inside the range always break.
    """
    width = max(1, width)
    lines: list[tuple[int, int]] = []
    position = start
    while True:
        newline = text.find("\n", position, end)
        stop = end if newline < 0 else newline
        _wrap_line(text, position, stop, width, lines)
        if newline < 0:
            break
        position = newline + 1
    return lines


def _wrap_line(text: str, start: int, end: int, width: int, out: list[tuple[int, int]]) -> None:
    segment = text[start:end]
    if segment.isascii():
        _wrap_narrow(text, start, end, width, out)
        return
    widths = cell_digits(segment)
    if "0" not in widths and "2" not in widths:
        _wrap_narrow(text, start, end, width, out)
    else:
        _wrap_wide(segment, widths, start, width, out)


def _wrap_narrow(text: str, start: int, end: int, width: int, out: list[tuple[int, int]]) -> None:
    position = start
    while end - position > width:
        cut = text.rfind(" ", position, position + width + 1)
        if cut <= position:
            out.append((position, position + width))
            position += width
        else:
            out.append((position, cut))
            position = cut + 1
        while position < end and text[position] == " ":
            position += 1
    out.append((position, end))


class CellDigits:
    """Each character's cells as a digit ("0", "1" or "2"), looked up once per character."""

    def __init__(self) -> None:
        self._table: dict[int, str] = {}  # for str.translate
        self._known: set[str] = set()  # the characters in the table

    def __call__(self, segment: str) -> str:
        """One digit per character of ``segment``: the cells it takes on a terminal.

        Counting digits in a slice (``str.count``) gives a slice's width at C speed; the old
        character-by-character loop took seconds for a 5 MB Chinese text.
        """
        new = set(segment).difference(self._known)
        if new:
            for character in new:
                self._table[ord(character)] = str(get_character_cell_size(character))
            self._known.update(new)
        return segment.translate(self._table)


#: The reading view's :class:`CellDigits`.
cell_digits = CellDigits()


def digits_width(widths: str) -> int:
    """The cells of the text whose :func:`cell_digits` are ``widths``."""
    return len(widths) + widths.count("2") - widths.count("0")


def _wrap_wide(segment: str, widths: str, base: int, width: int,
               out: list[tuple[int, int]]) -> None:
    """Greedy-wrap ``segment`` (at offset ``base``), whose characters take ``widths`` cells."""
    size = len(segment)

    def cells(start: int, stop: int) -> int:
        return stop - start + widths.count("2", start, stop) - widths.count("0", start, stop)

    position = 0
    while position < size:
        if cells(position, size) <= width:
            out.append((base + position, base + size))
            return
        # The first character that no longer fits: past at most `width` wide or narrow
        # characters, or further over zero-width ones.
        guess = position + width // 2  # all wide: the usual case of CJK text
        if cells(position, guess) == width and widths[guess] != "0":
            low, high = guess, guess + 1
        else:
            low, high = position, min(size, position + width + 1)
        while high < size and cells(position, high) <= width:
            high = min(size, high + width)
        while high - low > 1:  # cells(position, low) <= width < cells(position, high)
            middle = (low + high) // 2
            if cells(position, middle) <= width:
                low = middle
            else:
                high = middle
        fits = low  # segment[position:fits] fits
        space = segment.rfind(" ", position + 1, fits)
        if space > position:
            out.append((base + position, base + space))
            position = space + 1
        else:
            fits = max(fits, position + 1)
            out.append((base + position, base + fits))
            position = fits
        while position < size and segment[position] == " ":
            position += 1
    if not out or out[-1][1] != base + size:
        out.append((base + size, base + size))


def collapsed_blocks(document: Document, *, show: bool) -> frozenset[int]:
    """The blocks of site chrome folded away unless ``show`` (each run shows as one row)."""
    if show:
        return frozenset()
    return frozenset(index for index, block in enumerate(document.blocks)
                     if block.kind is BlockKind.CHROME)


def _gap(block: Block, following: Block | None) -> int:
    """Blank rows after ``block``: one between blocks, none inside a list or at the end."""
    if following is None:
        return 0
    if block.kind is BlockKind.LIST_ITEM and following.kind is BlockKind.LIST_ITEM:
        return 0
    return 1


@functools.lru_cache(maxsize=16)
def _longer_line(width: int) -> re.Pattern[str]:
    """Matches a line longer than ``width`` characters."""
    return re.compile(f"[^\n]{{{width + 1}}}")


class TextLayout:
    """Rows of a document at one width, with cheap row <-> offset mapping."""

    def __init__(self, document: Document, width: int, collapsed: frozenset[int] = frozenset()):
        self.document = document
        self.width = max(1, width)
        self.collapsed = collapsed
        self._lines: OrderedDict[int, list[tuple[int, int]]] = OrderedDict()
        counts = [self._count(index) for index in range(len(document.blocks))]
        blocks = document.blocks
        heights = []
        for index, count in enumerate(counts):
            after = index + (self.collapsed_run(index) or 1)  # skip a collapsed run
            following = blocks[after] if after < len(blocks) else None
            heights.append(count + _gap(blocks[index], following) if count else 0)
        self._line_counts = counts
        self._tops = [0, *accumulate(heights)]

    @property
    def height(self) -> int:
        """Total number of rows."""
        return self._tops[-1]

    def _count(self, index: int) -> int:
        if index in self.collapsed:
            # A run of collapsed blocks shows as one placeholder row, on its first block.
            return 0 if index - 1 in self.collapsed else 1
        block = self.document.blocks[index]
        inner = max(1, self.width - block_indent(block))
        text = self.document.text
        segment = text[block.start : block.end]
        if len(segment) <= inner and "\n" not in segment and (
                segment.isascii() or digits_width(cell_digits(segment)) <= inner):
            return 1
        if segment.isascii() and _longer_line(inner).search(segment) is None:
            # Only lines that fit: one row each, counted without wrapping (a block of
            # thousands of short lines, e.g. a poem or a long list shown as text).
            return segment.count("\n") + 1
        lines = wrap(text, block.start, block.end, inner)
        self._remember(index, lines)
        return len(lines)

    def _remember(self, index: int, lines: list[tuple[int, int]]) -> None:
        self._lines[index] = lines
        self._lines.move_to_end(index)
        while len(self._lines) > _LINE_CACHE_SIZE:
            self._lines.popitem(last=False)

    def lines(self, index: int) -> list[tuple[int, int]]:
        """The wrapped lines of block ``index`` (cached)."""
        cached = self._lines.get(index)
        if cached is not None:
            self._lines.move_to_end(index)
            return cached
        block = self.document.blocks[index]
        if index in self.collapsed:
            lines = [(block.start, block.end)]
        else:
            inner = max(1, self.width - block_indent(block))
            lines = wrap(self.document.text, block.start, block.end, inner)
        self._remember(index, lines)
        return lines

    def block_top(self, index: int) -> int:
        """The first row of block ``index``."""
        return self._tops[index]

    def row(self, y: int) -> Row | None:
        """Describe row ``y`` (None past the end)."""
        if y < 0 or y >= self.height:
            return None
        index = bisect.bisect_right(self._tops, y) - 1
        line = y - self._tops[index]
        if line >= self._line_counts[index]:
            block = self.document.blocks[index]
            return Row(index, -1, block.end, block.end)
        start, end = self.lines(index)[line]
        return Row(index, line, start, end)

    def collapsed_run(self, index: int) -> int:
        """How many collapsed blocks the placeholder on block ``index`` stands for."""
        count = 0
        while index + count in self.collapsed:
            count += 1
        return count

    def row_of_offset(self, offset: int) -> int:
        """The row showing canonical ``offset`` (the nearest row for offsets between blocks)."""
        if not self.document.blocks:
            return 0
        index = self.document.block_at(offset)
        block = self.document.blocks[index]
        if offset >= block.end and index + 1 < len(self.document.blocks):
            if offset > block.end:
                index += 1
                offset = self.document.blocks[index].start
        while self._line_counts[index] == 0 and index > 0:
            index -= 1  # inside a collapsed run: its placeholder row
            offset = self.document.blocks[index].start
        lines = self.lines(index)
        last = len(lines) - 1
        for number, (_start, end) in enumerate(lines):
            if offset < end or (
                offset == end and (number == last or lines[number + 1][0] > offset)
            ):
                return self._tops[index] + min(number, self._line_counts[index] - 1)
        return self._tops[index] + self._line_counts[index] - 1

    def offset_in_row(self, y: int, column: int) -> int:
        """The canonical offset at ``column`` cells into the text of row ``y``.

        The column is clamped to the row's text; above the first row it is the start of the
        text, below the last row its end.
        """
        row = self.row(y)
        if row is None:
            return len(self.document.text) if y >= self.height else 0
        return row.start + max(0, min(column, row.end - row.start))

    def offset_of_row(self, y: int) -> int:
        """The canonical offset of the first character shown on row ``y``."""
        row = self.row(min(max(0, y), max(0, self.height - 1)))
        if row is None:
            return 0
        if row.is_separator and row.block + 1 < len(self.document.blocks):
            # A blank row between blocks stands for the start of the next block.
            return self.document.blocks[row.block + 1].start
        return row.start
