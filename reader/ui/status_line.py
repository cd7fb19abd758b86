"""Fitting a status line into its width: drop what matters least, never cut without an ellipsis.

Pure Rich text (no Textual): the reading screen builds the parts, this module decides what fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

SEPARATOR = "  ·  "
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class StatusPart:
    """One part of a status line.

    Attributes:
        text: What it shows.
        drop: Order in which parts are left out when space is short (1 first; 0 never).
        shrink: Minimum cells it may be cut to (with an ellipsis); 0 = never cut.
        prefer: Cells it is cut to before any part is dropped (0 = only after).
    """

    text: Text
    drop: int = 0
    shrink: int = 0
    prefer: int = 0


def ellipsize(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis (unchanged if it fits)."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    cut = Text(text)
    cut.truncate(width, overflow="ellipsis")
    return cut.plain


def fit_status(parts: list[StatusPart], width: int) -> Text:
    """Join ``parts`` with separators so that the line fits ``width`` cells.

    Shrinkable parts are first cut (with an ellipsis) to their ``prefer`` width, then optional
    parts are dropped (lowest ``drop`` first), then shrinkable parts are cut further; if it
    still does not fit, the line ends in an ellipsis.
    """
    texts = {id(p): p.text.copy() for p in parts}
    shown = list(parts)

    def length() -> int:
        return sum(texts[id(p)].cell_len for p in shown) + cell_len(SEPARATOR) * max(
            0, len(shown) - 1)

    def shrink(limit: str) -> None:
        for part in sorted(shown, key=lambda p: -texts[id(p)].cell_len):
            excess = length() - width
            floor = getattr(part, limit)
            text = texts[id(part)]
            if excess <= 0 or not floor:
                continue
            room = max(floor, text.cell_len - excess)
            if room < text.cell_len:
                text.truncate(room, overflow="ellipsis")

    shrink("prefer")
    for rank in sorted({p.drop for p in parts if p.drop}):
        if length() <= width:
            break
        shown = [p for p in shown if p.drop != rank]
    shrink("shrink")
    line = Text(SEPARATOR).join(texts[id(p)] for p in shown)
    if line.cell_len > width:
        line.truncate(width, overflow="ellipsis")
    line.no_wrap = True
    return line
