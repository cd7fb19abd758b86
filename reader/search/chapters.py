"""Name the chapter of search hits that are in books.

A hit's chapter is a look-up by offset in the book's table of contents. The contents are read
once per book version (path, size and modification time) and kept in a small in-memory cache,
so a search as you type never reads a book twice.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

from reader.book import TocEntry, chapter_for
from reader.loading import ArticleError, is_book, load_article
from reader.search.hit import SearchHit

#: Books whose contents are kept in memory.
CACHE_SIZE = 64
_CACHE: OrderedDict[tuple[str, int, int], list[TocEntry]] = OrderedDict()
_LOCK = threading.Lock()


def book_contents(path: str) -> list[TocEntry]:
    """The table of contents of the book at ``path`` ([] when it cannot be read)."""
    try:
        stat = os.stat(path)
    except OSError:
        return []
    key = (path, stat.st_size, stat.st_mtime_ns)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    try:
        article = load_article(path)
    except ArticleError:
        entries: list[TocEntry] = []
    else:
        entries = list(article.book.toc) if article.book is not None else []
    with _LOCK:
        _CACHE[key] = entries
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return entries


def with_chapters(hits: list[SearchHit]) -> list[SearchHit]:
    """Return ``hits`` with ``chapter`` set for those in EPUB books (others unchanged)."""
    named: list[SearchHit] = []
    for hit in hits:
        if not is_book(Path(hit.path)):
            named.append(hit)
            continue
        named.append(replace(hit, chapter=chapter_for(book_contents(hit.path), hit.match_start)))
    return named
