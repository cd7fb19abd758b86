"""The structured, canonical form of an article that every other part of postil works on.

An article file is decoded, cleaned and parsed into a :class:`Document`: one canonical text plus
a list of :class:`Block` ranges (title, paragraphs, headings, quotes, ...) and inline
:class:`Span` styles. Every character offset in postil — highlight anchors, search hits, reading
positions, the sentence cursor — is an index into ``Document.text``.

The canonical text is what the reader sees: decoded, newline-normalised, stripped of control
characters and escape sequences (see :mod:`reader.sanitize`), with Markdown syntax rendered away.
Blocks are separated by a blank line (``"\\n\\n"``), so a block's text is exactly
``text[block.start:block.end]``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from enum import StrEnum


class BlockKind(StrEnum):
    """What a block of the article is; decides how the reading view styles it."""

    TITLE = "title"
    DEK = "dek"
    BYLINE = "byline"
    PARAGRAPH = "paragraph"
    HEADING = "heading"
    QUOTE = "quote"
    LIST_ITEM = "list_item"
    CODE = "code"
    RULE = "rule"
    CHROME = "chrome"
    """Site chrome in scraped text ("Most Popular", "SHOW COMMENT"): dimmed, collapsible."""
    NOTE = "note"
    """A footnote or endnote of a book (counted and searched like prose)."""
    IMAGE = "image"
    """An image placeholder, ``[image: alt text]``: shown, but not searched or counted."""


#: Block kinds that hold the article's own prose (counted as words, searched by default).
BODY_KINDS = frozenset(
    {
        BlockKind.PARAGRAPH,
        BlockKind.HEADING,
        BlockKind.QUOTE,
        BlockKind.LIST_ITEM,
        BlockKind.CODE,
        BlockKind.DEK,
        BlockKind.NOTE,
    }
)


@dataclass(frozen=True, slots=True)
class Block:
    """A range of the canonical text with a structural kind.

    Attributes:
        kind: What the block is.
        start: Offset of its first character in the canonical text.
        end: Offset one past its last character.
        level: Heading level (1-6), list nesting depth or quote depth; 0 when not relevant.
        marker: A decoration drawn before the first line but not part of the text ("•", "3.").
    """

    kind: BlockKind
    start: int
    end: int
    level: int = 0
    marker: str = ""


@dataclass(frozen=True, slots=True)
class Span:
    """An inline style over a range of the canonical text (emphasis, code, a link)."""

    start: int
    end: int
    style: str
    """One of ``"em"``, ``"strong"``, ``"code"``, ``"link"``, ``"strike"``."""
    url: str | None = None


_SENTENCE_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+|$)""")


@dataclass(slots=True)
class Document:
    """Canonical text with its block structure and inline styles.

    Attributes:
        text: The canonical text; every offset in postil indexes into it.
        blocks: Non-overlapping blocks in text order.
        spans: Inline styles, sorted by start.
    """

    text: str
    blocks: list[Block]
    spans: list[Span] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._starts = [block.start for block in self.blocks]

    def block_text(self, index: int) -> str:
        """Return the text of block ``index``."""
        block = self.blocks[index]
        return self.text[block.start : block.end]

    def block_at(self, offset: int) -> int:
        """Return the index of the block containing (or nearest before) ``offset``."""
        if not self.blocks:
            return 0
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def spans_in(self, start: int, end: int) -> list[Span]:
        """Return the inline spans that overlap ``[start, end)``."""
        return [span for span in self.spans if span.start < end and span.end > start]

    def sentences_in_block(self, index: int) -> list[tuple[int, int]]:
        """Split block ``index`` into sentence spans (absolute offsets, whitespace trimmed)."""
        block = self.blocks[index]
        return split_sentences(self.text, block.start, block.end)

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        """Return the sentence span containing ``offset`` (or the next one after it)."""
        if not self.blocks:
            return None
        index = self.block_at(offset)
        for start, end in self.sentences_in_block(index):
            if offset < end:
                return (start, end)
        return self.next_sentence(offset)

    def next_sentence(self, offset: int) -> tuple[int, int] | None:
        """Return the first sentence starting after ``offset``."""
        index = self.block_at(offset)
        for block_index in range(index, len(self.blocks)):
            for start, end in self.sentences_in_block(block_index):
                if start > offset:
                    return (start, end)
        return None

    def previous_sentence(self, offset: int) -> tuple[int, int] | None:
        """Return the last sentence starting before ``offset``."""
        index = self.block_at(offset)
        for block_index in range(index, -1, -1):
            for start, end in reversed(self.sentences_in_block(block_index)):
                if start < offset:
                    return (start, end)
        return None

    def word_count(self, kinds: frozenset[BlockKind] = BODY_KINDS) -> int:
        """Count the words in blocks of the given kinds."""
        text = self.text
        excluded = [block for block in self.blocks if block.kind not in kinds]
        if len(excluded) * 4 < len(self.blocks):
            # Mostly body: count everything in one pass, then subtract the few other blocks.
            return len(text.split()) - sum(
                len(text[block.start : block.end].split()) for block in excluded
            )
        return sum(
            len(text[block.start : block.end].split())
            for block in self.blocks
            if block.kind in kinds
        )


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences, returned as absolute ``(start, end)`` spans.

    Newlines (inside code blocks or verse) also end a sentence. Abbreviation-aware splitting is
    not attempted: a "U.S." in the middle of a sentence followed by a capital may split it, which
    only costs one extra ``]`` press.
    """
    spans: list[tuple[int, int]] = []
    chunk = text[start:end]
    position = 0
    for line in chunk.split("\n"):
        line_start = position
        position += len(line) + 1
        cursor = 0
        for match in _SENTENCE_END.finditer(line):
            stop = match.end()
            following = line[stop:].lstrip()
            # "U.S. authorities": a dot followed by a lowercase word is not a sentence end.
            if following and not (following[0].isupper() or following[0] in "\"'“‘(["):
                continue
            if _is_abbreviation(line, match.start()):
                continue
            _append_trimmed(spans, line, cursor, stop, start + line_start)
            cursor = stop
        _append_trimmed(spans, line, cursor, len(line), start + line_start)
    return spans


_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "jr", "sr"}
)


def _is_abbreviation(line: str, dot: int) -> bool:
    word_start = dot
    while word_start > 0 and not line[word_start - 1].isspace():
        word_start -= 1
    word = line[word_start:dot].lower().strip("\"'“(")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and word.isupper())


def _append_trimmed(
    spans: list[tuple[int, int]], line: str, start: int, end: int, base: int
) -> None:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((base + start, base + end))


_SEPARATOR = "\n\n"
_SEPARATOR_LENGTH = len(_SEPARATOR)


class DocumentBuilder:
    """Builds a :class:`Document` block by block, keeping offsets consistent.

    Loaders call :meth:`add` for each block; the builder inserts the blank-line separators.
    Inline spans are given relative to the block's own text.
    """

    SEPARATOR = _SEPARATOR

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.blocks: list[Block] = []
        self.spans: list[Span] = []

    def add(
        self,
        kind: BlockKind,
        text: str,
        level: int = 0,
        marker: str = "",
        spans: list[Span] | None = None,
    ) -> Block | None:
        """Append a block with ``text`` (already cleaned); empty text adds nothing."""
        if not text:
            return None
        parts = self._parts
        # The separators are put in by build(): each block after the first starts after one.
        start = self._length + _SEPARATOR_LENGTH if parts else 0
        parts.append(text)
        end = self._length = start + len(text)
        block = Block(kind, start, end, level, marker)
        self.blocks.append(block)
        if spans:
            self.spans.extend(
                [Span(start + span.start, start + span.end, span.style, span.url) for span in spans]
            )
        return block

    def build(self) -> Document:
        """Return the finished document."""
        self.spans.sort(key=lambda span: (span.start, span.end))
        return Document(self.SEPARATOR.join(self._parts), self.blocks, self.spans)
