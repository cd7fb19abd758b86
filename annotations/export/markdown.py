"""Render an article's highlights as Markdown for Obsidian, Logseq or any CommonMark tool.

One section per article: ``# Title``, a metadata list (author, source, dates, number of
highlights), then the highlights in reading order, then the orphaned ones in a final section.
Each highlight is its quote as a literal blockquote, an Obsidian block id (``^postil-1a2b3c4d``,
stable across exports), the note as the user's own Markdown, and a line with the colour, the
tags as ``#tag`` words and the date.

The layout is a template (:mod:`annotations.export.template`); :data:`DEFAULT_TEMPLATE` is the
built-in one and :data:`ARTICLE_FIELDS` / :data:`HIGHLIGHT_FIELDS` document every field.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

from annotations.export.escape import neutralise_note, quote_block
from annotations.export.filters import is_timestamp
from annotations.export.template import Template, TemplateError
from annotations.markdown_escape import escape_inline
from annotations.model import AnchorStatus, Annotation
from reader.safe_read import MAX_TEMPLATE_BYTES, read_regular_file

#: Prefix of every block id in an export (``^postil-<short id>``).
BLOCK_ID_PREFIX = "postil-"

ARTICLE_FIELDS: dict[str, str] = {
    "title": "article title (Markdown-escaped)",
    "author": "author, or empty",
    "source": "source file as a Markdown link to its file:// URI",
    "path": "source file path (Markdown-escaped text)",
    "url": "original URL as a Markdown link, or empty",
    "date": "publication date, or empty",
    "publisher": "a book's publisher, or empty",
    "language": "a book's language, or empty",
    "identifier": "a book's identifier (ISBN, UUID), or empty",
    "series": "a book's series (with its number), or empty",
    "has_chapters": "true for a book: its highlights are grouped by chapter",
    "chapters": "list: a book's chapters that have highlights, in reading order",
    "exported": "export time, ISO 8601 UTC",
    "article_id": "postil's article id",
    "missing": "true when the article file could not be read",
    "count": "number of highlights exported",
    "located_count": "number of highlights found in the text",
    "orphan_count": "number of orphaned highlights (0 is empty)",
    "has_highlights": "true when there are located highlights",
    "has_orphans": "true when there are orphaned highlights",
    "highlights": "list: located highlights in reading order",
    "orphans": "list: orphaned highlights, oldest first",
}

CHAPTER_FIELDS: dict[str, str] = {
    "chapter": "the chapter title (Markdown-escaped)",
    "highlights": "list: the chapter's highlights in reading order",
}

HIGHLIGHT_FIELDS: dict[str, str] = {
    "chapter": "for a book, the chapter title (Markdown-escaped); else empty",
    "quote": "the quote as a blockquote that renders literally (several lines)",
    "quote_text": "the quote as escaped inline text on one line",
    "note": "the note, the user's Markdown (headings demoted, markers defused); may be empty",
    "tags": "tags as '#tag' words separated by spaces; may be empty",
    "color": "highlight colour: yellow, green, blue, pink or purple",
    "block_id": "Obsidian block id line, e.g. ^postil-1a2b3c4d",
    "short_id": "the block id without '^', for links: [[File#^postil-1a2b3c4d]]",
    "id": "the annotation's full id",
    "created": "creation time, ISO 8601 UTC",
    "updated": "last change, ISO 8601 UTC",
    "created_date": "creation date, YYYY-MM-DD",
    "status": "anchoring status: anchored, moved, fuzzy or orphaned",
}

#: The built-in layout. ``postil export --print-template`` prints it as a starting point.
DEFAULT_TEMPLATE = """\
{{! postil export template (Mustache-style), see `postil export --help`. }}
{{! One highlight, defined once: the chapters' highlights, the highlights and the orphans use it. }}
{{*highlight}}

{{quote}}

{{block_id}}
{{#note}}

{{note}}
{{/note}}

{{color}}{{#tags}} · {{tags}}{{/tags}} · {{created_date}}
{{/highlight}}
# {{title}}

{{#author}}
- Author: {{author}}
{{/author}}
- Source: {{source}}{{#missing}} (file not found){{/missing}}
{{#url}}
- URL: {{url}}
{{/url}}
{{#date}}
- Published: {{date}}
{{/date}}
{{#publisher}}
- Publisher: {{publisher}}
{{/publisher}}
{{#series}}
- Series: {{series}}
{{/series}}
{{#language}}
- Language: {{language}}
{{/language}}
{{#identifier}}
- Identifier: {{identifier}}
{{/identifier}}
- Exported: {{exported}}
- Highlights: {{count}}{{#orphan_count}} ({{orphan_count}} orphaned){{/orphan_count}}
{{#chapters}}

## {{chapter}}
{{#highlights}}
{{>highlight}}
{{/highlights}}
{{/chapters}}
{{^has_chapters}}
{{#has_highlights}}

## Highlights
{{/has_highlights}}
{{#highlights}}
{{>highlight}}
{{/highlights}}
{{/has_chapters}}
{{#has_orphans}}

## Orphaned highlights

*Not found in the current text of the article (it was edited or replaced). \
Kept as they were highlighted.*
{{/has_orphans}}
{{#orphans}}
{{>highlight}}
{{/orphans}}
"""

_LIST_FIELDS = frozenset({"highlights", "orphans", "chapters"})
_TEMPLATE_SCOPES: dict[str, frozenset[str]] = {
    "": frozenset(ARTICLE_FIELDS),
    "chapters": frozenset(CHAPTER_FIELDS),
    "highlights": frozenset(HIGHLIGHT_FIELDS),
    "orphans": frozenset(HIGHLIGHT_FIELDS),
}
_REGION_MARKER = re.compile(r"<!--\s*postil\s*:", re.IGNORECASE)
_UUID_HEX = re.compile(r"^[0-9a-f]{32}$")
_TAG_UNSAFE = re.compile(r"[^\w/-]+")


@dataclass(frozen=True, slots=True)
class ChapterMark:
    """Where a book's chapter starts in its canonical text, and its title."""

    start: int
    title: str


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """What an export says about an article: plain data, no dependency on the reader.

    Attributes:
        id: postil's article id (content fingerprint), or "" when unknown.
        path: Absolute path of the article file.
        title: Display title.
        author: Author, or "".
        url: Original URL, or "".
        date: Publication date, or "".
        missing: True when the file could not be read (metadata then comes from the path).
        publisher: A book's publisher, or "".
        language: A book's language, or "".
        identifier: A book's identifier, or "".
        series: A book's series with its number ("The Sea #2"), or "".
        chapters: A book's chapters (start offsets, sorted); empty for articles.
        imported_from: For a quote-only book (imported, not in the library, no ``path``):
            the tools its highlights came from ("Kindle"); "" for library articles.
    """

    id: str
    path: str
    title: str
    author: str = ""
    url: str = ""
    date: str = ""
    missing: bool = False
    publisher: str = ""
    language: str = ""
    identifier: str = ""
    series: str = ""
    chapters: tuple[ChapterMark, ...] = ()
    imported_from: str = ""

    def chapter_at(self, offset: int) -> str:
        """The title of the chapter ``offset`` is in ("" before the first or for articles)."""
        starts = [mark.start for mark in self.chapters]
        index = bisect.bisect_right(starts, offset) - 1
        return self.chapters[index].title if index >= 0 else ""

    @classmethod
    def for_missing(cls, path: str, article_id: str = "") -> ArticleInfo:
        """Metadata for an article whose file cannot be read: the title from the file name."""
        stem = Path(path).stem
        title = " ".join(stem.replace("_", " ").replace("-", " ").split()) or Path(path).name
        return cls(id=article_id, path=path, title=title or "(untitled)", missing=True)


@dataclass(frozen=True, slots=True)
class ArticleExport:
    """One article and the annotations to export for it (already anchored)."""

    article: ArticleInfo
    annotations: tuple[Annotation, ...]

    @property
    def located(self) -> list[Annotation]:
        """Annotations found in the text, in reading order."""
        found = [a for a in self.annotations if a.status is not AnchorStatus.ORPHANED]
        return sorted(found, key=lambda a: (a.start, a.end, a.created, a.id))

    @property
    def orphans(self) -> list[Annotation]:
        """Orphaned annotations, oldest first."""
        lost = [a for a in self.annotations if a.status is AnchorStatus.ORPHANED]
        return sorted(lost, key=lambda a: (a.created, a.id))


def compile_template(source: str) -> Template:
    """Compile a layout template, checking its field names.

    Raises:
        TemplateError: for syntax errors, unknown fields, or postil's region markers in it.
    """
    if _REGION_MARKER.search(source):
        raise TemplateError("the template must not contain postil's region markers (<!-- postil:")
    return Template.compile(source, _TEMPLATE_SCOPES)


def load_template(path: Path) -> Template:
    """Read and compile a template file.

    Raises:
        TemplateError: when the file cannot be read or is not a valid template.
    """
    try:
        source = read_regular_file(path, MAX_TEMPLATE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise TemplateError(f"{path}: cannot read template: {reason}") from None
    try:
        return compile_template(source)
    except TemplateError as error:
        raise TemplateError(f"{path}: {error}") from None


_DEFAULT: Template | None = None


def default_template() -> Template:
    """The compiled built-in layout."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = compile_template(DEFAULT_TEMPLATE)
    return _DEFAULT


def block_ids(annotations: Iterable[Annotation]) -> dict[str, str]:
    """Map annotation ids to short block ids (``postil-1a2b3c4d``), unique within the set.

    The short id is the start of the annotation's uuid (8 hex digits), lengthened only where two
    annotations of the set would share it, so links keep working across re-exports.
    """
    digests = {a.id: _id_digest(a.id) for a in annotations}
    result: dict[str, str] = {}
    length = 8
    pending = dict(digests)
    while pending:
        groups: dict[str, list[str]] = {}
        for ident, digest in pending.items():
            groups.setdefault(digest[:length], []).append(ident)
        pending = {}
        for short, members in groups.items():
            if len(members) == 1 or length >= 32:
                for ident in members:
                    result[ident] = BLOCK_ID_PREFIX + short
            else:
                pending.update({ident: digests[ident] for ident in members})
        length += 4
    return result


def _id_digest(ident: str) -> str:
    plain = ident.lower().removeprefix("urn:uuid:").replace("-", "")
    if _UUID_HEX.match(plain):
        return plain
    return hashlib.blake2b(ident.encode("utf-8"), digest_size=16).hexdigest()


def tag_word(tag: str) -> str:
    """Render a normalised tag as an Obsidian/Logseq ``#tag`` word (only ``\\w``, ``-``, ``/``)."""
    safe = _TAG_UNSAFE.sub("-", tag).strip("-")
    return f"#{safe}" if safe else ""


def _link(text: str, target: str) -> str:
    destination = url_quote(target, safe=":/?#[]@!$&'()*+,;=%~")
    return f"[{escape_inline(text)}](<{destination}>)"


def _source(article: ArticleInfo) -> str:
    """The article's file as a link, or what a quote-only book is (it has no file)."""
    if not article.path and article.imported_from:
        return escape_inline(
            f"imported from {article.imported_from} (quote-only: the book is not in the "
            "library)"
        )
    return _file_link(article.path)


def _file_link(path: str) -> str:
    candidate = Path(path)
    if not candidate.is_absolute():
        return escape_inline(path)
    return f"[{escape_inline(path)}](<{candidate.as_uri()}>)"


def highlight_fields(
    annotation: Annotation, block_id: str, chapter: str = ""
) -> dict[str, Any]:
    """The template fields of one highlight (see :data:`HIGHLIGHT_FIELDS`)."""
    return {
        "chapter": escape_inline(chapter),
        "quote": quote_block(annotation.quote.exact),
        "quote_text": escape_inline(annotation.quote.exact),
        "note": neutralise_note(annotation.note),
        "tags": " ".join(word for word in map(tag_word, annotation.tags) if word),
        "color": annotation.color.value,
        "block_id": f"^{block_id}",
        "short_id": block_id,
        "id": annotation.id,
        "created": annotation.created,
        "updated": annotation.updated,
        "created_date": annotation.created[:10],
        "status": annotation.status.value,
    }


def article_fields(export: ArticleExport, exported_at: str) -> dict[str, Any]:
    """The template fields of one article (see :data:`ARTICLE_FIELDS`)."""
    article = export.article
    located, orphans = export.located, export.orphans
    ids = block_ids(export.annotations)
    chapters: list[dict[str, Any]] = []
    if article.chapters:
        current: str | None = None
        for annotation in located:
            title = article.chapter_at(annotation.start) or annotation.chapter
            if title != current or not chapters:
                current = title
                chapters.append({"chapter": escape_inline(title) or "(untitled)", "highlights": []})
            fields = highlight_fields(annotation, ids[annotation.id], title)
            chapters[-1]["highlights"].append(fields)
    series = article.series
    return {
        "title": escape_inline(article.title) or "(untitled)",
        "author": escape_inline(article.author),
        "source": _source(article),
        "path": escape_inline(article.path),
        "url": _link(article.url, article.url) if article.url.strip() else "",
        "date": escape_inline(article.date),
        "publisher": escape_inline(article.publisher),
        "language": escape_inline(article.language),
        "identifier": escape_inline(article.identifier),
        "series": escape_inline(series),
        "has_chapters": bool(article.chapters),
        "chapters": chapters,
        "exported": exported_at if is_timestamp(exported_at) else "",
        "article_id": article.id,
        "missing": article.missing,
        "count": len(located) + len(orphans),
        "located_count": len(located),
        "orphan_count": len(orphans),
        "has_highlights": bool(located),
        "has_orphans": bool(orphans),
        "highlights": [highlight_fields(a, ids[a.id], a.chapter) for a in located],
        "orphans": [highlight_fields(a, ids[a.id], a.chapter) for a in orphans],
    }


def render_article(
    export: ArticleExport, *, exported_at: str, template: Template | None = None
) -> str:
    """Render one article's section; the result ends with exactly one newline."""
    chosen = template or default_template()
    text = chosen.render(article_fields(export, exported_at))
    return text.strip("\n") + "\n"


def render_markdown(
    exports: Sequence[ArticleExport], *, exported_at: str, template: Template | None = None
) -> str:
    """Render every article's section, separated by a blank line ("" when there are none)."""
    return "\n".join(
        render_article(export, exported_at=exported_at, template=template) for export in exports
    )
