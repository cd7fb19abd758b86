"""The search index of a library: one cache file per set of library folders."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from reader.search.index import SearchIndex

if TYPE_CHECKING:
    from reader.library import LibrarySource


def index_name(roots: list[Path]) -> str:
    """A short stable name for the index of a library made of ``roots``."""
    key = "\0".join(sorted(str(Path(root).absolute()) for root in roots))
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def library_index(source: LibrarySource, cache_dir: Path | None = None) -> SearchIndex:
    """Open the cached index of ``source`` (call :meth:`SearchIndex.update` next).

    ``cache_dir`` defaults to :func:`reader.paths.cache_dir` (honours ``POSTIL_CACHE``).
    """
    return SearchIndex.open(cache_dir, index_name(source.roots))
