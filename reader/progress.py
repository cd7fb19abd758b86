"""A one-line progress bar for commands, drawn on a terminal only.

The bar is drawn on ``stream`` (standard error) only when it is a terminal, so pipes and log
files never receive carriage returns. Result lines printed through :meth:`ProgressLine.print`
appear above the bar (the bar is cleared, the line printed, the bar drawn again); updates may
come from worker threads.
"""

from __future__ import annotations

import shutil
import threading
import time
from typing import TextIO

from reader.sanitize import clean_line

_MIN_INTERVAL = 0.05


class ProgressLine:
    """``[########            ]  12/50 fetched`` on a terminal; nothing elsewhere."""

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        self.stream = stream
        self.total = max(0, total)
        self.label = clean_line(label)
        self.done = 0
        self._lock = threading.RLock()
        self._drawn = False
        self._last = 0.0
        try:
            self.enabled = bool(stream.isatty()) and total > 0
        except (AttributeError, ValueError, OSError):
            self.enabled = False

    def update(self, done: int) -> None:
        """Show that ``done`` of the total are finished (safe from any thread)."""
        with self._lock:
            self.done = max(self.done, done)
            now = time.monotonic()
            if not self.enabled or (now - self._last < _MIN_INTERVAL and done < self.total):
                return
            self._last = now
            self._draw()

    def print(self, line: str, stream: TextIO) -> None:
        """Print ``line`` to ``stream`` above the bar."""
        with self._lock:
            self._clear()
            print(line, file=stream, flush=True)
            if self.enabled and self.done < self.total:
                self._draw()

    def close(self) -> None:
        """Remove the bar."""
        with self._lock:
            self._clear()
            self.enabled = False

    def _draw(self) -> None:
        width = max(10, min(40, shutil.get_terminal_size((80, 24)).columns - 30))
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + " " * (width - filled)
        try:
            self._write(f"\r[{bar}] {self.done}/{self.total} {self.label}\x1b[K")
            self._drawn = True
        except (OSError, ValueError):
            self.enabled = False

    def _clear(self) -> None:
        if not self._drawn:
            return
        try:
            self._write("\r\x1b[K")
        except (OSError, ValueError):
            pass
        self._drawn = False

    def _write(self, text: str) -> None:
        """Write the bar's own control sequences (the label is cleaned already), past a stream
        wrapper that cleans what commands print (its ``write_trusted``), if there is one."""
        trusted = getattr(self.stream, "write_trusted", None)
        if callable(trusted):
            trusted(text)
        else:
            self.stream.write(text)
        self.stream.flush()
