"""Cut an article into search passages.

A passage is a paragraph-like block of the article's prose (``BODY_KINDS`` plus the title);
a long block is cut into overlapping windows of sentences, so a hit points at a few lines
rather than at a page. Consecutive windows overlap by at least :data:`PHRASE_CHARS`
characters, so any span of up to that length — a dozen words, across a sentence boundary or
not — lies whole in some window and is found as the exact phrase. Windows start at a sentence
when one starts far enough back, else at a word. Sentences longer than a window are cut at
spaces, so a 10 MB single-line file becomes ordinary passages too. Every passage is a
``(start, end)`` span of the canonical text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reader.article import Article
from reader.document import BODY_KINDS, BlockKind

#: Blocks up to this many characters are one passage.
MAX_PASSAGE_CHARS = 480
#: A window of sentences grows up to about this many characters.
WINDOW_CHARS = 360
#: Consecutive windows share at least this many characters: any span this long (about a dozen
#: words) lies whole in one window.
PHRASE_CHARS = 120
#: A window starts at a sentence when that makes it overlap the previous one by at most this
#: many characters more than PHRASE_CHARS; else it starts at the word PHRASE_CHARS back.
MAX_OVERLAP = 60

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
    """Windows of sentences; each next one begins :data:`PHRASE_CHARS` or more before the end.

    A window grows by whole sentences up to :data:`WINDOW_CHARS` (beyond it, up to a passage,
    while it holds one sentence or less than :data:`PHRASE_CHARS`) and always takes the
    sentence after the previous window; it never exceeds :data:`MAX_PASSAGE_CHARS`.
    """
    sentences = _sentences(text, start, end)
    if not sentences:
        return []
    windows: list[Passage] = []
    first = must_reach = 0
    begin = sentences[0][0]
    while True:
        last = max(first, must_reach)
        while last + 1 < len(sentences):
            width = sentences[last + 1][1] - begin
            short = last == first or sentences[last][1] - begin < PHRASE_CHARS
            if width > WINDOW_CHARS and not (short and width <= MAX_PASSAGE_CHARS):
                break
            last += 1
        stop = sentences[last][1]
        windows.append(Passage(begin, stop))
        if last + 1 >= len(sentences):
            return windows
        must_reach = last + 1
        lowest = max(begin + 1, sentences[must_reach][1] - MAX_PASSAGE_CHARS)
        target = stop - PHRASE_CHARS
        # Prefer the latest sentence that begins PHRASE_CHARS before the end of this window
        # (but not much more: windows stay short, which keeps scoring fast).
        following = last
        while following > first and sentences[following][0] > target:
            following -= 1
        if following > first and sentences[following][0] >= max(lowest, target - MAX_OVERLAP):
            first, begin = following, sentences[following][0]
            continue
        word = _word_start_before(text, target, lowest) or _word_start_after(text, lowest, stop)
        if word is None:
            first, begin = must_reach, sentences[must_reach][0]
            continue
        while sentences[first][1] <= word:
            first += 1
        begin = word


def _word_start_before(text: str, position: int, floor: int) -> int | None:
    """The start of the last word at or before ``position`` and at or after ``floor``."""
    while position >= floor and not (
        text[position - 1].isspace() and not text[position].isspace()
    ):
        position -= 1
    return position if position >= floor else None


def _word_start_after(text: str, position: int, stop: int) -> int | None:
    """The start of the first word at or after ``position`` and before ``stop``."""
    while position < stop and not (text[position - 1].isspace() and not text[position].isspace()):
        position += 1
    return position if position < stop else None
