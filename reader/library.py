"""The library: which article files there are, and their metadata, cached on disk.

The library is (in order of precedence) the paths given on the command line, the ``--library``
flags / ``POSTIL_LIBRARY``, the ``library`` setting, else the user's library folder; when that is
empty or missing the bundled samples are shown (``LibrarySource.is_sample``).

Scanning reads each file's metadata once and caches it keyed by path, size and mtime, so a warm
listing of thousands of articles only stats the files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reader import paths
from reader.article import ArticleMeta
from reader.config import atomic_write_text, load_settings
from reader.formats import ARTICLE_SUFFIXES
from reader.loading import read_metadata
from reader.safe_read import MAX_CACHE_BYTES, read_regular_file

CACHE_VERSION = 5  # 5: titles from file names, entities, split tags, dates; books
ProgressCallback = Callable[[int, int], None]


@dataclass(slots=True)
class LibrarySource:
    """Where the library's articles come from.

    Attributes:
        roots: Folders and files making up the library.
        is_sample: True when showing the bundled samples because the user has no articles yet.
    """

    roots: list[Path]
    is_sample: bool = False

    def article_paths(self) -> list[Path]:
        """All article files under the roots: recursive, hidden entries skipped, sorted."""
        found: dict[str, Path] = {}
        for root in self.roots:
            for path in _walk(root):
                found.setdefault(str(path), path)
        return sorted(found.values(), key=lambda p: str(p).lower())

    def folder_of(self, path: str | Path) -> str:
        """The folder of ``path`` relative to the library folder holding it ("" at the top).

        Shown in the library so that two articles with the same title can be told apart.
        """
        parent = Path(path).parent
        best = ""
        for root in self.roots:
            root = root.expanduser().absolute()
            if parent == root:
                return ""
            if root in parent.parents:
                relative = parent.relative_to(root).as_posix()
                if not best or len(relative) < len(best):
                    best = relative
        return best or (parent.name if len(self.roots) != 1 or not self.roots[0].is_dir() else "")

    @property
    def single_file(self) -> Path | None:
        """The file, when the library is exactly one file given on the command line."""
        if len(self.roots) == 1 and not self.roots[0].is_dir():
            return self.roots[0]
        return None


def _walk(root: Path) -> Iterator[Path]:
    root = root.expanduser().absolute()
    if not root.is_dir():
        if root.exists() or root.is_symlink():
            yield root
        return
    for directory, dirnames, filenames in os.walk(root, onerror=lambda _error: None):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES:
                yield Path(directory) / name


def resolve_library(given: list[Path], flags: list[Path], config_path: Path) -> LibrarySource:
    """Decide what the library is (see the module docstring for the precedence)."""
    if given:
        return LibrarySource([p.expanduser().absolute() for p in given])
    if flags:
        return LibrarySource([p.expanduser().absolute() for p in flags])
    configured = load_settings(config_path).settings.library_paths()
    if configured:
        return LibrarySource([p.absolute() for p in configured])
    own = paths.default_library_dir()
    if own.is_dir() and LibrarySource([own]).article_paths():
        return LibrarySource([own])
    return LibrarySource([paths.seeds_dir()], is_sample=True)


class MetadataCache:
    """Article metadata cached in one JSON file, keyed by path and validated by size + mtime."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.cache_dir() / "library-metadata.json"
        self._entries: dict[str, dict[str, object]] = {}
        self._dirty = False
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(read_regular_file(self.path, MAX_CACHE_BYTES).decode("utf-8"))
        except (OSError, ValueError, RecursionError):  # a cache is rebuilt, never an error
            return
        if isinstance(data, dict) and data.get("version") == CACHE_VERSION:
            entries = data.get("entries")
            if isinstance(entries, dict):
                self._entries = entries

    def lookup(self, path: Path, stat: os.stat_result) -> ArticleMeta | None:
        """Return cached metadata if the file's size and mtime are unchanged."""
        entry = self._entries.get(str(path))
        if not isinstance(entry, dict):
            return None
        if entry.get("size") != stat.st_size or entry.get("mtime") != stat.st_mtime_ns:
            return None
        meta = entry.get("meta")
        if not isinstance(meta, dict):
            return None
        try:
            cached = ArticleMeta.from_dict(meta)
        except (TypeError, ValueError, OverflowError):
            return None  # a damaged entry: the file is read again
        if cached.path != str(path) or cached.error is not None:
            return None  # only readable files are cached, each under its own path
        return cached

    def store(self, path: Path, stat: os.stat_result, meta: ArticleMeta) -> None:
        """Remember ``meta`` for ``path`` at its current size and mtime."""
        self._entries[str(path)] = {
            "size": stat.st_size,
            "mtime": stat.st_mtime_ns,
            "meta": meta.to_dict(),
        }
        self._dirty = True

    def save(self) -> None:
        """Write the cache if it changed (best effort: a cache is never worth an error)."""
        if not self._dirty:
            return
        try:
            atomic_write_text(
                self.path, json.dumps({"version": CACHE_VERSION, "entries": self._entries})
            )
            self._dirty = False
        except OSError:
            pass


@dataclass(frozen=True, slots=True)
class CachedListing:
    """The library split into what the metadata cache already knows and what must be read.

    Attributes:
        known: Metadata of unchanged files, straight from the cache.
        missing: Files that are new or changed since they were cached (or unreadable).
    """

    known: list[ArticleMeta]
    missing: list[Path]


def cached_listing(source: LibrarySource, cache: MetadataCache) -> CachedListing:
    """Split the library's files into cached metadata and files to read (only stats files)."""
    known: list[ArticleMeta] = []
    missing: list[Path] = []
    for path in source.article_paths():
        try:
            meta = cache.lookup(path, path.stat())
        except OSError:
            meta = None
        if meta is None:
            missing.append(path)
        else:
            known.append(meta)
    return CachedListing(known, missing)


def scan(
    source: LibrarySource,
    cache: MetadataCache | None = None,
    progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch: Callable[[list[ArticleMeta]], None] | None = None,
    files: list[Path] | None = None,
) -> list[ArticleMeta]:
    """Read metadata for every article in ``source``, using and updating the cache.

    Args:
        source: The library.
        cache: The metadata cache (a fresh one at the default path if omitted).
        progress: Called with ``(done, total)`` as files are read.
        cancelled: Polled between files; scanning stops early when it returns True.
        batch: Called with newly read metadata in small batches (to fill a list as it goes).
        files: Only these files of the library (e.g. :attr:`CachedListing.missing`).
    """
    cache = cache if cache is not None else MetadataCache()
    files = source.article_paths() if files is None else files
    total = len(files)
    results: list[ArticleMeta] = []
    pending: list[ArticleMeta] = []
    for done, path in enumerate(files, start=1):
        if cancelled is not None and cancelled():
            break
        meta = _metadata(path, cache)
        results.append(meta)
        pending.append(meta)
        if batch is not None and (len(pending) >= 50 or done == total):
            batch(pending)
            pending = []
        if progress is not None and (done % 25 == 0 or done == total):
            progress(done, total)
    if batch is not None and pending:
        batch(pending)
    cache.save()
    return results


def metadata_for(path: Path, cache: MetadataCache) -> ArticleMeta:
    """Metadata of one file: from ``cache`` when the file is unchanged, else read (and cached).

    Never raises; the caller saves the cache.
    """
    return _metadata(path.absolute(), cache)


def _metadata(path: Path, cache: MetadataCache) -> ArticleMeta:
    try:
        stat = path.stat()
    except OSError:
        return read_metadata(path)
    cached = cache.lookup(path, stat)
    if cached is not None:
        return cached
    meta = read_metadata(path)
    if meta.error is None:
        cache.store(path, stat, meta)
    return meta
