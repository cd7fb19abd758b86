"""Which article files postil may open for a path it read from data (a database, an import).

An annotation's ``path`` is data: it came from the database, which an import fills from any
file someone hands the user. Such a path must never make postil open a file the user did not
put in a library (``/etc/passwd``, ``../../../etc/passwd``, ``/dev/zero``, a FIFO). An
:class:`ArticleScope` is the set of places the user chose for this run — the library folders
(or the paths named on the command line) — and :meth:`ArticleScope.load` opens a stored path
only when it lies inside them, is absolute (a relative path never resolves against the current
folder), and is a regular file within the size cap. Anything else stays in the database as
data, shown by its path but never read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reader import paths
from reader.article import Article
from reader.library import LibrarySource, resolve_library
from reader.loading import ArticleError, is_book, load_book, parse_article, read_text
from reader.sanitize import normalize_newlines


class OutsideLibrary(ArticleError):
    """A stored article path is not inside the library: it is kept as data and not opened."""


def _normal(path: str) -> str:
    return os.path.normpath(os.path.abspath(os.path.expanduser(path)))


@dataclass(frozen=True, slots=True)
class ArticleScope:
    """The folders and files whose articles postil may open for paths taken from data.

    Attributes:
        roots: Normalised absolute paths of library folders and files (and their real paths).
    """

    roots: tuple[str, ...]

    @classmethod
    def of(cls, source: LibrarySource, extra: Iterable[Path | str] = ()) -> ArticleScope:
        """The scope of a library (``extra``: more files or folders the user named)."""
        roots: dict[str, None] = {}
        for root in [*source.roots, *extra]:
            normal = _normal(str(root))
            roots.setdefault(normal, None)
            roots.setdefault(os.path.realpath(normal), None)
        return cls(tuple(roots))

    @classmethod
    def with_configured(cls, source: LibrarySource, config_path: Path) -> ArticleScope:
        """The scope of ``source`` plus the user's own library (``POSTIL_LIBRARY``, settings or
        the default folder): for the app started on one file, whose "export all" still reads
        the articles of the library."""
        configured = resolve_library([], paths.env_library_paths(), config_path)
        return cls.of(source, extra=configured.roots)

    def allows(self, path: str) -> bool:
        """Tell whether the stored ``path`` names a place inside the scope.

        Only the text of the path is looked at (nothing is opened): it must be absolute, hold
        no ``..`` component and no NUL, and lie inside a root.
        """
        if not isinstance(path, str) or not path or "\x00" in path:
            return False
        if not os.path.isabs(path) or ".." in Path(path).parts:
            return False
        normal = os.path.normpath(path)
        return any(normal == root or normal.startswith(root.rstrip(os.sep) + os.sep)
                   for root in self.roots)

    def exists(self, path: str) -> bool:
        """True when ``path`` is inside the scope and something is there (never looks outside)."""
        return self.allows(path) and os.path.lexists(path)

    def load(self, path: str) -> Article:
        """Load the article at the stored ``path``.

        Raises:
            OutsideLibrary: when the path is not inside the scope (nothing was opened).
            ArticleError: when it is not a regular file, too large, or cannot be read.
        """
        if not self.allows(path):
            raise OutsideLibrary("not in the library: kept as data, not opened")
        if is_book(Path(path)):
            # A zip: the EPUB reader checks regular file, size and zip caps itself.
            return load_book(Path(path).absolute())
        text = read_text(Path(path))  # regular file only, size cap, one-line errors
        try:
            return parse_article(Path(path), normalize_newlines(text))
        except RecursionError:
            raise ArticleError("too deeply nested to parse") from None
