"""Exporting annotations with their articles: what ``postil export`` and the app's export share.

:func:`collect_exports` groups annotations by article, loads each article (only inside the
library, see :class:`~reader.article_access.ArticleScope`) and re-anchors its annotations
(:func:`reader.reanchoring.reanchor`) before they are handed to :mod:`annotations.export` as
plain data. :func:`export_to_folder` is the app's export: Markdown files in the export folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from annotations.export import ArticleExport, ArticleInfo, ExportResult, export_all_markdown
from annotations.export.markdown import ChapterMark
from annotations.model import AnchorStatus, Annotation
from annotations.quote_only import quote_only_sources, source_key
from reader import paths
from reader.article_access import ArticleScope
from reader.reanchoring import reanchor

if TYPE_CHECKING:
    from reader.article import ArticleMeta
    from reader.book import Book
    from reader.library import LibrarySource


def article_info(meta: ArticleMeta, book: Book | None = None) -> ArticleInfo:
    """The export's view of an article's metadata (a book's chapters and details too)."""
    series = meta.series
    if series and meta.series_index:
        series = f"{series} #{meta.series_index}"
    return ArticleInfo(
        id=meta.id,
        path=meta.path,
        title=meta.title,
        author=meta.author,
        url=meta.url,
        date=meta.date,
        publisher=meta.publisher,
        language=meta.language,
        identifier=meta.identifier,
        series=series,
        chapters=tuple(ChapterMark(entry.start, entry.title) for entry in book.toc)
        if book is not None
        else (),
    )


def collect_exports(
    annotations: Iterable[Annotation], scope: ArticleScope, cfis: dict[str, str] | None = None
) -> list[ArticleExport]:
    """Group ``annotations`` by article path, load each article and re-anchor its annotations.

    Only articles inside ``scope`` are opened (stored paths are data). An article that is not,
    or cannot be read, is exported with metadata from its path (title from the file name) and
    the annotations as last anchored. Articles are ordered by title, then path.
    A book's annotations get the chapter they are now in; ``cfis``, when given, receives the
    EPUB CFI of each book annotation's chapter (by annotation id).
    """
    groups: dict[str, list[Annotation]] = {}
    quote_only: list[Annotation] = []
    for annotation in annotations:
        if source_key(annotation) is not None:
            quote_only.append(annotation)
        else:
            groups.setdefault(annotation.path, []).append(annotation)
    exports: list[ArticleExport] = []
    for imported in quote_only_sources(quote_only):
        # A quote-only book: its highlights as they were imported (not orphans of a text).
        info = ArticleInfo(id="", path="", title=imported.display_title,
                           author=imported.author, url=imported.url,
                           imported_from=imported.origin)
        shown = tuple(replace(a, status=AnchorStatus.ANCHORED) for a in imported.highlights)
        exports.append(ArticleExport(info, shown))
    for path, members in groups.items():
        try:
            article = scope.load(path)
        except Exception:  # outside the library, unreadable, missing or unparsable
            known_id = next((a.article_id for a in members if a.article_id), "")
            exports.append(ArticleExport(ArticleInfo.for_missing(path, known_id), tuple(members)))
            continue
        anchored = reanchor(members, article).annotations
        book = article.book
        if book is not None and cfis is not None:
            cfis.update({a.id: book.cfi_at(a.start) for a in anchored
                         if a.status is not AnchorStatus.ORPHANED})
        exports.append(ArticleExport(article_info(article.meta, book), tuple(anchored)))
    exports.sort(key=lambda e: (e.article.title.casefold(), e.article.path))
    return exports


@dataclass(slots=True)
class FolderExport:
    """What :func:`export_to_folder` did.

    Attributes:
        directory: The export folder.
        articles: How many articles had annotations to export (0: nothing was written).
        result: The files written and one line per file that could not be.
    """

    directory: Path
    articles: int
    result: ExportResult


def export_to_folder(
    annotations: Iterable[Annotation],
    directory: Path,
    *,
    library: LibrarySource,
    db_path: Path,
    config_path: Path,
    article_paths: Iterable[str] | None = None,
    starting: Callable[[int], object] | None = None,
) -> FolderExport:
    """Export ``annotations`` (only those of ``article_paths``, when given) as one Markdown
    file per article into ``directory`` — never onto the database, the settings, a library
    folder or an exported article. ``starting`` is told how many articles are about to be
    written (the app says so when it is more than a few).

    Raises:
        ExportError: when the folder itself cannot be created or read.
    """
    if article_paths is not None:
        wanted = set(article_paths)
        annotations = [a for a in annotations if a.path in wanted]
    annotations = list(annotations)
    if not annotations:
        return FolderExport(directory, 0, ExportResult())
    scope = ArticleScope.with_configured(library, config_path)
    exports = collect_exports(annotations, scope)
    if starting is not None:
        starting(len(exports))
    guard = paths.export_guard(
        db_path, config_path, list(library.roots), [Path(e.article.path) for e in exports]
    )
    return FolderExport(directory, len(exports), export_all_markdown(exports, directory,
                                                                     guard=guard))
