"""Hybrid logical clocks and the device id: what orders changes made by different writers.

Every change postil writes carries a clock reading ``"<ms>-<counter>-<device>"``:

* ``ms`` is wall time in milliseconds (13 digits), ``counter`` (4 digits) orders changes made in
  the same millisecond, and ``device`` is this machine's id (see :func:`device_id`).
* The readings of one process only grow, also when the wall clock steps back, and every reading
  seen from another writer (:meth:`HybridClock.observe`) pushes the clock past it, so a change
  made after seeing another is always later than it, whatever the machines' clocks say.
* Readings compare as plain strings (fixed widths), so "the later change wins" is ``max()``;
  two writers can only tie on the same device in the same millisecond and counter, and the
  merge breaks that tie by the value (:func:`annotations.records.wins`).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import time
from pathlib import Path

from annotations.atomicfile import atomic_write_bytes

_STAMP = re.compile(r"^(\d{13})-(\d{4})(?:-([0-9a-z]{1,32}))?$")
_DEVICE = re.compile(r"^[0-9a-z]{8,32}$")
#: The file beside the database that names this device.
DEVICE_FILE = "postil-device"
_MAX_COUNTER = 9999


class HybridClock:
    """A hybrid logical clock: wall time plus a counter, monotonic within the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ms = 0
        self._counter = 0

    def now(self) -> str:
        """A new reading ``"<ms>-<counter>"`` later than every reading made or observed."""
        with self._lock:
            wall = int(time.time() * 1000)
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._counter += 1
                if self._counter > _MAX_COUNTER:
                    self._ms, self._counter = self._ms + 1, 0
            return f"{self._ms:013d}-{self._counter:04d}"

    def observe(self, clock: str) -> None:
        """Move past ``clock`` (a reading from another writer), so later readings beat it."""
        match = _STAMP.match(clock) if isinstance(clock, str) else None
        if match is None:
            return
        ms, counter = int(match.group(1)), int(match.group(2))
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter


#: The process-wide clock every change is stamped with.
CLOCK = HybridClock()


def valid_clock(value: object) -> bool:
    """Whether ``value`` is a full clock reading (``ms-counter-device``)."""
    return isinstance(value, str) and (match := _STAMP.match(value)) is not None and bool(
        match.group(3)
    )


def stamp_with_device(stamp: str, device: str) -> str:
    """A reading ``ms-counter`` completed with the device id (readings already full are kept)."""
    if valid_clock(stamp):
        return stamp
    return f"{stamp}-{device}"


def device_id(folder: Path) -> str:
    """This device's id, kept in ``folder/postil-device`` (created with a random id once).

    The id names this machine's change log; a device never writes another device's log.
    """
    path = folder / DEVICE_FILE
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if path.is_file() and path.stat().st_size < 4096:
            text = path.read_text(encoding="utf-8").strip()
            if _DEVICE.match(text):
                return text
    fresh = secrets.token_hex(8)
    try:
        atomic_write_bytes(path, (fresh + "\n").encode("ascii"), create=True)
    except FileExistsError:  # another postil created it first: use that one
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = path.read_text(encoding="utf-8").strip()
            if _DEVICE.match(text):
                return text
    except OSError:
        pass  # a read-only folder: this run's changes cannot be written anyway
    return fresh
