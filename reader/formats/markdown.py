"""Markdown articles: rendered into a :class:`~reader.document.Document` with their structure.

YAML front matter (see :mod:`reader.formats.frontmatter`) supplies title, author, date, URL and
tags. The body is read in three steps, each in its own module:

1. :mod:`reader.formats.markdown_tokens` — markdown-it-py and the fast path around it: block
   tokens;
2. :mod:`reader.formats.markdown_render` — the tokens rendered into blocks of display text with
   inline spans (no Markdown syntax left in the text);
3. :mod:`reader.formats.article_header` — title, dek, byline and site chrome marked.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from reader.document import BlockKind, DocumentBuilder, Span
from reader.formats.article_header import mark_chrome, mark_header
from reader.formats.frontmatter import FrontMatter, split_front_matter
from reader.formats.markdown_render import RenderedBlock, Renderer
from reader.formats.markdown_tokens import block_tokens, block_tokens_slow
from reader.formats.parsed import ParsedArticle

__all__ = ["parse", "parse_markdown_body", "plain_paragraphs"]

_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def parse(text: str) -> ParsedArticle:
    """Parse a cleaned Markdown file (front matter optional) into a document with metadata."""
    front, body = split_front_matter(text)
    notice = None
    if front is not None and front.error:
        notice = f"Front matter ignored: {front.error}."
    return parse_markdown_body(body, front or FrontMatter(), notice=notice)


def parse_markdown_body(
    body: str, front: FrontMatter, *, notice: str | None = None, fast: bool = True
) -> ParsedArticle:
    """Render Markdown ``body`` with the metadata in ``front`` (used by the HTML reader too).

    Args:
        body: Markdown text without front matter.
        front: Metadata for the header (title, author, date, url, dek, tags); may be empty.
        notice: Passed through to :attr:`ParsedArticle.notice`.
        fast: Use the plain-paragraph shortcut (the result is the same; False is for tests).
    """
    env: dict[str, Any] = {}
    tokens = block_tokens(body, env) if fast else block_tokens_slow(body, env)
    renderer = Renderer(env)
    blocks = renderer.render(tokens)
    return _article(blocks, front, notice or renderer.notice)


def plain_paragraphs(
    paragraphs: list[str], front: FrontMatter, *, notice: str | None = None
) -> ParsedArticle:
    """An article of plain text paragraphs (no Markdown in them), with the header guessed as
    for Markdown: what a very large web page read as text gives, without escaping its text into
    Markdown and parsing that back."""
    blocks = [RenderedBlock(BlockKind.PARAGRAPH, text) for text in paragraphs if text]
    return _article(blocks, front, notice)


def _article(blocks: list[RenderedBlock], front: FrontMatter, notice: str | None) -> ParsedArticle:
    """The parsed article of rendered ``blocks``: header and chrome marked, links absolute."""
    header = mark_header(blocks, front)
    mark_chrome(blocks)
    base = front.url if front.url.lower().startswith(("http://", "https://")) else ""
    builder = DocumentBuilder()
    add = builder.add
    for block in blocks:
        spans = block.spans
        if base and spans:
            spans = _absolute_links(spans, base)
        add(block.kind, block.text, block.level, block.marker, spans)
    return ParsedArticle(
        builder.build(),
        title=header.title,
        author=header.author,
        dek=header.dek,
        date=front.date or None,
        url=front.url or None,
        tags=list(front.tags),
        notice=notice,
    )


def _absolute_links(spans: list[Span], base: str) -> list[Span]:
    """Resolve relative link targets against the article's source URL."""
    resolved = []
    for span in spans:
        if span.url and not _HAS_SCHEME.match(span.url):
            span = Span(span.start, span.end, span.style, urljoin(base, span.url))
        resolved.append(span)
    return resolved
