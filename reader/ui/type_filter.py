"""Type-to-filter for lists: letters typed in a list edit its filter box, in order.

Moving the focus to the box on the first letter loses keys when typing fast: the keys already
on their way go to the list, not the box (``war and peace`` became ``waandpeace``). So the
list keeps the focus and the letters are written into the box from the list's key handler,
every one of them, in the order typed; the box is only styled as active (``-typing``).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.widgets import Input


class TypeToFilter:
    """Routes typing in a list into its filter box.

    Args:
        box: The filter box.
        starts: Whether a character typed in the list (not yet typing) starts the filter;
            characters that are the list's own keys (``g``/``G``, ``q``, …) return False.
    """

    def __init__(self, box: Input, starts: Callable[[str], bool]) -> None:
        self.box = box
        self.starts = starts
        self.active = False
        """True while letters typed in the list go to the filter box."""

    def handle(self, event: events.Key) -> bool:
        """Feed a key pressed in the list; True if it edited the filter (stop the event)."""
        character = event.character if event.is_printable else None
        if character and (self.active or self.starts(character)):
            if not self.active:
                self.box.cursor_position = len(self.box.value)
                self._set_active(True)
            self.box.insert_text_at_cursor(character)
            return True
        if self.active and event.key in {"backspace", "ctrl+h"}:
            self.box.action_delete_left()
            return True
        return False

    def stop(self) -> None:
        """Typing ended (the filter stays)."""
        self._set_active(False)

    def _set_active(self, active: bool) -> None:
        self.active = active
        self.box.set_class(active, "-typing")
