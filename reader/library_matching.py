"""The library as :class:`reader.importing.LibraryMatcher` needs it (metadata, texts, index)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from annotations.changelog import Change
from annotations.model import Annotation
from reader.importing import Attached, LibraryMatcher, attach_quote_only
from reader.loading import ArticleError, ArticleMeta, load_article

if TYPE_CHECKING:
    from annotations.storage import AnnotationStore
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


def library_matcher(context: Context) -> LibraryMatcher:
    """A matcher over the user's library."""
    return source_matcher(context.library_source())


__all__ = [
    "attach_pending",
    "attached_lines",
    "attachment_changes",
    "library_matcher",
    "quote_only_attachments",
    "source_matcher",
]
