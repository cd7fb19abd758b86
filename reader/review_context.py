"""What the review shows around a highlight: its paragraph, the article's title and author.

Loaded from the article as it is now (the quote is re-anchored); a highlight whose text is
gone (orphaned, or the file is unreadable) reviews from its stored quote and context.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotations.anchoring import anchor
from annotations.model import AnchorStatus, Annotation
from annotations.quote_only import FORMAT_NAMES
from reader.article_access import ArticleScope
from reader.loading import ArticleError
from reader.sanitize import clean_line, clean_text, normalize_newlines

#: Most characters of a paragraph shown either side of the quote.
PARAGRAPH_CHARS = 600


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """A highlight in its paragraph, ready to show.

    Attributes:
        title: The article's title (or its file name).
        author: The article's author, or "".
        before: Paragraph text before the quote.
        quote: The quote as it is in the article now (or as stored, when orphaned).
        after: Paragraph text after the quote.
        orphaned: True when the quote is no longer in the article.
        start: Where the quote starts in the article's text now (None when orphaned).
        end: Where it ends.
        imported_from: For a quote-only highlight (its book not in the library), the tools it
            was imported from ("Kindle"); "" otherwise.
    """

    title: str
    author: str
    before: str
    quote: str
    after: str
    orphaned: bool
    start: int | None = None
    end: int | None = None
    imported_from: str = ""


def _title_from_path(path: str) -> str:
    stem = Path(path).stem.replace("_", " ").replace("-", " ")
    return clean_line(" ".join(stem.split()) or Path(path).name)


def _clean(text: str) -> str:
    return clean_text(normalize_newlines(text))


def _clip_before(text: str) -> str:
    return text if len(text) <= PARAGRAPH_CHARS else "…" + text[-PARAGRAPH_CHARS:].lstrip()


def _clip_after(text: str) -> str:
    return text if len(text) <= PARAGRAPH_CHARS else text[:PARAGRAPH_CHARS].rstrip() + "…"


def stored_context(annotation: Annotation, title: str = "", author: str = "") -> ReviewContext:
    """The highlight from its stored quote and context (for an orphaned highlight, or a
    quote-only one: then the title and author are those the import gave)."""
    quote = annotation.quote
    source = annotation.source
    if annotation.quote_only and source is not None:
        return ReviewContext(
            title=clean_line(title or source.title or source.url or "(untitled)"),
            author=clean_line(author or source.author),
            before=_clean(quote.prefix),
            quote=_clean(quote.exact),
            after=_clean(quote.suffix),
            orphaned=False,
            imported_from=FORMAT_NAMES.get(source.format, source.format) or "an import",
        )
    return ReviewContext(
        title=title or _title_from_path(annotation.path),
        author=author,
        before=_clean(quote.prefix),
        quote=_clean(quote.exact),
        after=_clean(quote.suffix),
        orphaned=True,
    )


def review_context(annotation: Annotation, scope: ArticleScope) -> ReviewContext:
    """Load the highlight's article (only from inside ``scope``: a stored path is data) and
    find its paragraph; never raises (an article outside the library, an unreadable one or a
    lost quote gives :func:`stored_context`)."""
    if annotation.quote_only:
        return stored_context(annotation)
    try:
        article = scope.load(annotation.path)
    except (ArticleError, OSError, RecursionError, ValueError):
        return stored_context(annotation)
    title = clean_line(article.meta.title) or _title_from_path(annotation.path)
    author = clean_line(article.meta.author)
    text = article.text
    found = anchor(annotation, text)
    if found.status is AnchorStatus.ORPHANED or not 0 <= found.start < found.end <= len(text):
        return stored_context(annotation, title, author)
    start, end = found.start, found.end
    paragraph_start = text.rfind("\n\n", 0, start)
    paragraph_start = 0 if paragraph_start < 0 else paragraph_start + 2
    paragraph_end = text.find("\n\n", end)
    paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
    return ReviewContext(
        title=title,
        author=author,
        before=_clip_before(_clean(text[paragraph_start:start]).lstrip()),
        quote=_clean(text[start:end]),
        after=_clip_after(_clean(text[end:paragraph_end]).rstrip()),
        orphaned=False,
        start=start,
        end=end,
    )
