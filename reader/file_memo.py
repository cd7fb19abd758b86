"""The last few results computed from files, so one file is parsed once however many ask.

Opening an article used to parse it up to three times at start: the library listing read its
metadata, the reading screen loaded it, and the search index read it again, each in its own
worker, the three fighting for the interpreter. :class:`FileMemo` keeps the result of the last
few files, keyed by what identifies a file's contents on disk (device, inode, size and the
modification and change times in nanoseconds), and computes a result once even when several
threads ask for it at the same moment: the later callers wait for the first one's result.

A file that changed has a new key, so it is read again; a computation that raises is not kept
(the next caller tries again and gets its own error).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["FileMemo", "file_key"]

T = TypeVar("T")

#: What identifies a file's contents: path, device, inode, size, mtime_ns, ctime_ns.
FileKey = tuple[str, int, int, int, int, int]


def file_key(path: Path) -> FileKey | None:
    """The key of ``path``'s current contents, or None if it cannot be looked at."""
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return (str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns,
            stat.st_ctime_ns)


class FileMemo(Generic[T]):
    """Results of ``compute(path)`` for the ``entries`` most recently computed files."""

    def __init__(self, entries: int = 2) -> None:
        self._entries = entries
        self._results: OrderedDict[FileKey, T] = OrderedDict()
        self._running: dict[FileKey, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, path: Path, compute: Callable[[Path], T]) -> T:
        """The result of ``compute(path)``: kept from an earlier call if the file is unchanged.

        The file is looked at before and after computing; a file that changed meanwhile gives
        its (fresh) result without keeping it.
        """
        key = file_key(path)
        if key is None:
            return compute(path)
        while True:
            with self._lock:
                if key in self._results:
                    self._results.move_to_end(key)
                    return self._results[key]
                running = self._running.get(key)
                if running is None:
                    running = self._running[key] = threading.Event()
                    break
            running.wait()  # another thread computes it: take its result (or try ourselves)
        try:
            result = compute(path)
            if file_key(path) == key:
                with self._lock:
                    self._results[key] = result
                    while len(self._results) > self._entries:
                        self._results.popitem(last=False)
            return result
        finally:
            with self._lock:
                del self._running[key]
            running.set()

    def clear(self) -> None:
        """Forget every kept result."""
        with self._lock:
            self._results.clear()
