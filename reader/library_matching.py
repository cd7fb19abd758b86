"""The library as :class:`reader.importing.LibraryMatcher` needs it (metadata, texts, index)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reader.importing import LibraryMatcher
from reader.loading import ArticleError, load_article

if TYPE_CHECKING:
    from reader.cli import Context
    from reader.library import LibrarySource


def _load_text(path: str) -> str | None:
    try:
        return load_article(path).text
    except ArticleError:
        return None


def source_matcher(source: LibrarySource, *, use_index: bool = True) -> LibraryMatcher:
    """A matcher over the articles of ``source`` (the search index opened only if needed)."""
    from reader.library import scan

    articles = [] if source.is_sample else scan(source)
    paths = [a.path for a in articles if a.error is None]
    state: dict[str, object] = {}

    def search(quote: str) -> list[str]:
        index = state.get("index")
        if index is None:
            from reader.search import library_index

            index = library_index(source)
            index.update(paths)
            try:
                index.save()
            except OSError:
                pass
            state["index"] = index
        hits = index.search(quote, limit=5, paths=paths)  # type: ignore[attr-defined]
        return [hit.path for hit in hits if hit.score >= 60]

    return LibraryMatcher(articles, _load_text, search if use_index and paths else None)


def library_matcher(context: Context) -> LibraryMatcher:
    """A matcher over the user's library."""
    return source_matcher(context.library_source())


__all__ = ["library_matcher", "source_matcher"]
