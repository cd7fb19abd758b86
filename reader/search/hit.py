"""A search result and the snippet the UI shows for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked passage.

    All offsets are character offsets into the article's canonical text (``Article.text``).

    Attributes:
        path: Absolute path of the article file.
        title: The article's display title.
        article_id: The article's fingerprint id.
        score: 0-100; 100 is the exact phrase, 60-99 every word (typos allowed), below 60
            a partial match.
        start: Start of the passage.
        end: End of the passage.
        match_start: Start of the best-matching span inside the passage (becomes the selection).
        match_end: End of the best-matching span.
        text: The passage text, ``article.text[start:end]`` with image placeholders blanked.
        words: Spans of the passage's words that match a query word (to emphasise).
        chapter: For a book, the title of the chapter the match is in; None for articles.
        annotation_id: For an imported highlight whose book is not in the library (a
            quote-only source, no ``path``): its id; the passage is its quote (or note).
    """

    path: str
    title: str
    article_id: str
    score: float
    start: int
    end: int
    match_start: int
    match_end: int
    text: str
    words: tuple[tuple[int, int], ...] = ()
    chapter: str | None = None
    annotation_id: str = ""

    @property
    def quote_only(self) -> bool:
        """True for a highlight of a quote-only source (nothing to open)."""
        return bool(self.annotation_id)

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``postil search --json`` prints for this hit (``chapter``: books)."""
        record: dict[str, Any] = {
            "path": self.path,
            "title": self.title,
            "score": round(self.score, 1),
            "start": self.start,
            "end": self.end,
            "match_start": self.match_start,
            "match_end": self.match_end,
            "text": self.text,
        }
        if self.chapter is not None:
            record["chapter"] = self.chapter
        if self.quote_only:
            record.update(path=None, quote_only=True, annotation_id=self.annotation_id)
        return record

    def snippet(self, width: int = 80) -> tuple[str, list[tuple[int, int]]]:
        """A one-line excerpt of about ``width`` characters around the match.

        Returns the excerpt (newlines turned into spaces, "…" where it was cut) and the spans,
        relative to the excerpt, of the matched words to emphasise. The excerpt is plain text:
        style it with ranges, never by interpreting it as markup.
        """
        width = max(width, 10)
        relative_start = self.match_start - self.start
        relative_end = self.match_end - self.start
        length = len(self.text)
        if length <= width:
            left, right = 0, length
        else:
            context = max(0, (width - (relative_end - relative_start)) // 3)
            left = max(0, relative_start - context)
            right = min(length, left + width)
            left = max(0, right - width)
            if left > 0:
                space = self.text.find(" ", left, relative_start)
                left = space + 1 if space != -1 else left
            if right < length:
                space = self.text.rfind(" ", max(left, relative_end), right)
                right = space if space > left else right
        prefix = "…" if left > 0 else ""
        suffix = "…" if right < length else ""
        body = self.text[left:right].replace("\n", " ").replace("\t", " ")
        shift = len(prefix) - left
        spans = []
        for word_start, word_end in self.words:
            start = word_start - self.start
            end = word_end - self.start
            if start >= left and end <= right:
                spans.append((start + shift, end + shift))
        return prefix + body + suffix, spans
