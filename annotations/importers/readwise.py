"""Readwise CSV export: one highlight per row (only the ``Highlight`` column is required).

Columns read: Highlight, Book Title, Book Author, Amazon Book ID, Note, Color, Tags,
Location Type, Location, Highlighted at, Document tags. Tags (comma separated) and document
tags are both kept as tags.
"""

from __future__ import annotations

import csv
import io

from annotations.importers.dates import parse_iso
from annotations.importers.record import (
    ImportedHighlight,
    ImportFormatError,
    ParseResult,
    Rejected,
    clean_text,
    clip_tags,
    map_color,
)

FORMAT = "readwise"


def _tags(*values: str) -> tuple[str, ...]:
    tags: list[str] = []
    for value in values:
        tags.extend(value.split(","))
    return clip_tags(tags)


def parse(text: str) -> ParseResult:
    """Read a Readwise CSV export.

    Raises:
        ImportFormatError: when there is no ``Highlight`` column.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFormatError("not a Readwise CSV (no header row)") from None
    columns = {name.strip().casefold(): index for index, name in enumerate(header)}
    if "highlight" not in columns:
        raise ImportFormatError("not a Readwise CSV (no 'Highlight' column)")
    result = ParseResult()
    row_number = 1
    while True:
        row_number += 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            result.rejected.append(Rejected(f"row {row_number}", f"bad CSV: {error}"))
            continue
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return row[index] if index is not None and index < len(row) else ""

        where = f"row {row_number}"
        try:
            quote = clean_text(cell("highlight"), "highlight", required=True)
            note = clean_text(cell("note"), "note")
            title = " ".join(clean_text(cell("book title"), "book title").split())[:500]
            author = " ".join(clean_text(cell("book author"), "book author").split())[:500]
            location_text = clean_text(cell("location"), "location")[:40]
        except ValueError as error:
            result.rejected.append(Rejected(where, str(error)))
            continue
        location_type = cell("location type").strip().lower() or "location"
        start = int(location_text) if location_text.isdigit() and len(location_text) < 10 else None
        location = f"{location_type} {location_text}" if location_text else ""
        identifier = cell("amazon book id").strip()[:100]
        result.highlights.append(
            ImportedHighlight(
                format=FORMAT,
                quote=quote,
                note=note,
                tags=_tags(cell("tags")[:5000], cell("document tags")[:5000]),
                color=map_color(cell("color")),
                created=parse_iso(cell("highlighted at")),
                updated=parse_iso(cell("highlighted at")),
                location=location,
                location_start=start,
                location_end=start,
                title=title,
                author=author,
                identifier=identifier,
            )
        )
    return result


def looks_like(text: str) -> bool:
    """True when the first line is a CSV header with a ``Highlight`` column."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        header = next(csv.reader([first]))
    except (StopIteration, csv.Error):
        return False
    return "highlight" in {name.strip().casefold() for name in header}
