"""Segment files: a device's changes in the sync folder, and reading them as they arrive.

A segment has the line format of the local change log (:mod:`annotations.changelog`): a header
line, then one change per line, each line ending in its CRC-32. The header names the device,
the segment number, a random generation (a rewritten file has a new one) and the machine that
wrote it (:func:`host_mark`: how two machines sharing one device id are noticed).

Reading is incremental and survives what transports do:

* a file that is still arriving is read up to its last complete line; the rest is read when it
  is complete (the next read starts at the recorded offset);
* a damaged or torn line is skipped, everything around it still counts;
* a file that was replaced or rewritten (another generation, shorter than the offset, or other
  bytes before the offset: a merge leftover, a conflict copy renamed over it) is read again from
  its start — merging a change twice changes nothing, so re-reading is always safe;
* every change is validated before it is merged (:func:`valid_change`): a change that would make
  a record unreadable — wrong types, NaN, a number too large — is skipped and counted.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import socket
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from annotations import jsonread
from annotations.changelog import (
    ANNOTATIONS,
    DELETE,
    POSITIONS,
    PUT,
    STATE,
    TAG_ADDS,
    TAG_REMOVES,
    Change,
    decode_line,
    encode_line,
)
from annotations.clock import valid_clock
from annotations.model import AnchorStatus, Color
from annotations.sync.layout import DEVICE_NAME, MAX_SEGMENT_BYTES, SegmentFile, open_regular

SEGMENT_FORMAT = "postil-sync"
SEGMENT_VERSION = 1
#: A device starts a new segment once its current one is this large.
ROLL_BYTES = 4 * 1024 * 1024
#: Bytes before the recorded offset whose checksum tells an appended file from a rewritten one.
TAIL_BYTES = 64
_LOCAL_HOST = ""


def host_mark(db_path: Path) -> str:
    """A short mark of this machine and database (not secret, not an identifier of the user):
    the machine id (or the host name) and the database's path, hashed.

    Two machines that share a device id (a copied home folder) write different marks into
    their segments' headers, which is how the clash is noticed.
    """
    machine = ""
    for candidate in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            with open(candidate, "rb") as stream:
                machine = stream.read(128).decode("ascii", "replace").strip()
        except OSError:
            continue
        if machine:
            break
    seed = f"{machine}|{socket.gethostname()}|{db_path}"
    return hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class FilePosition:
    """How far a file in the sync folder has been merged.

    Attributes:
        generation: The generation in the file's header when it was read.
        offset: Bytes merged (always the end of a complete line).
        tail: Checksum of the :data:`TAIL_BYTES` bytes before ``offset``.
    """

    generation: str
    offset: int
    tail: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"generation": self.generation, "offset": self.offset, "tail": self.tail}

    @classmethod
    def from_json(cls, value: Any) -> FilePosition | None:
        """Rebuild from :meth:`to_json` output; None when malformed."""
        if not isinstance(value, dict):
            return None
        generation, offset, tail = value.get("generation"), value.get("offset"), value.get("tail")
        if (isinstance(generation, str) and isinstance(tail, str) and isinstance(offset, int)
                and not isinstance(offset, bool) and 0 <= offset <= MAX_SEGMENT_BYTES):
            return cls(generation, offset, tail)
        return None


@dataclass(slots=True)
class SegmentRead:
    """What one read of a segment file found.

    Attributes:
        header: The file's header (empty when it has none yet, or it is not a segment).
        changes: Valid changes after the recorded position, in file order.
        position: Where the next read starts.
        damaged: Complete lines that were not valid changes (skipped).
        reread: True when the file had changed under the recorded position and was read again
            from its start.
    """

    header: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    position: FilePosition | None = None
    damaged: int = 0
    reread: bool = False

    @property
    def device(self) -> str:
        """The device the header says wrote the file ("" when unknown)."""
        device = self.header.get("device")
        return device if isinstance(device, str) else ""

    @property
    def host(self) -> str:
        """The machine mark in the header ("" when missing)."""
        host = self.header.get("host")
        return host if isinstance(host, str) else ""


def _tail(data: bytes) -> str:
    return f"{zlib.crc32(data[-TAIL_BYTES:]):08x}"


def header_line(device: str, number: int, host: str, *, snapshot: bool = False) -> bytes:
    """The first line of a new segment."""
    header: dict[str, Any] = {"log": SEGMENT_FORMAT, "version": SEGMENT_VERSION,
                              "device": device, "segment": number,
                              "generation": secrets.token_hex(8), "host": host}
    if snapshot:
        header["snapshot"] = True
    return encode_line(header)


def append_segment(path: Path, device: str, number: int, host: str,
                   changes: Iterable[Change], *, snapshot: bool = False) -> int:
    """Append ``changes`` to segment ``path`` (made with a header if new) and fsync it;
    returns the segment's new size.

    Never follows a symbolic link, never writes anything but a regular file. A torn last line
    (a crash while appending) is ended first, so the new lines stay whole. Raises ``OSError``.
    """
    body = b"".join(encode_line(change.to_entry()) for change in changes)
    fd = open_regular(path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
    try:
        size = os.fstat(fd).st_size
        prefix = b""
        if size == 0:
            prefix = header_line(device, number, host, snapshot=snapshot)
        elif os.pread(fd, 1, size - 1) != b"\n":
            prefix = b"\n"
        data = memoryview(prefix + body)
        while data:
            written = os.write(fd, data)
            data = data[written:]
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def read_header(path: Path) -> dict[str, Any]:
    """A segment's header (empty when it has none, or the file cannot be read)."""
    try:
        fd = open_regular(path)
    except OSError:
        return {}
    try:
        first = os.read(fd, 4096)
    except OSError:
        return {}
    finally:
        os.close(fd)
    end = first.find(b"\n")
    entry = decode_line(first[:end]) if end >= 0 else None
    if entry is None or entry.get("log") != SEGMENT_FORMAT:
        return {}
    return entry


def read_segment(file: SegmentFile, known: FilePosition | None,
                 skip: frozenset[str] = frozenset()) -> SegmentRead | None:
    """Read the changes of ``file`` after ``known`` (from its start when ``known`` no longer
    describes the file). None when the file cannot be read (it vanished, or it is too big).

    A file whose header names a machine mark in ``skip`` (this database's own segments) is not
    decoded: only where the next read starts is worked out."""
    try:
        fd = open_regular(file.path)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        if size > MAX_SEGMENT_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(size)
    except OSError:
        return None
    finally:
        os.close(fd)
    end = data.rfind(b"\n") + 1  # only complete lines
    header: dict[str, Any] = {}
    first = data.find(b"\n")
    if first >= 0:
        entry = decode_line(data[:first])
        if entry is not None and entry.get("log") == SEGMENT_FORMAT:
            header = entry
    generation = header.get("generation") if isinstance(header.get("generation"), str) else ""
    start, reread = 0, False
    if known is not None:
        if (known.generation == generation and known.offset <= end
                and _tail(data[:known.offset]) == known.tail):
            start = known.offset
        else:
            reread = True
    read = SegmentRead(header, reread=reread)
    if end > start and not (file.number is not None and read.host in skip):
        _decode(data[start:end], read)
    read.position = FilePosition(str(generation), end, _tail(data[:end]))
    return read


def _decode(data: bytes, read: SegmentRead) -> None:
    """Decode complete lines (the line format of :func:`annotations.changelog.decode_line`,
    inlined: this loop is what merging 50,000 changes costs)."""
    with jsonread.paused_gc():
        _decode_lines(data, read)


def _decode_lines(data: bytes, read: SegmentRead) -> None:
    changes = read.changes
    crc32, loads, from_entry = zlib.crc32, _loads, Change.from_entry
    for line in data.split(b"\n"):
        if not line:
            continue
        tail = line[-18:]
        if not (tail.startswith(b',"crc":"') and tail.endswith(b'"}')):
            read.damaged += 1
            continue
        payload = line[:-18] + b"}"
        try:
            if crc32(payload) != int(tail[8:16], 16):
                read.damaged += 1
                continue
            entry = loads(payload)
        except (ValueError, RecursionError):
            read.damaged += 1
            continue
        if entry.__class__ is not dict:
            read.damaged += 1
            continue
        if "log" in entry and "clock" not in entry:
            continue  # the header
        change = from_entry(entry)
        if change is None or not valid_change(change, line):
            read.damaged += 1
            continue
        changes.append(change)


def _loads(payload: bytes) -> Any:
    """orjson, and the standard library for what orjson refuses but JSON allows (NaN is then
    refused by :func:`valid_change`)."""
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        return json.loads(payload.decode("utf-8"))


# --------------------------------------------------------------------------- validation

#: Longest key of a record accepted from another device.
MAX_KEY = 512


def _finite(value: Any) -> bool:
    """No NaN or infinity anywhere in a JSON value (a NaN would make the record unreadable)."""
    try:
        json.dumps(value, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return False
    return True


def _string(value: Any) -> bool:
    return value.__class__ is str


def _offset(value: Any) -> bool:
    return value.__class__ is int and 0 <= value <= 2**53


def _quote(value: Any) -> bool:
    return (value.__class__ is dict and value.get("exact").__class__ is str
            and bool(value["exact"]) and all(value.get(part, "").__class__ is str
                                             for part in ("prefix", "suffix")))


def _position(value: Any) -> bool:
    if value.__class__ is not dict:
        return False
    start, end = value.get("start", -1), value.get("end", -1)
    return _offset(start) and _offset(end) and start <= end


def _tag_removals(value: Any) -> bool:
    """``tags-``: tag → (device id → the clock of that device's add of it that was seen);
    ``""`` → ``""`` stands for an add from before clocks."""
    if value.__class__ is not dict:
        return False
    for tag, seen in value.items():
        if tag.__class__ is not str or seen.__class__ is not dict:
            return False
        for device, clock in seen.items():
            if not ((device == "" and clock == "") or (
                    DEVICE_NAME.match(device) and valid_clock(clock))):
                return False
    return True


_COLORS = frozenset(color.value for color in Color)
_STATUSES = frozenset(status.value for status in AnchorStatus)
#: What each annotation field must be, from another device (the reader is lenient: a note of
#: the wrong type reads as empty, so such a change would blank the note everywhere).
_FIELD_TYPES: dict[str, Callable[[Any], bool]] = {
    "article_id": _string, "path": _string, "note": _string, "created": _string,
    "updated": _string, "chapter": _string, "quote": _quote, "position": _position,
    "color": lambda value: value.__class__ is str and value in _COLORS,
    "status": lambda value: value.__class__ is str and value in _STATUSES,
    "tags": lambda value: value.__class__ is list and all(t.__class__ is str for t in value),
    TAG_ADDS: lambda value: value.__class__ is list and all(t.__class__ is str for t in value),
    TAG_REMOVES: lambda value: _tag_removals(value),
    "score": lambda value: value is None or _finite_number(value),
    "source": lambda value: value is None or value.__class__ is dict,
}
_REQUIRED = frozenset({"quote", "position", "path"})


_POSITION_FIELDS = frozenset({"article_id", "path", "offset", "progress", "updated", "base"})


def _shallow(value: Any, depth: int) -> bool:
    """Whether a JSON value nests at most ``depth`` levels (a review card nests three)."""
    if depth < 0:
        return False
    if isinstance(value, dict):
        return all(_shallow(item, depth - 1) for item in value.values())
    if isinstance(value, list):
        return all(_shallow(item, depth - 1) for item in value)
    return True


def _finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def valid_change(change: Change, line: bytes = b"") -> bool:
    """Whether a change from another device keeps the record it changes readable.

    An annotation change must give every field it sets the type the record needs (a put
    brings the quote, the position and the path); a position
    an integer offset, a finite progress and string ids; a state change its own key. NaN and
    infinity are refused everywhere (``line`` is the raw line: the costly check runs only when
    it could contain one).
    """
    if len(change.key) > MAX_KEY:
        return False
    if (not line or b"NaN" in line or b"Infinity" in line) and not _finite(change.fields):
        return False
    if change.op == DELETE:
        return True
    fields = change.fields
    if change.table == ANNOTATIONS:
        if change.op == PUT and not _REQUIRED <= fields.keys():
            return False
        for name, value in fields.items():
            check = _FIELD_TYPES.get(name)
            if check is not None and not check(value):
                return False
        return True
    if change.table == POSITIONS:
        offset, progress = fields.get("offset"), fields.get("progress")
        if "offset" in fields and (isinstance(offset, bool) or not isinstance(offset, int)
                                   or not 0 <= offset <= 2**53):
            return False
        if "progress" in fields and not _finite_number(progress):
            return False
        return fields.keys() <= _POSITION_FIELDS and all(
            isinstance(fields.get(name, ""), str) for name in ("article_id", "path", "base",
                                                               "updated"))
    if change.table == STATE:
        return (fields.keys() <= {"key", "value"} and fields.get("key") == change.key
                and _shallow(fields.get("value"), 32))
    return False
