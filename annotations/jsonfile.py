"""The crash-safe JSON file under the annotation database: load, validate, quarantine, write.

TinyDB's own ``JSONStorage`` rewrites the file in place, so a crash mid-write leaves a truncated
file (tinydb#301, #113). :class:`SafeJSONStorage` is a TinyDB storage that fixes that and
protects what it cannot read:

* **Atomic writes.** The whole database is serialised first, written to a temp file in the same
  directory, fsynced, and moved over the database with ``os.replace``; then the directory is
  fsynced. A crash at any moment leaves the old file or the new one, never a mix.
* **Change detection.** The file is re-read whenever its (mtime, size, inode) changed.
* **Damage is preserved, never overwritten.** A file that is not JSON, or JSON of another
  shape, is copied aside byte for byte to ``<name>.corrupt-<timestamp>`` and reported
  (:class:`DatabaseDamaged`). Single records of the wrong shape are set aside when reading
  (quarantined) and written back untouched — also a record holding an integer too long for
  Python to read (thousands of digits): it is kept as its JSON text, the other records load.

The annotation store on top of it (indexes, queries, changes, the change log, locking) is
:mod:`annotations.storage`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import sys
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from annotations import jsonread
from annotations.atomicfile import fsync_directory
from reader.safe_read import MAX_DATABASE_BYTES, read_regular_file

_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".postil-tmp"


class StoreError(Exception):
    """The database cannot be used; ``str()`` is one clear line naming the path(s)."""


class DatabaseDamaged(StoreError):
    """The database file is damaged; it was copied aside and is left untouched.

    Attributes:
        original: The damaged database file.
        preserved: The byte-for-byte copy made of it.
    """

    def __init__(self, original: Path, preserved: Path, reason: str) -> None:
        super().__init__(
            f"the annotation database {original} is damaged ({reason}); it was left as it is "
            f"and a copy was saved as {preserved}. Repair it, or move it away to start a new one."
        )
        self.original = original
        self.preserved = preserved
        self.reason = reason


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """The file's (mtime, size, inode): changes whenever it is written (None when missing)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _shape_problem(data: Any, known_tables: Iterable[str]) -> str | None:
    """Why ``data`` is not a TinyDB database postil can use (None when it is)."""
    if not isinstance(data, dict):
        return f"expected a JSON object of tables, found {type(data).__name__}"
    if data and known_tables and not (set(data) & set(known_tables)):
        return "it holds no postil tables (another program's JSON file?)"
    for name, table in data.items():
        if not isinstance(table, dict):
            return f"table {name!r} is not a JSON object"
    return None


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class LongNumber:
    """An integer too long for Python to convert (more digits than
    ``sys.get_int_max_str_digits()``), kept as the text the file holds."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class RawJSON:
    """A record kept aside as the JSON text it is written back as (it holds a
    :class:`LongNumber`, which no JSON encoder writes)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_int(text: str) -> int | LongNumber:
    limit = sys.get_int_max_str_digits()
    if limit and len(text) - text.startswith("-") > limit:
        return LongNumber(text)
    return int(text)


def _loads(raw: bytes) -> tuple[Any, bool]:
    """Parse the database: orjson (several times faster on a big file), and the standard
    library for what orjson refuses but JSON allows (lone surrogate escapes, huge integers,
    NaN), so a file reads exactly as before — only faster. An integer too long for Python
    (thousands of digits) is read as a :class:`LongNumber`; the flag says one may be in there.
    """
    try:
        return jsonread.loads(raw), False
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError:  # an integer too long to convert, somewhere in one record
        text = raw.decode("utf-8")
        with jsonread.paused_gc():
            return json.loads(text, parse_int=_parse_int), True


def _holds_long_number(value: Any) -> bool:
    """Whether ``value`` (parsed JSON) holds a :class:`LongNumber` (an iterative walk)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if item.__class__ is LongNumber:
            return True
        if item.__class__ is dict:
            pending.extend(item.values())
        elif item.__class__ is list:
            pending.extend(item)
    return False


def _as_raw_json(value: Any) -> RawJSON:
    """The JSON text of ``value`` with each :class:`LongNumber` written as its digits."""
    token = f"postil-long-number-{uuid.uuid4().hex}-"
    numbers: list[str] = []

    def swapped(item: Any) -> Any:
        if item.__class__ is LongNumber:
            numbers.append(item.text)
            return f"{token}{len(numbers) - 1}"
        if item.__class__ is dict:
            return {key: swapped(inner) for key, inner in item.items()}
        if item.__class__ is list:
            return [swapped(inner) for inner in item]
        return item

    text = _encode(swapped(value))
    for number, digits in enumerate(numbers):
        text = text.replace(f'"{token}{number}"', digits, 1)
    return RawJSON(text)


def _encode_value(value: Any) -> str:
    return value.text if value.__class__ is RawJSON else _encode(value)


def encode_database(data: dict[str, dict[str, Any]]) -> str:
    """``json.dumps(data, ensure_ascii=False, separators=(",", ":"))``, one record at a time.

    The same text, but not one long C call: ``json.dumps`` holds the GIL for the whole
    database (about 60 ms for 10,000 annotations), which freezes the UI thread while the
    background writer saves. Encoding record by record lets the UI run in between
    (bench/store.py measures the difference).
    """
    tables = []
    for name, table in data.items():
        rows = ",".join(f"{_encode(str(key))}:{_encode_value(value)}"
                        for key, value in table.items())
        tables.append(f"{_encode(name)}:{{{rows}}}")
    return "{" + ",".join(tables) + "}"


@dataclass(slots=True)
class Layout:
    """Where each table and record is in a written file (byte offsets, end exclusive).

    Attributes:
        size: The file's size in bytes.
        tables: Table name → (start, end) of its JSON object.
        records: Table name → document id → (start, end) of the record's JSON value.
    """

    size: int = 0
    tables: dict[str, tuple[int, int]] = field(default_factory=dict)
    records: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)


def encode_with_layout(data: dict[str, dict[str, Any]]) -> tuple[bytes, Layout]:
    """The UTF-8 bytes of :func:`encode_database` (lone surrogates become ``?``), and where
    each table and record is in them (for :mod:`annotations.recordindex`)."""
    layout = Layout()
    parts: list[bytes] = [b"{"]
    position = 1
    for number, (name, table) in enumerate(data.items()):
        head = (b"," if number else b"") + _encode(name).encode("utf-8", errors="replace") + b":{"
        parts.append(head)
        position += len(head)
        table_start = position - 1
        spans: dict[str, tuple[int, int]] = {}
        for row, (key, value) in enumerate(table.items()):
            name_bytes = (b"," if row else b"") + _encode(str(key)).encode(
                "utf-8", errors="replace") + b":"
            value_bytes = _encode_value(value).encode("utf-8", errors="replace")
            parts.append(name_bytes)
            parts.append(value_bytes)
            position += len(name_bytes)
            spans[str(key)] = (position, position + len(value_bytes))
            position += len(value_bytes)
        parts.append(b"}")
        position += 1
        layout.tables[name] = (table_start, position)
        layout.records[name] = spans
    parts.append(b"}")
    layout.size = position + 1
    return b"".join(parts), layout


class SafeJSONStorage(Storage):
    """A TinyDB storage with atomic writes, change detection and quarantined bad records.

    Not safe for concurrent use from several threads without external locking: the
    :class:`AnnotationStore` serialises access.
    """

    def __init__(self, path: str | Path, known_tables: Iterable[str] = ()) -> None:
        self.path = Path(path)
        #: Table names of which a usable file holds at least one (when it holds any table).
        self.known_tables = frozenset(known_tables)
        self._cache: dict[str, dict[str, Any]] | None = None
        self._signature: tuple[int, int, int] | None = None
        self._quarantine: dict[str, dict[str, Any]] = {}
        #: When set, a read of a file of at least this size also finds where each record is
        #: in it (:attr:`read_layout`), if the file is exactly as :meth:`write` writes it.
        self.layout_from: int | None = None
        #: The layout of the last read (None when not asked for, or not postil's encoding),
        #: and the file's signature when it was read.
        self.read_layout: Layout | None = None
        self.read_signature: tuple[int, int, int] | None = None

    def read(self) -> dict[str, dict[str, Any]] | None:
        """Return the database, re-reading the file only when it changed on disk."""
        signature = file_signature(self.path)
        if signature is None:
            self._cache, self._signature, self._quarantine = None, None, {}
            return None
        if self._cache is not None and signature == self._signature:
            return self._cache
        raw = read_regular_file(self.path, MAX_DATABASE_BYTES)
        if not raw.strip():
            if raw:
                raise DatabaseDamaged(self.path, self._preserve(raw), "it holds only whitespace")
            self._cache, self._signature, self._quarantine = None, signature, {}
            return None
        try:
            data, long_numbers = _loads(raw)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            reason = "not valid JSON: truncated or overwritten"
            if isinstance(error, json.JSONDecodeError):
                reason = f"not valid JSON at line {error.lineno}, column {error.colno}"
            elif isinstance(error, RecursionError):
                reason = "nested too deeply to read"
            elif not isinstance(error, UnicodeDecodeError):
                reason = "it holds a number too long to read"
            raise DatabaseDamaged(self.path, self._preserve(raw), reason) from None
        problem = _shape_problem(data, self.known_tables)
        if problem is not None:
            raise DatabaseDamaged(self.path, self._preserve(raw), problem)
        if long_numbers:  # only the records that hold one are set aside (below), as text
            try:
                for table in data.values():
                    for key, value in table.items():
                        if _holds_long_number(value):
                            table[key] = _as_raw_json(value)
            except RecursionError:
                raise DatabaseDamaged(self.path, self._preserve(raw),
                                      "nested too deeply to read") from None
        self.read_layout, self.read_signature = None, signature
        if self.layout_from is not None and len(raw) >= self.layout_from:
            with contextlib.suppress(TypeError, ValueError):
                payload, layout = encode_with_layout(data)
                if payload == raw:  # written by postil: the offsets are the file's
                    self.read_layout = layout
        self._quarantine = {}
        for name, table in data.items():
            bad = {key: value for key, value in table.items()
                   if value.__class__ is not dict or not key.isdigit()}  # RawJSON too
            if bad:
                self._quarantine[name] = bad
                for key in bad:
                    del table[key]
        self._cache, self._signature = data, signature
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Write ``data`` atomically (temp file, fsync, os.replace, fsync directory)."""
        self.write_with_layout(data)

    def write_with_layout(self, data: dict[str, dict[str, Any]]) -> Layout:
        """:meth:`write`, returning where each table and record is in the new file."""
        self._cache, self._signature = None, None  # on failure, re-read from disk
        merged = data
        if self._quarantine:
            merged = {name: dict(table) for name, table in data.items()}
            for name, bad in self._quarantine.items():
                _keep_quarantined(merged.setdefault(name, {}), bad)
        # Lone surrogates (undecodable bytes from a terminal or argv) cannot be UTF-8: they
        # become "?" rather than failing the write or producing a file that no longer loads.
        payload, layout = encode_with_layout(merged)
        directory = self.path.parent
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not mode & stat.S_IWUSR:
            # Replacing the file would succeed, but the user made it read-only: respect that.
            raise StoreError(f"the annotation database {self.path} is read-only; "
                             "nothing was saved (make it writable to save annotations)")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(
                prefix=f"{_TEMP_PREFIX}{self.path.name}.", suffix=_TEMP_SUFFIX, dir=directory
            )
        except OSError as error:
            raise StoreError(
                f"cannot write the annotation database {self.path}: {error.strerror or error}"
            ) from None
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            if mode is not None:
                os.chmod(temp_name, stat.S_IMODE(mode))  # keep the file's permissions
            os.replace(temp_name, self.path)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise StoreError(
                f"cannot write the annotation database {self.path}: {error.strerror or error}"
            ) from None
        fsync_directory(directory)
        self._cache, self._signature = data, file_signature(self.path)
        return layout

    def close(self) -> None:
        """Nothing to release: every write is complete when it returns."""

    def _preserve(self, raw: bytes) -> Path:
        """Copy the damaged file aside (once per distinct content) and return the copy's path."""
        for existing in sorted(self.path.parent.glob(f"{self.path.name}.corrupt-*")):
            try:
                if read_regular_file(existing, len(raw)) == raw:
                    return existing
            except OSError:
                continue
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 1
        while target.exists():
            counter += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
        try:
            shutil.copy2(self.path, target)
        except OSError as error:
            raise StoreError(
                f"the annotation database {self.path} is damaged and could not be copied aside "
                f"({error.strerror or error}); it was left untouched"
            ) from None
        return target


def _keep_quarantined(table: dict[str, Any], bad: dict[str, Any]) -> None:
    """Put records that could not be read back into ``table``, never over a live record.

    TinyDB does not see quarantined records, so it may give a new record the id (key) of one;
    the quarantined record then moves to a free key instead of overwriting the new one.
    """
    for key, value in bad.items():
        if key in table:
            numbers = [int(k) for k in (*table, *bad) if k.isdigit() and len(k) < 19]
            key = str(max(numbers, default=0) + 1)
        table[key] = value


def remove_stale_temp_files(path: Path) -> int:
    """Delete temp files a crashed write left beside the database (call under the lock)."""
    removed = 0
    for leftover in path.parent.glob(f"{_TEMP_PREFIX}{path.name}.*{_TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed += 1
    return removed
