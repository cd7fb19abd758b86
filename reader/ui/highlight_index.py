"""Which highlights cover which stretch of the canonical text (plain Python, no Textual).

The reading view asks this index, for every row it paints, which highlights overlap the row;
the reading screen asks which highlight is under the cursor. Highlights are kept sorted by start
with a parallel list of starts and the length of the longest one, so an overlap query is two
``bisect`` calls and a scan of the few candidates between them, whatever the number of
highlights in the article.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Highlight:
    """A highlight as the view draws it.

    Attributes:
        id: The annotation's id.
        start: Canonical offset of its first character.
        end: Canonical offset one past its last character.
        color: Its colour name (see :mod:`reader.highlight_colors`).
        has_note: True if the annotation has a note (the view marks the row in the margin).
    """

    id: str
    start: int
    end: int
    color: str = "yellow"
    has_note: bool = False


class HighlightIndex:
    """An immutable set of highlights that answers overlap queries quickly."""

    __slots__ = ("_highlights", "_starts", "_longest")

    def __init__(self, highlights: Iterable[Highlight] = ()) -> None:
        self._highlights = sorted(highlights, key=lambda h: (h.start, h.end))
        self._starts = [h.start for h in self._highlights]
        self._longest = max((h.end - h.start for h in self._highlights), default=0)

    def __len__(self) -> int:
        return len(self._highlights)

    def __iter__(self) -> Iterator[Highlight]:
        """The highlights in text order (by start, then end)."""
        return iter(self._highlights)

    def overlapping(self, start: int, end: int) -> list[Highlight]:
        """Highlights that share at least one character with ``[start, end)``, in text order."""
        lower = bisect.bisect_left(self._starts, start - self._longest)
        upper = bisect.bisect_left(self._starts, end)
        return [h for h in self._highlights[lower:upper] if h.end > start and h.start < end]

    def at(self, offset: int) -> list[Highlight]:
        """Highlights covering ``offset``, innermost (shortest) first."""
        return sorted(self.overlapping(offset, offset + 1), key=lambda h: h.end - h.start)

    def within(self, start: int, end: int) -> list[Highlight]:
        """Highlights overlapping ``[start, end)``; an empty range counts as its first character."""
        return self.overlapping(start, max(end, start + 1))

    def order_of(self, highlight: Highlight) -> int:
        """Position of ``highlight`` in text order (``len(self)`` if it is not in the index).

        Without colour, neighbouring highlights alternate their style by this position.
        """
        order = bisect.bisect_left(self._starts, highlight.start)
        while order < len(self._highlights) and self._highlights[order].id != highlight.id:
            order += 1
        return order
