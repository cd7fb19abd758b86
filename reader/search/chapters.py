"""Name the chapter of search hits that are in books.

The library's metadata cache keeps each book's table of contents (``ArticleMeta.toc``), so a
hit's chapter is a look-up by offset; a book not in the cache is read once.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reader.book import TocEntry, chapter_for, toc_from_json
from reader.library import MetadataCache, metadata_for
from reader.loading import is_book
from reader.search.hit import SearchHit


def with_chapters(hits: list[SearchHit], cache: MetadataCache | None = None) -> list[SearchHit]:
    """Return ``hits`` with ``chapter`` set for those in EPUB books (others unchanged)."""
    contents: dict[str, list[TocEntry]] = {}
    named: list[SearchHit] = []
    for hit in hits:
        if not is_book(Path(hit.path)):
            named.append(hit)
            continue
        if hit.path not in contents:
            if cache is None:
                cache = MetadataCache()
            contents[hit.path] = toc_from_json(metadata_for(Path(hit.path), cache).toc)
        named.append(replace(hit, chapter=chapter_for(contents[hit.path], hit.match_start)))
    if cache is not None:
        cache.save()
    return named
