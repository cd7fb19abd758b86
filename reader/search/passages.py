"""Cut an article into search passages.

A passage is a paragraph-like block of the article's prose (``BODY_KINDS`` plus the title);
a long block is cut into overlapping windows of whole sentences, so a hit points at a few
lines rather than at a page, and any phrase that crosses one sentence boundary lies whole in
some window. Sentences longer than a window are cut at spaces, so a 10 MB single-line file
becomes ordinary passages too. Every passage is a ``(start, end)`` span of the canonical text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reader.document import BODY_KINDS, BlockKind
from reader.loading import Article

#: Blocks up to this many characters are one passage.
MAX_PASSAGE_CHARS = 480
#: A window of sentences grows up to about this many characters.
WINDOW_CHARS = 360

SEARCHED_KINDS = BODY_KINDS | {BlockKind.TITLE}

_SENTENCE = re.compile(r"""[^.!?…\n]*(?:[.!?…]+["'”’)\]]*|\n|$)""")


@dataclass(frozen=True, slots=True)
class Passage:
    """A searchable span ``[start, end)`` of an article's canonical text."""

    start: int
    end: int


def searchable_text(article: Article) -> str:
    """The canonical text with image placeholders (``[image: alt]``) blanked, same length.

    Images may be shown, but their alt text is no passage of the article: a search for "New
    Call-to-action" must not find a button.
    """
    text = article.text
    images = [span for span in article.document.spans if span.style == "image"]
    if not images:
        return text
    parts: list[str] = []
    position = 0
    for span in images:
        if span.start < position:
            continue
        parts.append(text[position : span.start])
        parts.append(" " * (span.end - span.start))
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def article_passages(article: Article, text: str | None = None) -> list[Passage]:
    """Return the passages of ``article`` in text order.

    ``text`` is :func:`searchable_text` of the article when the caller already has it; blocks
    that are only images are no passages.
    """
    text = searchable_text(article) if text is None else text
    passages: list[Passage] = []
    for block in article.document.blocks:
        if block.kind not in SEARCHED_KINDS:
            continue
        start, end = _trim(text, block.start, block.end)
        if end - start <= MAX_PASSAGE_CHARS:
            if end > start:
                passages.append(Passage(start, end))
            continue
        passages.extend(_windows(text, start, end))
    return passages


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``; overlong ones cut at spaces."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text, start, end):
        s, e = _trim(text, match.start(), match.end())
        while e - s > WINDOW_CHARS:
            cut = text.rfind(" ", s + WINDOW_CHARS // 2, s + WINDOW_CHARS)
            if cut <= s:
                cut = s + WINDOW_CHARS
            spans.append((s, cut))
            s, _ = _trim(text, cut, e)
        if e > s:
            spans.append((s, e))
        if match.end() >= end:
            break
    return spans


def _windows(text: str, start: int, end: int) -> list[Passage]:
    """Overlapping windows of whole sentences; consecutive windows share one sentence."""
    sentences = _sentences(text, start, end)
    windows: list[Passage] = []
    first = 0
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences):
            width = sentences[last + 1][1] - sentences[first][0]
            # Grow to WINDOW_CHARS; a window always gets two sentences if they fit a passage.
            if width > WINDOW_CHARS and not (last == first and width <= MAX_PASSAGE_CHARS):
                break
            last += 1
        windows.append(Passage(sentences[first][0], sentences[last][1]))
        if last + 1 >= len(sentences):
            break
        first = last if last > first else last + 1
    return windows
