"""EPUB 2 and 3 books: the spine rendered into one document, with metadata and contents.

:func:`parse_book` opens the zip (:mod:`.archive`, defensive), refuses DRM-encrypted books,
reads the package document (:mod:`.package`), renders every spine item in order
(:mod:`.content`; linear items first, then the non-linear ones, which links reach) and places
the table of contents (:mod:`.toc`: the EPUB 3 nav, else the NCX, else the spine with each
chapter's first heading) at offsets of the canonical text.

With ``limit`` only the first chapters, up to about ``limit`` characters, are rendered: the
quick preview the reading view shows first. Chapters are rendered independently of each other,
so the preview's text is a prefix of the whole book's and its offsets stay valid.

Nothing here imports Textual; lxml and zipfile do the parsing.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path

from reader.book import Book, Chapter, TocEntry
from reader.document import DocumentBuilder
from reader.formats.epub.archive import BookError, EntryError, EpubArchive
from reader.formats.epub.content import ChapterRenderer
from reader.formats.epub.package import (
    DRM_PROTECTED,
    Package,
    check_drm,
    find_package,
    read_package,
)
from reader.formats.epub.toc import NavPoint, read_nav, read_ncx
from reader.formats.epub.xml import XmlError, parse_content
from reader.formats.parsed import ParsedArticle
from reader.sanitize import clean_line

__all__ = ["parse_book", "BookError", "DRM_PROTECTED", "EPUB_SUFFIXES"]

#: File suffixes read as EPUB books.
EPUB_SUFFIXES = frozenset({".epub"})
_MIMETYPE = "application/epub+zip"


def parse_book(
    path: Path, *, limit: int | None = None, summary: bool = False
) -> ParsedArticle:
    """Read the EPUB at ``path`` into a document with its :class:`~reader.book.Book`.

    The result's ``fingerprint`` (the article id) is a digest of the spine documents' bytes in
    reading order, so it is the same whether the book is read whole or summarised.

    Args:
        path: The file.
        limit: Render only chapters until about this many characters (a preview).
        summary: Only metadata and a word count (``words``, counted on the documents' bytes
            without parsing them), no text: what the library lists, several times faster;
            the contents are then empty.

    Raises:
        BookError: the file is not a readable EPUB (with the reason), or it is DRM-protected.
    """
    with EpubArchive(path) as archive:
        check_drm(archive)
        skipped = list(archive.skipped)
        mimetype = archive.text_of("mimetype") if archive.find("mimetype") else None
        package = read_package(archive, find_package(archive))
        skipped.extend(package.skipped)
        builder = DocumentBuilder()
        renderer = ChapterRenderer(archive, builder, limit)
        chapters: list[Chapter] = []
        forgiving = 0
        truncated = False
        spine = package.spine
        ordered = [s for s in spine if s.linear] + [s for s in spine if not s.linear]
        digest = hashlib.blake2b(digest_size=8)
        words = 0
        for spine_item in ordered:
            if limit is not None and builder.blocks and builder.blocks[-1].end >= limit:
                truncated = True
                break
            name = spine_item.item.href
            try:
                data = archive.read(name)
                digest.update(data)
                if summary:
                    words += count_words(data)
                    continue
                root, lenient = parse_content(data)
            except EntryError as error:
                skipped.append(clean_line(str(error)))
                continue
            except XmlError as error:
                skipped.append(f"{clean_line(name)}: {clean_line(str(error))}")
                continue
            forgiving += lenient
            found = archive.find(name) or name
            result = renderer.render(root, found)
            chapters.append(
                Chapter(
                    found, result.start, result.end, result.heading, spine_item.linear,
                    spine.index(spine_item),
                )
            )
            if renderer.truncated:
                truncated = True
                break
        document = builder.build()
        if not document.text.strip() and not truncated and not (summary and words):
            reason = "; ".join(skipped[:3]) if skipped else "no readable chapters"
            raise BookError(f"no readable text in this book ({reason})")
        toc: list[TocEntry] = []
        if not truncated and not summary:
            toc = _place_toc(archive, package, renderer.targets)
            if not toc:
                toc = _fallback_toc(chapters)
                if package.nav or package.ncx:
                    skipped.append("the table of contents points nowhere: built from the chapters")
        titled = _titled_chapters(chapters, toc)
        book = Book(
            creators=package.creators,
            language=package.language,
            publisher=package.publisher,
            identifier=package.identifier,
            series=package.series,
            series_index=package.series_index,
            chapters=titled,
            toc=toc,
            targets=renderer.targets,
            notes=sorted(renderer.notes),
            skipped=skipped,
        )
    notices: list[str] = []
    if mimetype is not None and mimetype != _MIMETYPE:
        notices.append("its mimetype entry is wrong")
    if forgiving:
        notices.append(
            f"{forgiving} chapter{'s were' if forgiving != 1 else ' was'} not well-formed XHTML "
            "and read leniently"
        )
    if skipped:
        shown = "; ".join(skipped[:3]) + (f" (and {len(skipped) - 3} more)" if len(skipped) > 3
                                           else "")
        notices.append(f"skipped: {shown}")
    authors = [creator.name for creator in book.authors]
    return ParsedArticle(
        document=document,
        title=package.title,
        author=", ".join(authors),
        date=package.date,
        tags=package.subjects,
        notice=("This book was read with problems: " + "; ".join(notices) + ".")
        if notices and not truncated
        else None,
        book=book,
        fingerprint=digest.hexdigest(),
        words=words if summary else None,
    )


def count_words(data: bytes) -> int:
    """Words in a content document's text, counted on its bytes without parsing it (the
    ``<head>``, scripts, styles, comments and tags left out): the library's quick count."""
    data = _UNCOUNTED.sub(b" ", data)
    return len(_TAG.sub(b" ", data).split())


_UNCOUNTED = re.compile(
    rb"<!--.*?(?:-->|\Z)|<(head|script|style)[\s>].*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(rb"<[^>]*>")


def _place_toc(archive: EpubArchive, package: Package, targets: dict[str, int]) -> list[TocEntry]:
    points: list[NavPoint] = []
    if package.nav:
        points = read_nav(archive, package.nav)
    if not points and package.ncx:
        points = read_ncx(archive, package.ncx)
    entries: list[TocEntry] = []
    for point in points:
        start = targets.get(point.target)
        if start is None and "#" in point.target:
            start = targets.get(point.target.split("#", 1)[0])
        if start is not None:
            entries.append(TocEntry(point.title, point.level, start))
    entries.sort(key=lambda entry: entry.start)  # stable: nested entries keep their order
    return entries


def _fallback_toc(chapters: list[Chapter]) -> list[TocEntry]:
    entries: list[TocEntry] = []
    for number, chapter in enumerate(chapters, start=1):
        if chapter.end <= chapter.start:
            continue
        title = chapter_label(chapter, number)
        entries.append(TocEntry(title, 1, chapter.start))
    return entries


def _titled_chapters(chapters: list[Chapter], toc: list[TocEntry]) -> list[Chapter]:
    by_start: dict[int, str] = {}
    for entry in toc:
        by_start.setdefault(entry.start, entry.title)
    return [
        Chapter(c.href, c.start, c.end, by_start.get(c.start) or c.title, c.linear, c.spine_index)
        for c in chapters
    ]


def chapter_label(chapter: Chapter, number: int) -> str:
    """A chapter's title, else its file name (``chapter-3``), else ``Chapter N``."""
    if chapter.title:
        return chapter.title
    stem = posixpath.splitext(posixpath.basename(chapter.href))[0]
    return clean_line(stem.replace("_", " ").replace("-", " ")) or f"Chapter {number}"



