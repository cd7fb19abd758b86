"""Field-level changes and the per-device change log they are appended to.

A :class:`Change` names one record (an annotation by id, a reading position by article id, a
state value by key) and carries only the fields it changes, stamped with a hybrid logical clock
(:mod:`annotations.clock`). Applying changes (:mod:`annotations.records`) is a merge: the later
clock wins per field (tags merge per tag: ``tags+`` / ``tags-``), a delete is a tombstone,
and applying a change twice, or changes in any order, gives the same records. That makes the
log safe to replay and to ship between machines.

The log lives beside the database, in ``<db>.changes/``:

* ``<device>.jsonl`` — this device's log; only processes of this device append to it, under
  the database lock, and fsync before a change is acknowledged.
* ``pending-<device>-<token>.jsonl`` — changes that could not be written because another
  process held the lock when postil had to quit; written whole (atomically) without the lock
  and replayed at the next start like any log.

Each file starts with a header line naming the format, the device and a random generation (a
new file, e.g. after compaction removed the old one, has a new generation). Every line is one
JSON object ending in ``"crc":"<8 hex>"}``: the CRC-32 of the line's bytes with that member cut
off (``line[:-18] + "}"``). A line whose checksum does not match — the torn last line of a
crash, or a damaged one — is ignored; everything before and after it still counts.

Made for syncing between machines (issue 19): a device only ever appends to its own file, each
line names its device in its clock, a file's generation and byte offset say exactly which lines
another machine has seen, and replaying any set of lines in any order, any number of times,
yields the same records. A sync folder can hold copies of these files (segments) as they are;
only compaction must first hand this device's lines to the sync folder before it removes its
log (the one step a sync implementation adds).

Example::

    {"log":"postil-changes","version":1,"device":"3f0c9a1e5b7d2c48","generation":"…","crc":"…"}
    {"clock":"1764626400123-0000-3f0c9a1e5b7d2c48","table":"annotations","op":"set",
     "key":"5b1e…","fields":{"note":"Worth a re-read."},"crc":"9a0b1c2d"}
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.atomicfile import atomic_write_bytes, fsync_directory
from annotations.clock import CLOCK, stamp_with_device, valid_clock
from annotations.model import Annotation, now_iso

ANNOTATIONS = "annotations"
POSITIONS = "positions"
STATE = "state"
TABLES = frozenset({ANNOTATIONS, POSITIONS, STATE})
PUT, SET, DELETE = "put", "set", "del"
OPERATIONS = frozenset({PUT, SET, DELETE})
LOG_FORMAT = "postil-changes"
LOG_VERSION = 1
LOG_SUFFIX = ".jsonl"
PENDING_PREFIX = "pending-"
#: Log files larger than this are not read (a log is compacted long before).
MAX_LOG_BYTES = 1024 * 1024 * 1024
_CRC_TAIL = re.compile(rb',"crc":"([0-9a-f]{8})"\}$')
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

#: The annotation fields a change may set (``id`` names the record and never changes).
ANNOTATION_FIELDS = ("article_id", "path", "quote", "position", "color", "note", "tags",
                     "created", "updated", "status", "score", "source", "chapter")
#: Per-tag changes (see :mod:`annotations.records`): ``tags+`` lists the tags a change adds
#: (each add is a "dot" named by the change's clock), ``tags-`` maps each tag it removes to the
#: adds of it the writer had seen (device → clock of that device's latest add). A ``tags``
#: list in a change is the whole list as of its clock (what postil wrote before tags merged
#: per tag); the store turns a ``tags`` list it is given into these before writing it.
TAG_ADDS, TAG_REMOVES = "tags+", "tags-"
TAG_OPS = (TAG_ADDS, TAG_REMOVES)
_ENTRY_FIELDS = frozenset(ANNOTATION_FIELDS) | frozenset(TAG_OPS)


@dataclass(frozen=True, slots=True)
class Change:
    """One change to one record: only the fields it changes, and when it was made.

    Attributes:
        table: ``annotations``, ``positions`` or ``state``.
        key: The record: an annotation id, an article id, a state key.
        op: ``put`` (the whole record: creates it, or brings back a deleted one), ``set`` (some
            fields of an existing record) or ``del`` (a tombstone).
        fields: Field name → new JSON value (empty for ``del``).
        clock: The hybrid logical clock reading of the moment the change was made; the device
            id is added when it is written if it is missing.
        tags_before: For a change that sets ``tags``: the tags the writer changed them from
            (:meth:`between` fills it in), so the store writes exactly the tags added and
            removed; None: the store compares with the stored record. Never written.
    """

    table: str
    key: str
    op: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    clock: str = field(default_factory=CLOCK.now)
    tags_before: tuple[str, ...] | None = field(default=None, compare=False)

    @classmethod
    def put(cls, annotation: Annotation) -> Change:
        """Create ``annotation`` (or bring it back): every field."""
        record = annotation.to_record()
        del record["id"]
        return cls(ANNOTATIONS, annotation.id, PUT, record)

    @classmethod
    def edit(cls, annotation_id: str, **fields: Any) -> Change:
        """Change some fields (record values, as :meth:`Annotation.to_record` has them)."""
        unknown = set(fields) - set(ANNOTATION_FIELDS)
        if unknown:
            raise ValueError(f"not annotation fields: {', '.join(sorted(unknown))}")
        return cls(ANNOTATIONS, annotation_id, SET, fields)

    @classmethod
    def anchors(cls, annotation: Annotation) -> Change:
        """Where re-anchoring found an annotation: position, status, article id, path and the
        score of a fuzzy placement."""
        record = annotation.to_record()
        fields = {key: record[key] for key in ("position", "status", "article_id", "path")}
        fields["score"] = record.get("score")
        return cls(ANNOTATIONS, annotation.id, SET, fields)

    @classmethod
    def delete(cls, annotation_id: str) -> Change:
        """Delete an annotation (a tombstone: an older edit cannot bring it back)."""
        return cls(ANNOTATIONS, annotation_id, DELETE, {})

    @classmethod
    def between(cls, before: Annotation, after: Annotation) -> Change | None:
        """The fields that differ from ``before`` to ``after`` (None when nothing did).

        Changed tags are remembered with ``before``'s tags: only the tags this writer added or
        removed are written, so tags another writer changed meanwhile are kept.
        """
        old, new = before.to_record(), after.to_record()
        fields = {
            name: new.get(name) for name in ANNOTATION_FIELDS if old.get(name) != new.get(name)
        }
        if not fields:
            return None
        base = tuple(before.tags) if "tags" in fields else None
        return cls(ANNOTATIONS, after.id, SET, fields, tags_before=base)

    @classmethod
    def position(cls, article_id: str, path: str, offset: int, progress: float,
                 base: str | None = None) -> Change:
        """Where the reader is in an article.

        ``base`` is the clock of the furthest position the device knew when the reader moved
        (filled in by the store when it is None): see :func:`annotations.records.shown_position`
        for how positions from several devices resolve.
        """
        fields: dict[str, Any] = {
            "article_id": article_id, "path": path, "offset": max(0, int(offset)),
            "progress": min(1.0, max(0.0, float(progress))), "updated": now_iso()}
        if base is not None:
            fields["base"] = base
        return cls(POSITIONS, article_id, PUT, fields)

    @classmethod
    def state(cls, key: str, value: Any) -> Change:
        """A small state value."""
        return cls(STATE, key, PUT, {"key": key, "value": value})

    def stamped(self, device: str) -> Change:
        """This change with a full clock reading (the device id added when missing)."""
        full = stamp_with_device(self.clock, device)
        if full == self.clock:
            return self
        return Change(self.table, self.key, self.op, self.fields, full, self.tags_before)

    def to_entry(self) -> dict[str, Any]:
        """The change as a log entry (JSON-ready)."""
        return {"clock": self.clock, "table": self.table, "op": self.op, "key": self.key,
                "fields": dict(self.fields)}

    @classmethod
    def from_entry(cls, entry: Any) -> Change | None:
        """Rebuild from :meth:`to_entry` output; None when the entry is not a valid change."""
        if not isinstance(entry, dict):
            return None
        clock, table, op = entry.get("clock"), entry.get("table"), entry.get("op")
        key, fields = entry.get("key"), entry.get("fields", {})
        if not (valid_clock(clock) and table in TABLES and op in OPERATIONS
                and isinstance(key, str) and key and isinstance(fields, dict)):
            return None
        if table == ANNOTATIONS and op != DELETE and not _ENTRY_FIELDS.issuperset(fields):
            return None
        return cls(str(table), key, str(op), fields, str(clock))


# --------------------------------------------------------------------------- line format


def encode_line(entry: Mapping[str, Any]) -> bytes:
    """One self-checking log line (JSON object ending in its CRC-32) with its newline."""
    # Lone surrogates (undecodable argv/terminal bytes) cannot be UTF-8: they become "?".
    payload = _encode(dict(entry)).encode("utf-8", errors="replace")
    return payload[:-1] + b',"crc":"%08x"}\n' % zlib.crc32(payload)


def decode_line(line: bytes) -> dict[str, Any] | None:
    """The entry of a log line (without its newline); None when it is torn or damaged."""
    match = _CRC_TAIL.search(line)
    if match is None:
        return None
    payload = line[: match.start()] + b"}"
    if zlib.crc32(payload) != int(match.group(1), 16):
        return None
    try:
        entry = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return entry if isinstance(entry, dict) else None


def header_line(device: str) -> bytes:
    """The first line of a new log file (a fresh generation)."""
    return encode_line({"log": LOG_FORMAT, "version": LOG_VERSION, "device": device,
                        "generation": secrets.token_hex(8)})


# --------------------------------------------------------------------------- reading


@dataclass(slots=True)
class LogRead:
    """What reading one log file from an offset found.

    Attributes:
        generation: The file's generation (from its header; "" when it has none yet).
        changes: The valid changes after the offset, in file order.
        offset: Where the next read starts: just past the last complete line.
        damaged: Complete lines that failed their checksum or were not changes.
    """

    generation: str
    changes: list[Change]
    offset: int
    damaged: int = 0


def log_files(folder: Path) -> list[Path]:
    """Every log file in ``folder`` (own, other devices', pending), in name order."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    found = []
    for entry in entries:
        if entry.name.endswith(LOG_SUFFIX) and not entry.name.startswith("."):
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    found.append(Path(entry.path))
    return sorted(found)


def read_log(path: Path, generation: str, offset: int) -> LogRead | None:
    """Read ``path`` from ``offset`` (from its start when its generation is not ``generation``).

    None when the file cannot be read (it vanished: compacted meanwhile).
    """
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > MAX_LOG_BYTES:
                return None
            first = stream.readline(64 * 1024)
            header = decode_line(first.rstrip(b"\n")) if first.endswith(b"\n") else None
            own = header.get("generation") if header and header.get("log") == LOG_FORMAT else ""
            own = own if isinstance(own, str) else ""
            start = offset if own and own == generation and offset >= len(first) else 0
            if start > size:
                start = 0
            stream.seek(start)
            data = stream.read(size - start)
    except OSError:
        return None
    changes: list[Change] = []
    damaged = 0
    position = start
    end = data.rfind(b"\n")
    if end < 0:
        return LogRead(own, changes, position)
    for line in data[: end + 1].split(b"\n")[:-1]:
        position += len(line) + 1
        if not line.strip():
            continue
        entry = decode_line(line)
        if entry is None:
            damaged += 1
            continue
        if "log" in entry and "clock" not in entry:
            continue  # the header
        change = Change.from_entry(entry)
        if change is None:
            damaged += 1
        else:
            changes.append(change)
    return LogRead(own, changes, position, damaged)


# --------------------------------------------------------------------------- writing


def append_changes(path: Path, device: str, changes: Iterable[Change]) -> int:
    """Append ``changes`` to the log at ``path`` and fsync it; returns the new size.

    Call under the database lock. A torn last line left by a crash is ended first, so the new
    lines stay whole. Raises ``OSError`` when the log cannot be written.
    """
    lines = b"".join(encode_line(change.to_entry()) for change in changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        prefix = b""
        if size == 0:
            prefix = header_line(device)
        elif os.pread(fd, 1, size - 1) != b"\n":
            prefix = b"\n"
        data = memoryview(prefix + lines)
        while data:
            written = os.write(fd, data)
            data = data[written:]
        os.fsync(fd)
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if created:
        fsync_directory(path.parent)
    return size


def write_pending(folder: Path, device: str, changes: Iterable[Change]) -> Path:
    """Keep ``changes`` in a new pending file (atomically, without the database lock)."""
    path = folder / f"{PENDING_PREFIX}{device}-{secrets.token_hex(6)}{LOG_SUFFIX}"
    data = header_line(device) + b"".join(encode_line(c.to_entry()) for c in changes)
    atomic_write_bytes(path, data, create=True)
    return path


def is_own_file(path: Path, device: str) -> bool:
    """Whether this device wrote ``path`` (its log or one of its pending files)."""
    name = path.name
    return name == f"{device}{LOG_SUFFIX}" or name.startswith(f"{PENDING_PREFIX}{device}-")
