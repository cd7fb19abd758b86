"""Reading progress and reading times, as the reading view and the library show them.

Progress is how far the reader has read: the top of the screen through the text. It is 0 at
the start, grows as the top of the screen moves down, and reaches 1 (100 %) only when the end
of the text is on screen at the bottom of the view. An article that fits on one screen stays at
0 % until then — opening it is not reading it. The reading view and the library's Read
column both format it with :func:`format_percent`, so they always agree.
"""

from __future__ import annotations

import math


def reading_progress(top_row: int, last_top_row: int) -> float:
    """Progress 0-1 with ``top_row`` at the top of the view; ``last_top_row`` is the bottom."""
    if last_top_row <= 0:
        return 0.0
    return max(0.0, min(1.0, top_row / last_top_row))


def format_percent(progress: float, none: str = "—") -> str:
    """``"37%"``: rounded down, so "100%" means the end was reached (``none`` for 0)."""
    if not progress > 0:  # also NaN from a damaged record
        return none
    if progress >= 1:
        return "100%"
    return f"{min(99, math.floor(progress * 100))}%"


def format_duration(minutes: float) -> str:
    """A reading time: ``"4 min"``, ``"1 h"``, ``"39 h 22 min"`` (``"<1 min"`` for under one)."""
    if not minutes > 0:
        return "0 min"
    whole = math.ceil(minutes)
    if whole < 60:
        return f"{whole} min" if minutes >= 1 else "<1 min"
    hours, rest = divmod(whole, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def time_left(reading_minutes: float, progress: float) -> str:
    """What the status line says: ``"39 h 22 min left"``, or ``"finished"`` at the end."""
    if progress >= 1:
        return "finished"
    remaining = reading_minutes * (1 - max(0.0, progress))
    return f"{format_duration(remaining)} left"
