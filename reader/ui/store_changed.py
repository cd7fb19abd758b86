"""The message the app sends its screens when the database changed from outside (a sync)."""

from __future__ import annotations

from textual.message import Message


class StoreChanged(Message):
    """Annotations, positions or review state changed outside this app (merged from another
    device): screens showing them read them again."""
