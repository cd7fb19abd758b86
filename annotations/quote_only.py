"""Quote-only sources: imported books and pages that are not (yet) in the library.

An imported highlight whose book matched no library article keeps its title and author
(:class:`annotations.model.ImportSource`) and no ``path``. Grouped by book they are the
*quote-only sources* the library lists (with a mark), searches, reviews and exports; they
attach themselves to an article when its book is added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from annotations.model import Annotation

#: How each importer is named to the user.
FORMAT_NAMES = {
    "kindle": "Kindle",
    "koreader": "KOReader",
    "readwise": "Readwise",
    "hypothesis": "Hypothesis",
    "w3c": "W3C JSON",
}
#: Where a quote-only source's key starts (no file path starts so).
KEY_PREFIX = "quote-only:"
#: The mark the library shows beside a quote-only source.
MARK = "quote-only"


@dataclass(frozen=True, slots=True)
class QuoteOnlySource:
    """One book or page known only by its imported highlights.

    Attributes:
        title: The title as the source gave it ("" when it gave none).
        author: Its author(s), or "".
        url: The page URL, or "".
        highlights: Its highlights, oldest first.
    """

    title: str
    author: str
    url: str
    highlights: tuple[Annotation, ...]

    @property
    def key(self) -> str:
        """A stable key naming the source (``quote-only:`` + title, author and URL), the
        :func:`article_key` of its highlights."""
        return KEY_PREFIX + "\x1f".join((self.title, self.author, self.url))

    @property
    def display_title(self) -> str:
        """The title, else the URL, else "(untitled)"."""
        return self.title or self.url or "(untitled)"

    @property
    def origin(self) -> str:
        """The tools its highlights came from ("Kindle", "Kindle, Readwise")."""
        formats = {a.source.format for a in self.highlights if a.source is not None}
        return ", ".join(sorted(FORMAT_NAMES.get(name, name) for name in formats)) or "an import"

    @property
    def description(self) -> str:
        """One line saying what the source is (for the library and the CLI)."""
        count = len(self.highlights)
        return (
            f"{count} highlight{'s' * (count != 1)} imported from {self.origin}; the book is "
            "not in the library (add it and they attach to it)"
        )


def source_key(annotation: Annotation) -> tuple[str, str, str] | None:
    """The quote-only source an annotation belongs to, or None when it is in the library."""
    source = annotation.source
    if not annotation.quote_only or source is None:
        return None
    return (source.title, source.author, source.url)


def article_key(annotation: Annotation) -> str:
    """What a highlight's article is known by: its path, or for a quote-only highlight the
    key of its source (so that two imported books are never taken for one article)."""
    key = source_key(annotation)
    return annotation.path if key is None else KEY_PREFIX + "\x1f".join(key)


def quote_only_sources(annotations: Iterable[Annotation]) -> list[QuoteOnlySource]:
    """Group the quote-only annotations by book, ordered by title."""
    groups: dict[tuple[str, str, str], list[Annotation]] = {}
    for annotation in annotations:
        key = source_key(annotation)
        if key is not None:
            groups.setdefault(key, []).append(annotation)
    sources = [
        QuoteOnlySource(title, author, url, tuple(sorted(members, key=_created)))
        for (title, author, url), members in groups.items()
    ]
    sources.sort(key=lambda s: (s.display_title.casefold(), s.author.casefold(), s.url))
    return sources


def _created(annotation: Annotation) -> tuple[str, str]:
    return (annotation.created, annotation.id)


__all__ = [
    "FORMAT_NAMES",
    "KEY_PREFIX",
    "MARK",
    "QuoteOnlySource",
    "article_key",
    "quote_only_sources",
    "source_key",
]
