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
    kind = _kind(header)
    if kind is None:
        return Rejected(where, f"unknown kind of clipping: {header[:60]!r}")
    location = _LOCATION.search(header)
    page = _PAGE.search(header)
    start = int(location[1]) if location else None
    end = int(location[2]) if location and location[2] else start
    if location and location[2] and start is not None and end is not None and end < start:
        # Old Kindles abbreviate "1801-1805" as "1801-05": take the missing leading digits.
        digits = location[1]
        expanded = int(digits[: len(digits) - len(location[2])] + location[2])
        end = expanded if expanded >= start else start
    if start is not None and (start > 10**9 or (end or 0) > 10**9):
        return Rejected(where, "location out of range")
    page_text = ""
    if page:
        page_text = page[1] or page[3] or ""
    place = []
    if page_text:
        place.append(f"page {page_text}")
    if start is not None:
        place.append(f"location {start}" + (f"-{end}" if end != start else ""))
    added = _ADDED.search(header)
    created = parse_kindle_date(added[1]) if added else ""
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


def parse(text: str) -> ParseResult:
    """Read every clipping of a ``My Clippings.txt``.

    Raises:
        ImportFormatError: when the text has no clipping separator at all.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not SEPARATOR.search(text) and "\n- " not in text:
        raise ImportFormatError("not a Kindle 'My Clippings.txt' (no '==========' separators)")
    result = ParseResult()
    books: dict[tuple[str, str], list[_Entry]] = {}
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
        kept = books.setdefault((entry.title, entry.author), [])
        for position, old in enumerate(kept):
            if _revision_of(old, entry):
                kept.pop(position)
                result.revisions += 1
                break
        kept.append(entry)
    attached: dict[int, list[str]] = {}
    for note in notes:
        target = _note_target(books.get((note.title, note.author), []), note)
        if target is None:
            where = f"clipping {note.index} ({note.title[:40]})"
            result.rejected.append(
                Rejected(where, f"note at {note.location or 'an unknown place'} has no highlight")
            )
            continue
        attached.setdefault(target.index, []).append(note.text)
    for entries in books.values():
        for entry in entries:
            result.highlights.append(
                ImportedHighlight(
                    format=FORMAT,
                    quote=entry.text,
                    note="\n\n".join(attached.get(entry.index, [])),
                    created=entry.created,
                    updated=entry.created,
                    location=entry.location,
                    location_start=entry.start,
                    location_end=entry.end,
                    title=entry.title,
                    author=entry.author,
                )
            )
    result.highlights.sort(key=_order)
    return result


def _order(highlight: ImportedHighlight) -> tuple[str, str, int]:
    return (highlight.title, highlight.author, highlight.location_start or 0)


def _note_target(entries: list[_Entry], note: _Entry) -> _Entry | None:
    best: _Entry | None = None
    for entry in entries:
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
