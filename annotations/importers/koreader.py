"""KOReader sidecar files (``book.sdr/metadata.epub.lua``): highlights, notes, chapters.

Both layouts KOReader has written are read: the newer ``annotations`` list (2024 and later)
and the older ``highlight`` table (by page) with notes kept in ``bookmarks``. The title and
authors come from ``doc_props``; the document's file name (from ``doc_path``) is kept as an
identifier for matching. The file is parsed as data (:mod:`annotations.importers.lua`), never
run, and ``doc_path`` is never opened.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from annotations.importers.dates import parse_iso
from annotations.importers.lua import LuaError, as_list, parse_lua_table
from annotations.importers.record import (
    ImportedHighlight,
    ImportFormatError,
    ParseResult,
    Rejected,
    clean_text,
    map_color,
)

FORMAT = "koreader"
_AUTO_NOTE = re.compile(r"@ ?\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?\s*$")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _file_name(doc_path: str) -> str:
    if not doc_path:
        return ""
    name = PureWindowsPath(doc_path).name if "\\" in doc_path else PurePosixPath(doc_path).name
    return name[:255]


def _book(table: dict[Any, Any], fallback_title: str) -> tuple[str, str, str]:
    props = table.get("doc_props")
    props = props if isinstance(props, dict) else {}
    doc_path = _text(table.get("doc_path"))
    file_name = _file_name(doc_path)
    title = " ".join(_text(props.get("title")).split())[:500]
    if not title:
        title = PurePosixPath(file_name).stem if file_name else fallback_title
    authors = _text(props.get("authors"))
    author = ", ".join(part.strip() for part in authors.split("\n") if part.strip())[:500]
    return title, author, file_name


def _place(item: dict[Any, Any]) -> str:
    page = item.get("pageno", item.get("page"))
    if isinstance(page, int) and not isinstance(page, bool) and 0 <= page < 10**9:
        return f"page {page}"
    return ""


def _position_key(item: dict[Any, Any]) -> str:
    pos0 = item.get("pos0")
    return pos0[:500] if isinstance(pos0, str) else ""


def _highlight(
    item: Any, where: str, title: str, author: str, file_name: str, note: str = ""
) -> ImportedHighlight | Rejected:
    if not isinstance(item, dict):
        return Rejected(where, "not a table")
    try:
        quote = clean_text(item.get("text"), "text", required=True)
        note = clean_text(item.get("note"), "note") or note
        chapter = clean_text(item.get("chapter"), "chapter")[:500]
    except ValueError as error:
        return Rejected(where, str(error))
    created = parse_iso(item.get("datetime"))
    updated = parse_iso(item.get("datetime_updated")) or created
    location = " ".join(part for part in (_place(item), _position_key(item)) if part)
    return ImportedHighlight(
        format=FORMAT,
        quote=quote,
        note=note,
        color=map_color(item.get("color")),
        created=created,
        updated=updated,
        location=location,
        chapter=chapter,
        title=title,
        author=author,
        identifier=file_name,
    )


def parse(text: str, name: str = "metadata.lua") -> ParseResult:
    """Read one sidecar file's highlights.

    Raises:
        ImportFormatError: when the file is not a Lua table literal.
    """
    try:
        table = parse_lua_table(text)
    except LuaError as error:
        raise ImportFormatError(f"not a KOReader metadata file ({error})") from None
    title, author, file_name = _book(table, PurePosixPath(name).parent.stem.removesuffix(".sdr"))
    result = ParseResult()
    annotations = table.get("annotations")
    if isinstance(annotations, dict):
        for index, item in enumerate(as_list(annotations), start=1):
            where = f"{name}: annotation {index}"
            if isinstance(item, dict) and "pos0" not in item and "drawer" not in item:
                result.skipped += 1  # a bookmark (a page, no text)
                continue
            found = _highlight(item, where, title, author, file_name)
            _add(result, found)
        return result
    notes = _old_notes(table.get("bookmarks"))
    highlight = table.get("highlight")
    pages = highlight if isinstance(highlight, dict) else {}
    for page in sorted(pages, key=str):
        for index, item in enumerate(as_list(pages[page]), start=1):
            where = f"{name}: highlight {page}/{index}"
            stamp = item.get("datetime") if isinstance(item, dict) else None
            note = notes.get(stamp, "") if isinstance(stamp, str) else ""
            if isinstance(item, dict) and "pageno" not in item and isinstance(page, int):
                item = {**item, "pageno": page}
            _add(result, _highlight(item, where, title, author, file_name, note))
    bookmarks = as_list(table.get("bookmarks"))
    result.skipped += sum(
        1 for b in bookmarks if isinstance(b, dict) and not b.get("highlighted")
    )
    return result


def _old_notes(bookmarks: Any) -> dict[str, str]:
    """Notes of the old layout: a highlighted bookmark's ``text`` unless KOReader wrote it."""
    notes: dict[str, str] = {}
    for bookmark in as_list(bookmarks):
        if not isinstance(bookmark, dict) or not bookmark.get("highlighted"):
            continue
        stamp, text = bookmark.get("datetime"), bookmark.get("text")
        if not isinstance(stamp, str) or not isinstance(text, str) or not text.strip():
            continue
        if _AUTO_NOTE.search(text) or text.strip() == _text(bookmark.get("notes")).strip():
            continue
        try:
            notes[stamp] = clean_text(text, "note")
        except ValueError:
            continue
    return notes


def _add(result: ParseResult, found: ImportedHighlight | Rejected) -> None:
    if isinstance(found, Rejected):
        result.rejected.append(found)
    else:
        result.highlights.append(found)


def is_sidecar_name(name: str) -> bool:
    """True for ``metadata.<ext>.lua`` names (inside a ``*.sdr`` folder)."""
    return name.startswith("metadata.") and name.endswith(".lua")
