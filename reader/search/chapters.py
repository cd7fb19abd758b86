"""Name the chapter of search hits that are in books.

A hit's chapter is a look-up by offset in the book's table of contents. Contents are kept per
book version (path, size, modification time) in memory and in a small cache file
(``book-contents.json`` in the cache dir), filled whenever a book is read whole (by the search
index, or here when a book is not known yet), so a search as you type never waits for a book to
be parsed twice.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import TypeGuard

from reader import paths
from reader.article import Article
from reader.book import TocEntry, chapter_for
from reader.loading import ArticleError, is_book, load_article
from reader.search.hit import SearchHit

#: Books whose contents are kept (memory and file).
CACHE_SIZE = 2000
CACHE_VERSION = 1
_Key = tuple[str, int, int]


class ContentsCache:
    """Book contents by (path, size, mtime_ns), backed by a JSON file (best effort)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._entries: OrderedDict[_Key, list[TocEntry]] = OrderedDict()
        self._lock = threading.Lock()
        self._loaded = False
        self._dirty = False

    def _file(self) -> Path:
        return self.path or paths.cache_dir() / "book-contents.json"

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            with open(self._file(), encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return
        books = data.get("books")
        for item in books[:CACHE_SIZE] if isinstance(books, list) else []:
            key, entries = _parse_item(item)
            if key is not None:
                self._entries[key] = entries

    def get(self, key: _Key) -> list[TocEntry] | None:
        """The contents of that book version, if known."""
        with self._lock:
            self._load()
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: _Key, entries: list[TocEntry], *, save: bool = True) -> None:
        """Remember the contents of a book version (and save the file unless ``save`` is
        False: then :meth:`save` later)."""
        with self._lock:
            self._load()
            for old in [k for k in self._entries if k[0] == key[0] and k != key]:
                del self._entries[old]
            self._entries[key] = entries
            while len(self._entries) > CACHE_SIZE:
                self._entries.popitem(last=False)
            self._dirty = True
        if save:
            self.save()

    def save(self) -> None:
        """Write the cache file if something changed (best effort)."""
        with self._lock:
            if not self._dirty:
                return
            self._dirty = False
            books = [
                {"path": k[0], "size": k[1], "mtime_ns": k[2],
                 "toc": [entry.to_json() for entry in toc]}
                for k, toc in self._entries.items()
            ]
        from reader.config import atomic_write_text

        try:
            atomic_write_text(self._file(), json.dumps({"version": CACHE_VERSION, "books": books}))
        except OSError:
            pass  # a cache is never worth an error


def _parse_item(item: object) -> tuple[_Key | None, list[TocEntry]]:
    if not isinstance(item, dict):
        return None, []
    path, size, mtime = item.get("path"), item.get("size"), item.get("mtime_ns")
    toc = item.get("toc")
    if not (isinstance(path, str) and _is_int(size) and _is_int(mtime) and isinstance(toc, list)):
        return None, []
    entries: list[TocEntry] = []
    for entry in toc[:100_000]:
        if not isinstance(entry, dict):
            continue
        title, level, start = entry.get("title"), entry.get("level"), entry.get("start")
        if isinstance(title, str) and _is_int(level) and _is_int(start) and 0 < level < 100:
            entries.append(TocEntry(title, level, start))
    entries.sort(key=lambda entry: entry.start)
    return (path, size, mtime), entries


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


_CACHE = ContentsCache()


def _key(path: str) -> _Key | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (path, stat.st_size, stat.st_mtime_ns)


def remember_contents(article: Article, size: int, mtime_ns: int) -> None:
    """Record a book's contents after it was read whole (the search index calls this; then
    :func:`save_contents` once at the end)."""
    if article.book is not None:
        _CACHE.put((article.meta.path, size, mtime_ns), list(article.book.toc), save=False)


def save_contents() -> None:
    """Write what :func:`remember_contents` recorded."""
    _CACHE.save()


def book_contents(path: str) -> list[TocEntry]:
    """The table of contents of the book at ``path`` ([] when it cannot be read)."""
    key = _key(path)
    if key is None:
        return []
    known = _CACHE.get(key)
    if known is not None:
        return known
    try:
        article = load_article(path)
    except ArticleError:
        entries: list[TocEntry] = []
    else:
        entries = list(article.book.toc) if article.book is not None else []
    _CACHE.put(key, entries)
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
