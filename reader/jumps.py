"""A vim-style jump list of reading positions (``ctrl+o`` back, ``ctrl+i`` forward).

Every jump inside a book (a footnote, a cross reference, a contents entry, the next chapter)
records where the reader was, so they can come back. Going back from the newest entry first
remembers the current place, so ``ctrl+i`` returns to it. Recording a new jump after going back
drops the entries ahead, as in vim. The list keeps at most :data:`MAX_JUMPS` entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Oldest entries are dropped beyond this many.
MAX_JUMPS = 100


@dataclass(slots=True)
class JumpList:
    """Positions (canonical text offsets) the reader jumped away from."""

    entries: list[int] = field(default_factory=list)
    index: int = 0
    """Where ``back`` / ``forward`` stand: ``len(entries)`` when not travelling."""

    def record(self, offset: int) -> None:
        """Remember ``offset`` as the place a jump leaves from."""
        del self.entries[self.index :]
        if not self.entries or self.entries[-1] != offset:
            self.entries.append(offset)
        del self.entries[:-MAX_JUMPS]
        self.index = len(self.entries)

    def back(self, current: int) -> int | None:
        """The position to go back to from ``current`` (None at the oldest)."""
        if self.index == 0:
            return None
        if self.index == len(self.entries):
            # Leaving the newest place: remember it so forward() can return here.
            if not self.entries or self.entries[-1] != current:
                self.entries.append(current)
            self.index = len(self.entries) - 1
        self.index -= 1
        return self.entries[self.index]

    def forward(self) -> int | None:
        """The position to go forward to (None when there is none)."""
        if self.index + 1 >= len(self.entries):
            return None
        self.index += 1
        return self.entries[self.index]
