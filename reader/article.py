"""The article model: what postil knows about one article file, and the loaded article.

:class:`ArticleMeta` describes a file without its text (the library, ``postil list``, the
metadata cache); :class:`Article` is a loaded article: its metadata and canonical
:class:`~reader.document.Document` (and a book's chapters). Reading and parsing files is
:mod:`reader.loading`'s job.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from reader.book import Book
from reader.document import Document
from reader.sanitize import clean_line

__all__ = ["Article", "ArticleMeta", "MAX_COUNT", "WORDS_PER_MINUTE", "reading_minutes"]

#: Reading speed used for reading-time estimates (words per minute).
WORDS_PER_MINUTE = 238
@dataclass(slots=True)
class ArticleMeta:
    """What the library knows about one article file without keeping its text.

    Attributes:
        id: Stable article id: a fingerprint of the file's decoded content.
        path: Absolute path of the file.
        title: Display title (front matter > first heading > first line > file name).
        author: Author, or "" when none was found.
        dek: Subtitle / standfirst, or "".
        words: Words in the body (site chrome not counted).
        reading_minutes: Estimated reading time at :data:`WORDS_PER_MINUTE`.
        modified: File modification time (seconds since the epoch).
        size: File size in bytes.
        error: ``None``, or why the file could not be read.
        date: Publication date from front matter, or "".
        url: Source URL from front matter / the HTML page, or "".
        tags: Tags from front matter (a book's subjects).
        format: ``"text"``, ``"markdown"``, ``"html"`` or ``"epub"``.
        language: A book's language code(s), or "".
        publisher: A book's publisher, or "".
        identifier: A book's identifier (ISBN, UUID), or "".
        series: The series a book belongs to, or "".
        series_index: Its number in the series, or "".
        creators: A book's authors and contributors: ``{"name", "file_as", "role"}`` objects.
    """

    id: str
    path: str
    title: str
    author: str = ""
    dek: str = ""
    words: int = 0
    reading_minutes: int = 0
    modified: float = 0.0
    size: int = 0
    error: str | None = None
    date: str = ""
    url: str = ""
    tags: list[str] = field(default_factory=list)
    format: str = ""
    language: str = ""
    publisher: str = ""
    identifier: str = ""
    series: str = ""
    series_index: str = ""
    creators: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the metadata as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArticleMeta:
        """Rebuild metadata from :meth:`to_dict` output (unknown keys ignored).

        Every value is checked, since it comes from a cache file on disk: counts must be
        non-negative integers below :data:`MAX_COUNT`, the time a finite number, texts strings.

        Raises:
            TypeError: for a missing field or a value of the wrong type or range.
        """
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name, value in known.items():
            _check_meta_value(name, value)
        for name in ("title", "author", "dek", "date", "url"):  # shown on a terminal
            if name in known:
                known[name] = clean_line(known[name])
        if "tags" in known:
            known["tags"] = [clean_line(tag) for tag in known["tags"] if clean_line(tag)]
        return cls(**known)


#: Largest word count, size or reading time accepted from a cache (far beyond any real file).
MAX_COUNT = 2**53
_META_STRINGS = frozenset(
    {"id", "path", "title", "author", "dek", "date", "url", "format", "language", "publisher",
     "identifier", "series", "series_index"}
)
_META_COUNTS = frozenset({"words", "reading_minutes", "size"})


def _check_meta_value(name: str, value: Any) -> None:
    """Raise ``TypeError`` unless ``value`` is a valid value of metadata field ``name``."""
    if name in _META_STRINGS:
        valid = isinstance(value, str)
    elif name in _META_COUNTS:
        valid = (isinstance(value, int) and not isinstance(value, bool)
                 and 0 <= value <= MAX_COUNT)
    elif name == "modified":
        valid = (isinstance(value, int | float) and not isinstance(value, bool)
                 and abs(value) <= MAX_COUNT and math.isfinite(value))
    elif name == "error":
        valid = value is None or isinstance(value, str)
    elif name == "tags":
        valid = isinstance(value, list) and all(isinstance(tag, str) for tag in value)
    elif name == "creators":
        valid = isinstance(value, list) and all(
            isinstance(creator, dict)
            and set(creator) == {"name", "file_as", "role"}
            and all(isinstance(part, str) for part in creator.values())
            for creator in value
        )
    else:
        valid = True
    if not valid:
        raise TypeError(f"article metadata: bad {name} value")


@dataclass(slots=True)
class Article:
    """A loaded article: metadata plus the canonical document."""

    meta: ArticleMeta
    document: Document
    notice: str | None = None
    book: Book | None = None
    """A book's chapters, contents and link targets (None for articles)."""

    @property
    def id(self) -> str:
        """The article's stable id."""
        return self.meta.id

    @property
    def text(self) -> str:
        """The canonical text every offset refers to."""
        return self.document.text


def reading_minutes(words: int) -> int:
    """Estimated minutes to read ``words`` words (at least 1 for any text)."""
    return math.ceil(words / WORDS_PER_MINUTE) if words else 0
