"""What postil knows about a book beyond its text: metadata, chapters, contents, link targets.

An EPUB is read into one canonical :class:`~reader.document.Document` (the spine in order) plus
a :class:`Book`: every chapter and table-of-contents entry is a ``start`` offset into that
canonical text, and every internal link target (``chapter.xhtml#note-3``) is an offset too. So
"which chapter is this highlight in", "jump to chapter 12" and "follow this footnote" are all
look-ups by offset, and highlights, search and export need nothing book-specific to work.

Internal links are kept in the document as ``link`` spans whose ``url`` starts with
:data:`INTERNAL_LINK` (``"#"``) followed by the target key; :meth:`Book.target_of` resolves it.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

from reader.document import BlockKind, Document

#: Prefix of the ``url`` of a link span that points inside the book.
INTERNAL_LINK = "#"


@dataclass(frozen=True, slots=True)
class Creator:
    """An author, editor, translator... of a book (``dc:creator`` / ``dc:contributor``).

    Attributes:
        name: The name as printed.
        file_as: The sort form ("Melville, Herman"), or "".
        role: A MARC relator code ("aut", "trl", "edt") or "" when not given.
    """

    name: str
    file_as: str = ""
    role: str = ""

    def to_json(self) -> dict[str, str]:
        """The JSON object ``postil list --json`` prints for this creator."""
        return {"name": self.name, "file_as": self.file_as, "role": self.role}


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One entry of the table of contents.

    Attributes:
        title: The entry's label.
        level: Nesting depth, 1 for top-level entries.
        start: Offset into the canonical text where the entry's target begins.
    """

    title: str
    level: int
    start: int

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``postil toc --json`` prints for this entry."""
        return {"title": self.title, "level": self.level, "start": self.start}


@dataclass(frozen=True, slots=True)
class Chapter:
    """One spine item (chapter file) as a range of the canonical text.

    Attributes:
        href: Its path inside the EPUB.
        start: Offset of its first character.
        end: Offset one past its last character.
        title: Its title (from the contents, else its first heading, else "").
        linear: False for non-linear items (shown after the linear ones, reached by links).
        spine_index: Its position in the package's spine (for EPUB CFIs).
    """

    href: str
    start: int
    end: int
    title: str = ""
    linear: bool = True
    spine_index: int = 0


@dataclass(frozen=True, slots=True)
class ChapterPosition:
    """Where an offset is in the book's contents (for the status line).

    Attributes:
        number: 1-based number of the contents entry the offset is in.
        total: Number of contents entries.
        title: The entry's title.
        start: Where the entry starts.
        end: Where the next entry starts (or the end of the text).
    """

    number: int
    total: int
    title: str
    start: int
    end: int

    def progress(self, offset: int) -> float:
        """How far ``offset`` is through this chapter, 0-1."""
        length = self.end - self.start
        return 1.0 if length <= 0 else min(1.0, max(0.0, (offset - self.start) / length))


@dataclass(slots=True)
class Book:
    """The book structure that goes with an EPUB's canonical text.

    Attributes:
        creators: Authors and other contributors, in order.
        language: Language code(s) of the book, comma separated, or "".
        publisher: Publisher, or "".
        identifier: The unique identifier (ISBN, UUID, ...), or "".
        series: Series name, or "".
        series_index: Position in the series ("3"), or "".
        chapters: Spine items in reading order.
        toc: Table of contents in reading order (nested by ``level``).
        targets: Internal link target key -> offset.
        notes: Offsets of the blocks that are footnotes / endnotes (sorted).
        skipped: What could not be read (shown as a notice).
    """

    creators: list[Creator] = field(default_factory=list)
    language: str = ""
    publisher: str = ""
    identifier: str = ""
    series: str = ""
    series_index: str = ""
    chapters: list[Chapter] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)
    targets: dict[str, int] = field(default_factory=dict)
    notes: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    _toc_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Recompute the look-up tables after ``toc`` changed."""
        self._toc_starts = [entry.start for entry in self.toc]

    @property
    def authors(self) -> list[Creator]:
        """Creators who are authors (role ``aut`` or no role given)."""
        return [c for c in self.creators if c.role in {"", "aut"}] or self.creators[:1]

    def target_of(self, url: str | None) -> int | None:
        """The offset an internal link ``url`` points at, or None (external or unknown)."""
        if not url or not url.startswith(INTERNAL_LINK):
            return None
        key = url[len(INTERNAL_LINK) :]
        found = self.targets.get(key)
        if found is None and "#" in key:
            found = self.targets.get(key.split("#", 1)[0])
        return found

    def is_note(self, offset: int) -> bool:
        """True when ``offset`` is the start of a footnote / endnote block."""
        index = bisect.bisect_left(self.notes, offset)
        return index < len(self.notes) and self.notes[index] == offset

    def chapter_index(self, offset: int) -> int | None:
        """Index into :attr:`toc` of the entry ``offset`` is in (None before the first)."""
        if not self.toc:
            return None
        index = bisect.bisect_right(self._toc_starts, offset) - 1
        return index if index >= 0 else None

    def chapter_at(self, offset: int, text_length: int) -> ChapterPosition | None:
        """The contents entry ``offset`` is in, with its extent, or None."""
        index = self.chapter_index(offset)
        if index is None:
            return None
        entry = self.toc[index]
        end = text_length
        for following in self.toc[index + 1 :]:
            if following.start > entry.start:
                end = following.start
                break
        return ChapterPosition(index + 1, len(self.toc), entry.title, entry.start, end)

    def chapter_title(self, offset: int) -> str:
        """The title of the contents entry ``offset`` is in ("" when none)."""
        index = self.chapter_index(offset)
        return self.toc[index].title if index is not None else ""

    def cfi_at(self, offset: int) -> str:
        """The EPUB CFI of the spine item ``offset`` is in (``epubcfi(/6/4)``), or ""."""
        starts = [chapter.start for chapter in self.chapters]
        index = bisect.bisect_right(starts, offset) - 1
        if index < 0:
            return ""
        return f"epubcfi(/6/{2 * (self.chapters[index].spine_index + 1)})"

    def next_chapter(self, offset: int) -> int | None:
        """Start of the first contents entry after ``offset``."""
        index = bisect.bisect_right(self._toc_starts, offset)
        return self.toc[index].start if index < len(self.toc) else None

    def previous_chapter(self, offset: int) -> int | None:
        """Start of the current entry, or of the one before if ``offset`` is at its start."""
        index = bisect.bisect_left(self._toc_starts, offset) - 1
        return self.toc[index].start if index >= 0 else None


def chapter_for(toc: list[TocEntry], offset: int) -> str:
    """Title of the entry of ``toc`` (sorted by start) that ``offset`` falls in ("" if none)."""
    starts = [entry.start for entry in toc]
    index = bisect.bisect_right(starts, offset) - 1
    return toc[index].title if index >= 0 else ""


def book_status(
    book: Book, offset: int, book_progress: float, text_length: int, words_per_char: float,
    words_per_minute: int,
) -> str:
    """The status-line text for a book: ``Ch. 12 The Mat-Maker · 34 % of book · 8 min left in
    chapter``.

    Args:
        book: The book.
        offset: The reading position (top of the view).
        book_progress: How far through the book the reader is, 0-1.
        text_length: Length of the canonical text.
        words_per_char: Words per character of the book (to estimate the chapter's words).
        words_per_minute: Reading speed.
    """
    parts: list[str] = []
    position = book.chapter_at(offset, text_length)
    if position is not None:
        title = position.title if len(position.title) <= 40 else position.title[:39] + "…"
        parts.append(f"Ch. {position.number} {title}".rstrip())
    parts.append(f"{round(book_progress * 100)} % of book")
    if position is not None:
        left_chars = max(0, position.end - max(offset, position.start))
        minutes = math.ceil(left_chars * words_per_char / max(1, words_per_minute))
        parts.append(f"{minutes} min left in chapter" if left_chars else "end of chapter")
    return " · ".join(parts)


def filter_entries(titles: list[str], query: str) -> list[int]:
    """Indexes of the ``titles`` that fuzzy-match ``query``, in their original (reading) order.

    A title matches when every word of the query is found in it, exactly, as a subsequence of
    its letters ("mtmkr" finds "The Mat-Maker"), or with a typo (similarity of 80 or more).
    """
    from rapidfuzz import fuzz

    words = query.casefold().split()
    if not words:
        return list(range(len(titles)))
    found: list[int] = []
    for index, title in enumerate(titles):
        folded = title.casefold()
        if all(
            word in folded
            or _is_subsequence(word, folded)
            or (len(word) >= 4 and fuzz.partial_ratio(word, folded) >= 80)
            for word in words
        ):
            found.append(index)
    return found


def _is_subsequence(needle: str, haystack: str) -> bool:
    position = 0
    for character in needle:
        position = haystack.find(character, position)
        if position < 0:
            return False
        position += 1
    return True


def contents_of(document: Document, book: Book | None) -> list[TocEntry]:
    """What the contents screen and the chapter keys use: the book's table of contents, else
    the document's headings (articles, and a book's preview before its contents are read)."""
    if book is not None and book.toc:
        return book.toc
    return [
        TocEntry(" ".join(document.block_text(index).split()), max(1, block.level), block.start)
        for index, block in enumerate(document.blocks)
        if block.kind is BlockKind.HEADING
    ]


def current_entry(entries: list[TocEntry], offset: int) -> int | None:
    """Index of the entry ``offset`` is in (entries sorted by start), or None before the first."""
    index = bisect.bisect_right([entry.start for entry in entries], offset) - 1
    return index if index >= 0 else None


def step_entry(entries: list[TocEntry], offset: int, forward: bool) -> int | None:
    """Start of the next entry after ``offset``, or of the entry before it (None: no such)."""
    starts = sorted({entry.start for entry in entries})
    if forward:
        index = bisect.bisect_right(starts, offset)
        return starts[index] if index < len(starts) else None
    index = bisect.bisect_left(starts, offset) - 1
    return starts[index] if index >= 0 else None


#: A footnote popup shows at most this many characters.
MAX_NOTE_CHARS = 4000


def note_text(document: Document, book: Book | None, target: int) -> str:
    """The text of the note starting at ``target``: its block, and the following blocks of the
    same footnote (up to the next note), at most :data:`MAX_NOTE_CHARS` characters."""
    if not document.blocks:
        return ""
    index = document.block_at(target)
    first = document.blocks[index]
    parts = [document.block_text(index)]
    if first.kind is BlockKind.NOTE:
        for following in range(index + 1, len(document.blocks)):
            block = document.blocks[following]
            if block.kind is not BlockKind.NOTE or (book is not None and book.is_note(block.start)):
                break
            parts.append(document.block_text(following))
            if sum(len(part) for part in parts) > MAX_NOTE_CHARS:
                break
    text = "\n\n".join(parts)
    return text if len(text) <= MAX_NOTE_CHARS else text[: MAX_NOTE_CHARS - 1] + "…"
