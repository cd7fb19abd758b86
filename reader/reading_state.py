"""What the library knows about each article beside its metadata: highlights and progress.

:class:`ReadingState` is read from the annotation store once (counts and positions) and
answers per article; ``postil list`` and the library screen both use it. :class:`ArticleRow`
is one article of the library with that state (what the library's table shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotations.quote_only import MARK, QuoteOnlySource, quote_only_sources
from reader.article import ArticleMeta

if TYPE_CHECKING:
    from annotations.storage import AnnotationStore, ReadingPosition


@dataclass(slots=True)
class ReadingState:
    """Highlight counts and reading positions, looked up by article id or path."""

    by_id: dict[str, int] = field(default_factory=dict)
    by_path: dict[str, int] = field(default_factory=dict)
    positions: dict[str, ReadingPosition] = field(default_factory=dict)
    quote_only: list[QuoteOnlySource] = field(default_factory=list)
    """Imported books not in the library (listed after the articles, with a mark)."""

    @classmethod
    def of_store(cls, store: AnnotationStore) -> ReadingState:
        """Counts and positions as the store has them now (reads the store's index).

        Only the records of quote-only highlights are read (they have no path: the index
        finds them); every other count comes from the index, so a large database is never
        parsed whole for the library or ``postil list``.
        """
        by_id, by_path = store.highlight_counts()
        pathless = store.annotations_where(lambda path: not path)
        sources = quote_only_sources(a for a in pathless if a.quote_only)
        return cls(by_id, by_path, dict(store.all_positions()), sources)

    @property
    def empty(self) -> bool:
        """True when no article has highlights or a saved position."""
        return not (self.by_id or self.by_path or self.positions or self.quote_only)

    def highlights(self, meta: ArticleMeta) -> int:
        """Number of highlights of the article."""
        return max(self.by_id.get(meta.id, 0), self.by_path.get(meta.path, 0))

    def progress(self, meta: ArticleMeta) -> float:
        """Reading progress 0-1 of the article."""
        position = self.positions.get(meta.id)
        return position.progress if position is not None else 0.0

    def last_read(self, meta: ArticleMeta) -> str:
        """When the article was last read (ISO time; "" if never)."""
        position = self.positions.get(meta.id)
        return position.updated if position is not None else ""

    def row(self, meta: ArticleMeta, folder: str = "") -> ArticleRow:
        """The library row of the article, with its highlights and progress."""
        return ArticleRow(meta, highlights=self.highlights(meta), progress=self.progress(meta),
                          last_read=self.last_read(meta), folder=folder)


@dataclass(slots=True)
class ArticleRow:
    """An article with what the library shows beside it."""

    meta: ArticleMeta
    highlights: int = 0
    progress: float = 0.0
    last_read: str = ""
    folder: str = ""
    """The folder relative to the library folder ("" at the top): tells same titles apart."""
    quote_only: QuoteOnlySource | None = None
    """Set for an imported book not in the library (its ``meta.path`` is the source's key)."""

    @classmethod
    def for_quote_only(cls, source: QuoteOnlySource) -> ArticleRow:
        """The row of a quote-only source: listed with a mark, no file behind it."""
        meta = ArticleMeta(id="", path=source.key, title=source.display_title,
                           author=source.author, format=MARK)
        return cls(meta, highlights=len(source.highlights), quote_only=source)
