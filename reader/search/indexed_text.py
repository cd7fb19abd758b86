"""An article's prose as the library search index holds it: its passages at their offsets.

The index keeps the text of every passage (paragraphs, headings, quotes, list items, the
title) with its span in the article's canonical text. Laid at their offsets they give the
article's prose without loading and parsing the file — what an import needs to anchor quotes
in a library of thousands of articles. Between the passages (block separators, code, tables)
the text is unknown: it is filled with newlines, and :meth:`IndexedText.covers` says whether a
span lies wholly inside known prose. Image alt text is blanked with spaces in the index
(:func:`reader.search.passages.searchable_text`); :meth:`IndexedText.plain` refuses spans that
hold such a run.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

#: Filler for the parts of the text the index does not hold.
GAP = "\n"
#: A run of this many spaces may be a blanked image: such spans are not trusted.
_BLANKED = "   "


@dataclass(frozen=True, slots=True)
class IndexedText:
    """The known prose of an article laid at its canonical offsets.

    Attributes:
        text: The article's text up to its last passage, unknown parts filled with newlines.
        starts: Starts of the known (covered) runs, ascending and disjoint.
        ends: Ends of the known runs (``ends[i] > starts[i]``).
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def from_passages(cls, passages: Iterable[tuple[int, int, str]]) -> IndexedText | None:
        """Lay ``(start, end, text)`` passages (windows may overlap) at their offsets.

        Returns None when the passages disagree with their spans (a damaged index).
        """
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        for start, end, text in sorted(passages, key=_first):
            if start < 0 or end < start or len(text) != end - start:
                return None
            if end <= position:
                continue
            if start > position:
                pieces.append(GAP * (start - position))
                starts.append(start)
                ends.append(end)
            elif starts and ends[-1] == position:
                ends[-1] = end
            else:
                starts.append(start)
                ends.append(end)
            pieces.append(text[max(0, position - start) :])
            position = end
        return cls("".join(pieces), tuple(starts), tuple(ends))

    def run(self, offset: int) -> tuple[int, int] | None:
        """The known run holding ``offset``, or None when it lies in a gap."""
        index = bisect.bisect_right(self.starts, offset) - 1
        if index < 0 or offset >= self.ends[index]:
            return None
        return (self.starts[index], self.ends[index])

    def covers(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` lies wholly inside one known run."""
        if end <= start:
            return False
        run = self.run(start)
        return run is not None and end <= run[1]

    def plain(self, start: int, end: int, context: int) -> tuple[str, str] | None:
        """The prefix and suffix (up to ``context`` characters, cut at the run's bounds) of a
        covered span whose text and context hold no blanked image; None when not trusted."""
        run = self.run(start)
        if run is None or end > run[1] or end <= start:
            return None
        low, high = max(run[0], start - context), min(run[1], end + context)
        if _BLANKED in self.text[low:high]:
            return None
        return (self.text[low:start], self.text[end:high])


def _first(passage: tuple[int, int, str]) -> int:
    return passage[0]


__all__ = ["IndexedText"]
