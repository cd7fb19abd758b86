"""The record every importer produces: one highlight as the source described it."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field

from annotations.model import Color

#: Longest quote or note accepted from an import (longer records are rejected).
MAX_TEXT_CHARS = 100_000
#: Most tags kept for one highlight.
MAX_TAGS = 64


@dataclass(frozen=True, slots=True)
class ImportedHighlight:
    """One highlight read from another tool's export (not yet matched to the library).

    Attributes:
        format: The importer that read it (``kindle``, ``koreader``, ...).
        quote: The highlighted text (never empty).
        note: The note attached to it, or "".
        tags: Tags as the source gave them (normalised when stored).
        color: One of postil's five colours.
        created: ISO 8601 UTC time, or "" when the source had none (or an unreadable one).
        updated: ISO 8601 UTC time of the last change, or "".
        location: The source's place description (``location 180-182``, ``page 12``), or "".
        location_start: Numeric start of the location (Kindle/Readwise), or None.
        location_end: Numeric end of the location, or None.
        chapter: Chapter name (KOReader), or "".
        title: Book or page title.
        author: Author(s), or "".
        url: Page URL, or "".
        identifier: ISBN/ASIN/document file name, or "".
        position: Character offsets ``(start, end)`` the source gave (Hypothesis), or None.
        prefix: Text before the quote (Hypothesis), or "".
        suffix: Text after the quote, or "".
        key: Extra source-specific identity (the source's own annotation id), or "".
        page_note: True for a note on a whole page (Hypothesis): ``quote`` is the page's
            title (or URL); the matcher places it on the library article's title.
    """

    format: str
    quote: str
    note: str = ""
    tags: tuple[str, ...] = ()
    color: Color = Color.YELLOW
    created: str = ""
    updated: str = ""
    location: str = ""
    location_start: int | None = None
    location_end: int | None = None
    chapter: str = ""
    title: str = ""
    author: str = ""
    url: str = ""
    identifier: str = ""
    position: tuple[int, int] | None = None
    prefix: str = ""
    suffix: str = ""
    key: str = ""
    page_note: bool = False

    def stable_id(self) -> str:
        """An id derived from the source record: importing it again gives the same id.

        The source's own id when it has one (Hypothesis), else a hash of the format, the
        book (title and author), the location and the quote.
        """
        if self.key:
            parts = [self.format, self.key]
        else:
            parts = [
                self.format,
                _fold(self.title),
                _fold(self.author),
                self.location,
                _fold(self.quote),
            ]
        digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.format}-{digest[:24]}"


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record an importer could not use: where it was and why (one line)."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(slots=True)
class ParseResult:
    """What one importer read from one file."""

    highlights: list[ImportedHighlight] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    skipped: int = 0
    """Records deliberately not imported (bookmarks, superseded revisions)."""
    revisions: int = 0
    """Earlier versions of a highlight replaced by a later one in the same file."""
    superseded: list[ImportedHighlight] = field(default_factory=list)
    """Those earlier versions (a database may hold them from an earlier import)."""

    def extend(self, other: ParseResult) -> None:
        """Add another file's results."""
        self.highlights.extend(other.highlights)
        self.rejected.extend(other.rejected)
        self.skipped += other.skipped
        self.revisions += other.revisions
        self.superseded.extend(other.superseded)


class ImportFormatError(ValueError):
    """The file as a whole is not in the expected format (one-line message)."""


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def clean_text(value: object, name: str, *, required: bool = False) -> str:
    """Validate a text field from a source: a string of bounded size without NULs.

    Raises:
        ValueError: for a wrong type, an over-long value, or a missing required value.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError(f"{name} is not text")
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"{name} is longer than {MAX_TEXT_CHARS} characters")
    value = value.replace("\x00", "").replace("\r\n", "\n").strip()
    if required and not value:
        raise ValueError(f"empty {name}")
    return value


COLOR_NAMES: dict[str, Color] = {
    "yellow": Color.YELLOW,
    "green": Color.GREEN,
    "blue": Color.BLUE,
    "pink": Color.PINK,
    "purple": Color.PURPLE,
    "red": Color.PINK,
    "orange": Color.YELLOW,
    "olive": Color.GREEN,
    "cyan": Color.BLUE,
    "gray": Color.PURPLE,
    "grey": Color.PURPLE,
    "violet": Color.PURPLE,
    "magenta": Color.PINK,
    "white": Color.YELLOW,
}


def map_color(value: object) -> Color:
    """Map a source's colour name to one of postil's five (unknown names: yellow)."""
    if isinstance(value, str):
        return COLOR_NAMES.get(value.strip().lower(), Color.YELLOW)
    return Color.YELLOW


def clip_tags(tags: list[str]) -> tuple[str, ...]:
    """Keep the first :data:`MAX_TAGS` non-empty tags."""
    return tuple(tag.strip() for tag in tags if tag.strip())[:MAX_TAGS]
