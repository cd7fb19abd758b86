"""The header of an article read from Markdown (or HTML): title, dek and byline, and site chrome.

Guessed from the rendered blocks when front matter does not say: the first heading (or a short
first line) is the title, an all-emphasis paragraph under it the dek, a "By …" line the byline.
Short non-prose paragraphs that are site chrome ("Share this article") and paragraphs made only
of call-to-action images are marked ``CHROME``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reader.document import BlockKind
from reader.formats.chrome import chrome_candidates, is_chrome_line
from reader.formats.frontmatter import FrontMatter
from reader.formats.markdown_render import RenderedBlock
from reader.formats.plaintext import looks_like_byline

__all__ = ["ArticleHeader", "mark_header", "mark_chrome"]

_SENTENCE_END = re.compile(r"[.!?…:;,][\"'”’)\]]*$")
_BY_PREFIX = re.compile(r"^(?:by|written by|words by)\s+", re.IGNORECASE)


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .:")


@dataclass(frozen=True, slots=True)
class ArticleHeader:
    """What the header says: each ``None`` when neither front matter nor the text says."""

    title: str | None
    author: str | None
    dek: str | None


def mark_header(blocks: list[RenderedBlock], front: FrontMatter) -> ArticleHeader:
    """Turn the opening blocks into title / dek / byline blocks; return what they say."""
    title = front.title or None
    author = front.author or None
    dek = front.dek or None
    index = _mark_title(blocks, front)
    if index is not None and title is None:
        title = blocks[index].text
    elif title is None:
        headings = (b.text for b in blocks if b.kind is BlockKind.HEADING and "\n" not in b.text)
        title = next(headings, None) or _first_line(blocks)
    after = 0 if index is None else index + 1

    if front.dek:
        if after < len(blocks) and _normalised(blocks[after].text) == _normalised(front.dek):
            blocks[after].kind = BlockKind.DEK
        else:
            blocks.insert(after, RenderedBlock(BlockKind.DEK, front.dek))
        after += 1
    elif index is not None and after < len(blocks) - 1 and _is_all_emphasis(blocks[after]):
        blocks[after].kind = BlockKind.DEK
        dek = blocks[after].text
        after += 1

    if front.author:
        existing = _find_byline(blocks, after, index is not None)
        if existing is not None and _normalised(front.author) in _normalised(
            blocks[existing].text
        ):
            blocks[existing].kind = BlockKind.BYLINE
        else:
            byline = front.author + (f" · {front.date}" if front.date else "")
            blocks.insert(after, RenderedBlock(BlockKind.BYLINE, byline))
    elif index is not None:
        found = _find_byline(blocks, after, True)
        if found is not None:
            if found == after + 1 and dek is None and _could_be_dek(blocks[after]):
                blocks[after].kind = BlockKind.DEK
                dek = blocks[after].text
            blocks[found].kind = BlockKind.BYLINE
            author = _BY_PREFIX.sub("", blocks[found].text)
    return ArticleHeader(title, author, dek)


def _mark_title(blocks: list[RenderedBlock], front: FrontMatter) -> int | None:
    """Mark (or insert) the title block; return its index, or None when there is none."""
    first = blocks[0] if blocks else None
    if front.title:
        if first is not None and first.kind in {BlockKind.HEADING, BlockKind.PARAGRAPH}:
            if _normalised(first.text) == _normalised(front.title):
                first.kind, first.level = BlockKind.TITLE, 0
                return 0
        blocks.insert(0, RenderedBlock(BlockKind.TITLE, front.title))
        return 0
    if first is None:
        return None
    if first.kind is BlockKind.HEADING:
        top = min(b.level for b in blocks if b.kind is BlockKind.HEADING)
        if first.level <= top and "\n" not in first.text:
            first.kind, first.level = BlockKind.TITLE, 0
            return 0
        return None
    if (
        first.kind is BlockKind.PARAGRAPH
        and len(blocks) > 1
        and not any(b.kind is BlockKind.HEADING for b in blocks)
        and "\n" not in first.text
        and len(first.text) <= 150
        and not _SENTENCE_END.search(first.text)
        and not is_chrome_line(first.text)
    ):
        first.kind = BlockKind.TITLE
        return 0
    return None


def _first_line(blocks: list[RenderedBlock]) -> str | None:
    for block in blocks:
        if block.kind is BlockKind.CODE or block.kind is BlockKind.RULE:
            continue
        line = block.text.strip().split("\n", 1)[0].strip()
        if line:
            return line if len(line) <= 120 else line[:119].rsplit(" ", 1)[0] + "…"
    return None


def _find_byline(blocks: list[RenderedBlock], after: int, has_title: bool) -> int | None:
    for index in range(after, min(after + 2, len(blocks))):
        block = blocks[index]
        if block.kind is not BlockKind.PARAGRAPH or "\n" in block.text:
            continue
        explicit = _BY_PREFIX.match(block.text) is not None
        if looks_like_byline(block.text) and (explicit or (has_title and index == after)):
            return index
        if explicit and len(block.text) <= 80:
            return index
    return None


def _could_be_dek(block: RenderedBlock) -> bool:
    return block.kind is BlockKind.PARAGRAPH and "\n" not in block.text and len(block.text) <= 300


def _is_all_emphasis(block: RenderedBlock) -> bool:
    if not _could_be_dek(block):
        return False
    return any(
        span.style == "em" and span.start == 0 and span.end == len(block.text)
        for span in block.spans
    )


def mark_chrome(blocks: list[RenderedBlock]) -> None:
    """Mark short paragraphs that are site chrome, and call-to-action images, ``CHROME``.

    A lone paragraph is the article, never chrome; in a very long document only the paragraphs
    :func:`~reader.formats.chrome.chrome_candidates` names are looked at.
    """
    paragraph = BlockKind.PARAGRAPH
    body = [i for i, b in enumerate(blocks) if b.kind is paragraph]
    if len(body) < 2:
        return
    for index in chrome_candidates(body):
        block = blocks[index]
        if "\n" not in block.text and is_chrome_line(block.text) or _is_button_image(block):
            block.kind = BlockKind.CHROME


#: Alt texts of images that are buttons or calls to action, not pictures of the article.
_BUTTON_ALT = re.compile(
    r"\b(?:call[\s-]*to[\s-]*action|cta|button|banner|subscribe|sign[\s-]*up|download(?:\s+now)?"
    r"|click\s+here|learn\s+more|read\s+more|get\s+started|free\s+trial|buy\s+now|shop\s+now"
    r"|register(?:\s+now)?|book\s+a\s+demo|request\s+a\s+demo|join\s+now|advert\w*|sponsored)\b",
    re.IGNORECASE,
)


def _is_button_image(block: RenderedBlock) -> bool:
    """A paragraph that is only images, each a button or call to action ("New Call-to-action")."""
    images = [span for span in block.spans if span.style == "image"]
    if not images or sum(span.end - span.start for span in images) < len(block.text.strip()) - 2:
        return False
    return all(_BUTTON_ALT.search(block.text[span.start : span.end]) for span in images)
