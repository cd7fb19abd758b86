"""The result every format parser returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.book import Book
from reader.document import Document


@dataclass(slots=True)
class ParsedArticle:
    """A parsed article: its document plus the metadata the format carried.

    Metadata fields are ``None`` when the file did not say; the loader then falls back to what it
    finds in the document (first heading, byline block, ...).
    """

    document: Document
    title: str | None = None
    author: str | None = None
    dek: str | None = None
    date: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    notice: str | None = None
    """Something the reader should know about how the file was read (e.g. no main text found)."""
    book: Book | None = None
    """For a book (EPUB): its chapters, contents, link targets and book metadata."""
    fingerprint: str | None = None
    """The article id when the format computes its own (books); else from the decoded text."""
    words: int | None = None
    """The word count when the document was not built (a book's library summary)."""
