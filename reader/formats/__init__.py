"""Parsers that turn a decoded article file into a :class:`~reader.document.Document`.

Each format module exposes ``parse(text: str) -> ParsedArticle``; :func:`parser_for` picks one by
file suffix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reader.formats.parsed import ParsedArticle

__all__ = ["ParsedArticle", "parser_for", "ARTICLE_SUFFIXES"]

#: File suffixes postil reads as articles.
ARTICLE_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".html", ".htm", ".epub"})


def parser_for(path: Path) -> Callable[[str], ParsedArticle]:
    """Return the parser for ``path``'s text format (plain text for unknown suffixes).

    EPUB books are not text: :func:`reader.loading.load_article` reads them with
    :func:`reader.formats.epub.parse_book`.
    """
    suffix = path.suffix.lower()
    if suffix in {".md", ".markdown"}:
        from reader.formats import markdown

        return markdown.parse
    if suffix in {".html", ".htm"}:
        from reader.formats import html

        return html.parse
    from reader.formats import plaintext

    return plaintext.parse
