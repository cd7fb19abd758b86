"""Kindle ``My Clippings.txt``: highlights and notes, in the languages Kindles write.

The file is a list of entries separated by a line of ten ``=``::

    Title (Author)
    - Your Highlight on page 12 | Location 180-182 | Added on Monday, 3 March 2025 10:15:00

    The highlighted text.
    ==========

The header line is localised (German ``Ihre Markierung … bei Position``, French ``Votre
surlignement … emplacement``, Spanish ``La subrayado … posición``, Italian ``La tua
evidenziazione … posizione``, Portuguese ``Seu destaque … posição``, Japanese ``位置No.
…のハイライト``, Chinese ``您在第 12 页（位置 #180-182）的标注``). Bookmarks are skipped; a note is
attached to the highlight of the same book whose location range holds it. Kindles keep every
version of a highlight: one extended or trimmed at an overlapping location replaces the
earlier version (the latest is kept), and one deleted and made again collapses into one.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from annotations.importers.dates import parse_kindle_date
from annotations.importers.record import (
    ImportedHighlight,
    ImportFormatError,
    ParseResult,
    Rejected,
    clean_text,
)

FORMAT = "kindle"
SEPARATOR = re.compile(r"^={10}\s*$", re.MULTILINE)

_BOOKMARK = ("bookmark", "lesezeichen", "signet", "marcador", "segnalibro", "ブックマーク", "书签")
_HIGHLIGHT = (
    "highlight", "markierung", "surlignement", "subrayado", "evidenziazione", "destaque",
    "ハイライト", "标注", "劃線", "划线", "標註",
)
_NOTE = ("note", "notiz", "nota", "メモ", "笔记", "筆記", "注释")
_LOCATION = re.compile(
    r"(?:location|loc\.|position|emplacement|posici[oó]n|posizione|posi[cç][aã]o|位置(?:\s*no\.)?)"
    r"\s*#?\s*(\d+)(?:\s*[-–]\s*(\d+))?",
    re.IGNORECASE,
)
_PAGE = re.compile(
    r"(?:\bpage|\bseite|p[aá]gina|第)\s*(\d+|[ivxlcdm]+\b)(?:\s*[-–]\s*(\d+))?"
    r"|(\d+)(?:\s*[-–]\s*\d+)?\s*(?:ページ|页|頁)",
    re.IGNORECASE,
)
_ADDED = re.compile(
    r"(?:added on|hinzugefügt am|ajouté le|añadido el|añadido|aggiunto in data|aggiunto il|"
    r"adicionado:?|adicionado em|作成日[:：]|添加于|添加於)\s*(.*)$",
    re.IGNORECASE,
)
_LIMIT = re.compile(r"^\s*<[^<>]{0,200}>\s*$")


@dataclass(slots=True)
class _Entry:
    index: int
    kind: str
    title: str
    author: str
    location: str
    start: int | None
    end: int | None
    page: str
    created: str
    text: str


def _kind(header: str) -> str | None:
    folded = header.casefold()
    for kind, words in (("bookmark", _BOOKMARK), ("highlight", _HIGHLIGHT), ("note", _NOTE)):
        if any(word in folded for word in words):
            return kind
    return None


def split_title(line: str) -> tuple[str, str]:
    """``Title (Author)`` → ``(title, author)``; the author is the last parenthesised part."""
    line = line.strip().lstrip("\ufeff").strip()
    match = re.match(r"^(.*\S)\s*\(([^()]*)\)\s*$", line)
    if match and match[1].strip():
        return match[1].strip(), match[2].strip()
    return line, ""


#: The header English Kindles write, read in one match (the general rules read the rest).
_ENGLISH = re.compile(
    r"Your (Highlight|Note|Bookmark) (?:on page (\d+|[ivxlcdm]+) \| |on |at )?"
    r"[Ll]ocation (\d+)(?:-(\d+))? \| Added on (.*)"
)


def _english_header(header: str) -> tuple[str, str, str, str, str | None] | None:
    """(kind, page, location start, location end, added text) of an English header."""
    found = _ENGLISH.fullmatch(header)
    if found is None:
        return None
    return (found[1].lower(), found[2] or "", found[3], found[4] or "", found[5])


def _any_header(header: str) -> tuple[str, str, str, str, str | None] | None:
    """The same as :func:`_english_header`, for a header in any language."""
    kind = _kind(header)
    if kind is None:
        return None
    location = _LOCATION.search(header)
    page = _PAGE.search(header)
    added = _ADDED.search(header)
    return (
        kind,
        (page[1] or page[3] or "") if page else "",
        location[1] if location else "",
        (location[2] or "") if location else "",
        added[1] if added else None,
    )


def _entry(index: int, block: str) -> _Entry | Rejected | None:
    lines = block.lstrip("\ufeff\n").split("\n")
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0].strip("\ufeff \t"):
        lines.pop(0)
    if not lines:
        return None
    where = f"clipping {index}"
    if len(lines) < 2 or not lines[1].lstrip().startswith("-"):
        return Rejected(where, "no '- Your Highlight …' header line after the title")
    title, author = split_title(lines[0])
    header = lines[1].lstrip()[1:].strip()
    parts = _english_header(header) or _any_header(header)
    if parts is None:
        return Rejected(where, f"unknown kind of clipping: {header[:60]!r}")
    kind, page_text, first, last, added = parts
    if len(first) > 10 or len(last) > 10:  # int() of thousands of digits would raise
        return Rejected(where, "location out of range")
    start = int(first) if first else None
    end = int(last) if last else start
    if last and start is not None and end is not None and end < start:
        # Old Kindles abbreviate "1801-1805" as "1801-05": take the missing leading digits.
        expanded = int(first[: len(first) - len(last)] + last)
        end = expanded if expanded >= start else start
    if start is not None and (start > 10**9 or (end or 0) > 10**9):
        return Rejected(where, "location out of range")
    place = []
    if page_text:
        place.append(f"page {page_text}")
    if start is not None:
        place.append(f"location {start}" + (f"-{end}" if end != start else ""))
    created = parse_kindle_date(added) if added is not None else ""
    if not created and "|" in header:
        created = parse_kindle_date(header.rsplit("|", 1)[1])
    try:
        text = clean_text("\n".join(lines[2:]), "text")
    except ValueError as error:
        return Rejected(where, str(error))
    return _Entry(
        index, kind, title, author, " ".join(place), start, end, page_text, created, text
    )


def _overlaps(a: _Entry, b: _Entry) -> bool:
    if a.start is not None and b.start is not None:
        return a.start <= (b.end or b.start) and b.start <= (a.end or a.start)
    return bool(a.page) and a.page == b.page


def _revision_of(old: _Entry, new: _Entry) -> bool:
    """``new`` is a later version of ``old`` (extended, trimmed, or made again)."""
    if not _overlaps(old, new):
        return False
    old_words, new_words = " ".join(old.text.split()), " ".join(new.text.split())
    if old_words in new_words or new_words in old_words:
        return True
    return (old.start, old.end) == (new.start, new.end) and old.start is not None


#: A highlight spanning more locations than this is checked against every later one.
_WIDE = 2000


class _Book:
    """The highlights kept for one book, indexed by location so that finding the earlier
    version of a highlight looks only at the highlights near it (a book with thousands of
    highlights stays linear)."""

    __slots__ = ("entries", "_starts", "_by_start", "_widest", "_wide", "_by_page")

    def __init__(self) -> None:
        self.entries: dict[int, _Entry] = {}
        """Kept entries by clipping index (insertion order is file order)."""
        self._starts: list[int] = []
        self._by_start: dict[int, list[_Entry]] = {}
        self._widest = 0
        self._wide: list[_Entry] = []
        """Entries spanning more than :data:`_WIDE` locations (always looked at)."""
        self._by_page: dict[str, list[_Entry]] = {}

    def candidates(self, entry: _Entry) -> list[_Entry]:
        """The kept entries that may overlap ``entry`` (a superset), in file order: those
        whose location range may meet its range, and those on its page when one of the two
        has no location."""
        same_page = self._by_page.get(entry.page, []) if entry.page else []
        if entry.start is None:
            return list(same_page)
        end = entry.end or entry.start
        low = bisect.bisect_left(self._starts, entry.start - self._widest)
        high = bisect.bisect_right(self._starts, end)
        found = [old for start in self._starts[low:high] for old in self._by_start[start]]
        found.extend(old for old in same_page if old.start is None)
        found.extend(self._wide)
        found.sort(key=_index)
        return found

    def add(self, entry: _Entry) -> _Entry | None:
        """Keep ``entry``; returns the earlier version it replaced, if any."""
        replaced = None
        for old in self.candidates(entry):
            if _revision_of(old, entry):
                self._remove(old)
                replaced = old
                break
        self.entries[entry.index] = entry
        if entry.start is not None and (entry.end or entry.start) - entry.start > _WIDE:
            self._wide.append(entry)
        elif entry.start is not None:
            if entry.start not in self._by_start:
                bisect.insort(self._starts, entry.start)
                self._by_start[entry.start] = []
            self._by_start[entry.start].append(entry)
            self._widest = max(self._widest, (entry.end or entry.start) - entry.start)
        if entry.page:
            self._by_page.setdefault(entry.page, []).append(entry)
        return replaced

    def _remove(self, entry: _Entry) -> None:
        del self.entries[entry.index]
        if entry in self._wide:
            self._wide.remove(entry)
        elif entry.start is not None:
            same = self._by_start[entry.start]
            same.remove(entry)
            if not same:
                del self._by_start[entry.start]
                del self._starts[bisect.bisect_left(self._starts, entry.start)]
        if entry.page:
            self._by_page[entry.page].remove(entry)


def _index(entry: _Entry) -> int:
    return entry.index


def parse(text: str) -> ParseResult:
    """Read every clipping of a ``My Clippings.txt``.

    Raises:
        ImportFormatError: when the text has no clipping separator at all.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not SEPARATOR.search(text) and "\n- " not in text:
        raise ImportFormatError("not a Kindle 'My Clippings.txt' (no '==========' separators)")
    result = ParseResult()
    books: dict[tuple[str, str], _Book] = {}
    notes: list[_Entry] = []
    for index, block in enumerate(SEPARATOR.split(text), start=1):
        entry = _entry(index, block)
        if entry is None:
            continue
        if isinstance(entry, Rejected):
            result.rejected.append(entry)
            continue
        where = f"clipping {index} ({entry.title[:40]})"
        if entry.kind == "bookmark":
            result.skipped += 1
            continue
        if _LIMIT.match(entry.text):
            result.rejected.append(
                Rejected(where, "the Kindle hit the clipping limit for this book: no text kept")
            )
            continue
        if not entry.text:
            result.rejected.append(Rejected(where, f"empty {entry.kind}"))
            continue
        if entry.kind == "note":
            notes.append(entry)
            continue
        book = books.get((entry.title, entry.author))
        if book is None:
            book = books[(entry.title, entry.author)] = _Book()
        replaced = book.add(entry)
        if replaced is not None:
            result.revisions += 1
            result.superseded.append(_highlight(replaced, ""))
    attached: dict[int, list[str]] = {}
    for note in notes:
        book = books.get((note.title, note.author))
        target = _note_target(book, note) if book is not None else None
        if target is None:
            where = f"clipping {note.index} ({note.title[:40]})"
            result.rejected.append(
                Rejected(where, f"note at {note.location or 'an unknown place'} has no highlight")
            )
            continue
        attached.setdefault(target.index, []).append(note.text)
    for book in books.values():
        for entry in book.entries.values():
            notes_text = "\n\n".join(attached.get(entry.index, []))
            result.highlights.append(_highlight(entry, notes_text))
    result.highlights.sort(key=_order)
    return result


def _highlight(entry: _Entry, note: str) -> ImportedHighlight:
    return ImportedHighlight(
        format=FORMAT,
        quote=entry.text,
        note=note,
        created=entry.created,
        updated=entry.created,
        location=entry.location,
        location_start=entry.start,
        location_end=entry.end,
        title=entry.title,
        author=entry.author,
    )


def _order(highlight: ImportedHighlight) -> tuple[str, str, int]:
    return (highlight.title, highlight.author, highlight.location_start or 0)


def _note_target(book: _Book, note: _Entry) -> _Entry | None:
    best: _Entry | None = None
    for entry in book.candidates(note):
        if note.start is not None and entry.start is not None:
            if entry.start <= note.start <= (entry.end or entry.start):
                best = entry  # the latest one holding the note's location
        elif note.page and note.page == entry.page:
            best = entry
    return best


def looks_like(text: str) -> bool:
    """True when ``text`` looks like a ``My Clippings.txt``."""
    head = text[:20000].replace("\r\n", "\n")
    return bool(SEPARATOR.search(head)) and "\n- " in head


__all__ = ["FORMAT", "looks_like", "parse", "split_title"]
