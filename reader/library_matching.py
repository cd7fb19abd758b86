"""The library as :class:`reader.importing.LibraryMatcher` needs it (metadata, texts, index)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from annotations.changelog import Change
from annotations.model import Annotation
from reader.article import ArticleMeta
from reader.importing import Attached, LibraryMatcher, attach_quote_only
from reader.loading import ArticleError, load_article

if TYPE_CHECKING:
    from annotations.storage import AnnotationStore
    from reader.library import LibrarySource
    from reader.search import SearchIndex
    from reader.search.indexed_text import IndexedText


def _load_text(path: str) -> str | None:
    try:
        return load_article(path).text
    except ArticleError:
        return None


def source_matcher(source: LibrarySource, *, use_index: bool = True) -> LibraryMatcher:
    """A matcher over the articles of ``source``.

    With ``use_index``, the library's search index (its cache file, opened only when needed)
    serves twice: the prose it holds for an article whose file it indexed in its current
    version anchors quotes without loading the article, and a book found by no title is
    looked for by its quotes' rarest words (then the index is first brought up to date).
    """
    from reader.library import scan

    articles = [] if source.is_sample else scan(source)
    paths = [a.path for a in articles if a.error is None]
    if not use_index or not paths:
        return LibraryMatcher(articles, _load_text)
    state: dict[str, SearchIndex] = {}

    def index() -> SearchIndex:
        if "index" not in state:
            from reader.search import library_index

            state["index"] = library_index(source)
        return state["index"]

    def indexed_text(article: ArticleMeta) -> IndexedText | None:
        return index().indexed_text(article.path, article.id)

    def search(quote: str) -> list[str]:
        if "updated" not in state:
            index().update(paths)
            try:
                index().save()
            except OSError:
                pass
            state["updated"] = index()
        return index().paths_with_words(quote, limit=5)

    return LibraryMatcher(articles, _load_text, search, indexed_text)


def _quote_only(store: AnnotationStore) -> list[Annotation]:
    """The stored quote-only highlights: those without a path, read from the store's index
    (a start of the app does not parse the whole database for them)."""
    return [a for a in store.annotations_where(lambda path: not path) if a.quote_only]


def quote_only_attachments(
    store: AnnotationStore, articles: Sequence[ArticleMeta]
) -> tuple[Attached, dict[str, Annotation]]:
    """Which of the database's quote-only highlights now find their book in ``articles``.

    Returns what attached and the stored copies they were changed from (nothing is written).
    """
    pending = {a.id: a for a in _quote_only(store)}
    if not pending:
        return Attached(), {}
    matcher = LibraryMatcher(articles, _load_text)
    return attach_quote_only(pending.values(), matcher), pending


def attachment_changes(attached: Attached, before: dict[str, Annotation]) -> list[Change]:
    """The field-level changes that save ``attached`` (path, article, quote, placement)."""
    changes = []
    for annotation in attached.annotations:
        change = Change.between(before[annotation.id], annotation)
        if change is not None:
            changes.append(change)
    return changes


def attach_pending(
    store: AnnotationStore, source: LibrarySource, articles: Sequence[ArticleMeta] | None = None
) -> Attached:
    """Attach the database's quote-only highlights whose book is now in the library.

    ``articles`` (the library's metadata, when the caller has just scanned it) saves a scan.
    The attached highlights are saved in one batch of field-level changes.
    """
    if articles is None:
        if not _quote_only(store):
            return Attached()
        from reader.library import scan

        articles = [] if source.is_sample else scan(source)
    attached, before = quote_only_attachments(store, articles)
    changes = attachment_changes(attached, before)
    if changes:
        store.apply_changes(changes)
    return attached


def attached_lines(attached: Attached) -> list[str]:
    """One line per book whose quote-only highlights attached (for the CLI and the UI)."""
    return [
        f"{count} quote-only highlight{'s' * (count != 1)} of “{title}” attached to the library"
        for title, count in sorted(attached.titles.items())
    ]


__all__ = [
    "attach_pending",
    "attached_lines",
    "attachment_changes",
    "quote_only_attachments",
    "source_matcher",
]
