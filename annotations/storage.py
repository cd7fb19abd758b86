"""The annotation database: one TinyDB JSON file, made safe against crashes and concurrency.

TinyDB's own ``JSONStorage`` rewrites the file in place, so a crash mid-write leaves a truncated
file (tinydb#301, #113), and two processes overwrite each other's changes (tinydb#72, #341).
:class:`SafeJSONStorage` fixes both:

* **Atomic writes.** The whole database is serialised first, written to a temp file in the same
  directory, fsynced, and moved over the database with ``os.replace``; then the directory is
  fsynced. A crash at any moment leaves the old file or the new one, never a mix.
* **Cross-process safety.** Every read-modify-write holds a :class:`filelock.FileLock` on
  ``<db>.lock`` and starts from the file's current content: the storage re-reads the file
  whenever its (mtime, size, inode) changed, so two postil processes never lose each other's
  writes.
* **Damage is preserved, never overwritten.** A file that is not JSON, or JSON of another
  shape, is copied aside byte for byte to ``<name>.corrupt-<timestamp>`` and reported
  (:class:`DatabaseDamaged`); postil then leaves the file alone. Single records of the wrong
  shape are skipped when reading and written back untouched.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tinydb import Query, TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from annotations.atomicfile import fsync_directory, write_target
from annotations.model import Annotation, now_iso

ANNOTATIONS_TABLE = "annotations"
POSITIONS_TABLE = "positions"
STATE_TABLE = "state"
REVIEW_TABLE = "review"
KNOWN_TABLES = frozenset({"_default", ANNOTATIONS_TABLE, POSITIONS_TABLE, STATE_TABLE,
                          REVIEW_TABLE})
LOCK_TIMEOUT = 30.0
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


@dataclass(frozen=True, slots=True)
class ReadingPosition:
    """Where the reader was in an article."""

    offset: int
    progress: float
    updated: str


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _shape_problem(data: Any) -> str | None:
    """Why ``data`` is not a TinyDB database postil can use (None when it is)."""
    if not isinstance(data, dict):
        return f"expected a JSON object of tables, found {type(data).__name__}"
    if data and not (set(data) & KNOWN_TABLES):
        return "it holds no postil tables (another program's JSON file?)"
    for name, table in data.items():
        if not isinstance(table, dict):
            return f"table {name!r} is not a JSON object"
    return None


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_database(data: dict[str, dict[str, Any]]) -> str:
    """``json.dumps(data, ensure_ascii=False, separators=(",", ":"))``, one record at a time.

    The same text, but not one long C call: ``json.dumps`` holds the GIL for the whole
    database (about 60 ms for 10,000 annotations), which freezes the UI thread while the
    background writer saves. Encoding record by record lets the UI run in between
    (bench/store.py measures the difference).
    """
    tables = []
    for name, table in data.items():
        rows = ",".join(f"{_encode(str(key))}:{_encode(value)}" for key, value in table.items())
        tables.append(f"{_encode(name)}:{{{rows}}}")
    return "{" + ",".join(tables) + "}"


class SafeJSONStorage(Storage):
    """A TinyDB storage with atomic writes, change detection and quarantined bad records.

    Not safe for concurrent use from several threads without external locking: the
    :class:`AnnotationStore` serialises access.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._cache: dict[str, dict[str, Any]] | None = None
        self._signature: tuple[int, int, int] | None = None
        self._quarantine: dict[str, dict[str, Any]] = {}

    def read(self) -> dict[str, dict[str, Any]] | None:
        """Return the database, re-reading the file only when it changed on disk."""
        signature = _signature(self.path)
        if signature is None:
            self._cache, self._signature, self._quarantine = None, None, {}
            return None
        if self._cache is not None and signature == self._signature:
            return self._cache
        raw = self.path.read_bytes()
        if not raw.strip():
            if raw:
                raise DatabaseDamaged(self.path, self._preserve(raw), "it holds only whitespace")
            self._cache, self._signature, self._quarantine = None, signature, {}
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            reason = "not valid JSON: truncated or overwritten"
            if isinstance(error, json.JSONDecodeError):
                reason = f"not valid JSON at line {error.lineno}, column {error.colno}"
            elif isinstance(error, RecursionError):
                reason = "nested too deeply to read"
            elif not isinstance(error, UnicodeDecodeError):
                reason = "it holds a number too long to read"
            raise DatabaseDamaged(self.path, self._preserve(raw), reason) from None
        problem = _shape_problem(data)
        if problem is not None:
            raise DatabaseDamaged(self.path, self._preserve(raw), problem)
        self._quarantine = {}
        for name, table in data.items():
            bad = {key: value for key, value in table.items()
                   if not isinstance(value, dict) or not key.isdigit()}
            if bad:
                self._quarantine[name] = bad
                for key in bad:
                    del table[key]
        self._cache, self._signature = data, signature
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Write ``data`` atomically (temp file, fsync, os.replace, fsync directory)."""
        self._cache, self._signature = None, None  # on failure, re-read from disk
        merged = data
        if self._quarantine:
            merged = {name: dict(table) for name, table in data.items()}
            for name, bad in self._quarantine.items():
                merged.setdefault(name, {}).update(bad)
        # Lone surrogates (undecodable bytes from a terminal or argv) cannot be UTF-8: they
        # become "?" rather than failing the write or producing a file that no longer loads.
        payload = encode_database(merged).encode("utf-8", errors="replace")
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
        self._cache, self._signature = data, _signature(self.path)

    def close(self) -> None:
        """Nothing to release: every write is complete when it returns."""

    def _preserve(self, raw: bytes) -> Path:
        """Copy the damaged file aside (once per distinct content) and return the copy's path."""
        for existing in sorted(self.path.parent.glob(f"{self.path.name}.corrupt-*")):
            try:
                if existing.read_bytes() == raw:
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


def remove_stale_temp_files(path: Path) -> int:
    """Delete temp files a crashed write left beside the database (call under the lock)."""
    removed = 0
    for leftover in path.parent.glob(f"{_TEMP_PREFIX}{path.name}.*{_TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            removed += 1
    return removed


class AnnotationStore:
    """Annotations, reading positions and small state values in one safe TinyDB file.

    Every method that changes something is durable (fsynced) when it returns, and holds an
    inter-process lock from its read to its write.

    Raises:
        DatabaseDamaged: from the constructor, when the file is damaged (after copying it aside).
        StoreError: when the file cannot be read at all.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser().absolute()
        try:  # a database behind a symbolic link is written through it, next to its target
            self.path = write_target(self.path)
        except OSError as error:
            raise StoreError(f"cannot use the annotation database {self.path}: "
                             f"{error.strerror or error}") from None
        if self.path.is_dir():
            raise StoreError(f"the annotation database {self.path} is a directory, not a file")
        with contextlib.suppress(OSError):
            if not stat.S_ISREG(self.path.stat().st_mode):  # a device or FIFO: never replaced
                raise StoreError(f"the annotation database {self.path} is not a regular file")
        self._storage = SafeJSONStorage(self.path)
        self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT)
        self.skipped_records = 0
        try:
            self._storage.read()
        except PermissionError:
            raise StoreError(f"cannot read the annotation database {self.path}: "
                             "permission denied") from None
        except (DatabaseDamaged, StoreError):
            raise
        except OSError as error:
            raise StoreError(f"cannot read the annotation database {self.path}: "
                             f"{error.strerror or error}") from None
        self._db = _PostilDB(storage=_StorageFactory(self._storage))
        self._annotations = self._db.table(ANNOTATIONS_TABLE, cache_size=0)
        self._positions = self._db.table(POSITIONS_TABLE, cache_size=0)
        self._state = self._db.table(STATE_TABLE, cache_size=0)
        if self.path.parent.is_dir():
            with contextlib.suppress(StoreError):
                with self._locked():
                    remove_stale_temp_files(self.path)

    # ------------------------------------------------------------------ locking
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock:
                yield
        except Timeout:
            raise StoreError(
                f"the annotation database {self.path} stayed locked by another postil for "
                f"{LOCK_TIMEOUT:.0f} s; try again"
            ) from None
        except PermissionError as error:
            raise StoreError(f"cannot write the annotation database {self.path}: permission "
                             f"denied ({error.filename or self.path.parent})") from None
        except OSError as error:
            reason = f"{error.strerror or error} ({error.filename or self.path.parent})"
            if isinstance(error, FileExistsError | NotADirectoryError):
                reason = "a file is in the way of its folder"
            raise StoreError(f"cannot write the annotation database {self.path}: {reason}"
                             ) from None

    def _read(self, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except DatabaseDamaged:
            raise
        except OSError as error:
            raise StoreError(f"cannot read the annotation database {self.path}: "
                             f"{error.strerror or error}") from None

    # ------------------------------------------------------------------ annotations
    def _parse(self, records: Iterable[Document]) -> list[Annotation]:
        annotations = []
        skipped = 0
        for record in records:
            try:
                annotations.append(Annotation.from_record(dict(record)))
            except ValueError:
                skipped += 1
        self.skipped_records = skipped
        return annotations

    def all_annotations(self) -> list[Annotation]:
        """Every valid annotation (malformed records are skipped and left in the file)."""
        return self._parse(self._read(self._annotations.all))

    def annotations_for(self, article_id: str, path: str) -> list[Annotation]:
        """Annotations of an article, found by its content id or by its path."""
        return [a for a in self.all_annotations() if a.article_id == article_id or a.path == path]

    def get(self, annotation_id: str) -> Annotation | None:
        """The annotation with this id, if any."""
        record = self._read(lambda: self._annotations.get(Query().id == annotation_id))
        if record is None or isinstance(record, list):
            return None
        try:
            return Annotation.from_record(dict(record))
        except ValueError:
            return None

    def add(self, annotation: Annotation) -> None:
        """Store a new annotation (replacing one with the same id)."""
        self.put_many([annotation])

    def update(self, annotation: Annotation) -> None:
        """Replace the stored annotation with the same id (added if missing)."""
        self.put_many([annotation])

    def put_many(self, annotations: Iterable[Annotation]) -> None:
        """Insert or replace annotations by id, under one lock (one write for updates, one
        for new annotations)."""
        records = {a.id: a.to_record() for a in annotations}
        if not records:
            return
        with self._locked():
            existing = {
                record.get("id")
                for record in self._annotations.all()
                if isinstance(record.get("id"), str)
            }
            updates = [
                (record, Query().id == ident) for ident, record in records.items()
                if ident in existing
            ]
            inserts = [record for ident, record in records.items() if ident not in existing]
            if updates:
                self._annotations.update_multiple(updates)
            if inserts:
                self._annotations.insert_multiple(inserts)

    def update_anchors(self, annotations: Iterable[Annotation]) -> None:
        """Save where re-anchoring found annotations (position, status, article id and path).

        Only those fields of records that still exist are changed, under the lock: a note
        edited or a highlight deleted by another postil meanwhile is never overwritten or
        brought back.
        """
        updates = []
        for annotation in annotations:
            record = annotation.to_record()
            fields = {key: record[key] for key in ("position", "status", "article_id", "path")}
            updates.append((fields, Query().id == annotation.id))
        if not updates:
            return
        with self._locked():
            self._annotations.update_multiple(updates)

    def delete(self, annotation_id: str) -> Annotation | None:
        """Delete the annotation with this id; returns what was deleted."""
        with self._locked():
            found = self.get(annotation_id)
            self._annotations.remove(Query().id == annotation_id)
        return found

    def highlight_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Number of annotations per article id and per article path."""
        by_id: dict[str, int] = {}
        by_path: dict[str, int] = {}
        for annotation in self.all_annotations():
            by_id[annotation.article_id] = by_id.get(annotation.article_id, 0) + 1
            by_path[annotation.path] = by_path.get(annotation.path, 0) + 1
        return by_id, by_path

    # ------------------------------------------------------------------ positions
    def get_position(self, article_id: str, path: str) -> ReadingPosition | None:
        """The saved position of an article (by id, else the newest saved for its path)."""
        best: tuple[int, ReadingPosition] | None = None
        for record in self._read(self._positions.all):
            position = _position(record)
            if position is None:
                continue
            if record.get("article_id") == article_id:
                return position
            if record.get("path") == path and (best is None or position.updated > best[1].updated):
                best = (0, position)
        return best[1] if best else None

    def set_position(self, article_id: str, path: str, offset: int, progress: float) -> None:
        """Save where the reader is in an article."""
        record = {
            "article_id": article_id,
            "path": path,
            "offset": max(0, int(offset)),
            "progress": min(1.0, max(0.0, float(progress))),
            "updated": now_iso(),
        }
        with self._locked():
            self._positions.upsert(record, Query().article_id == article_id)

    def all_positions(self) -> dict[str, ReadingPosition]:
        """Every saved position, keyed by article id."""
        positions = {}
        for record in self._read(self._positions.all):
            position = _position(record)
            if position is not None and isinstance(record.get("article_id"), str):
                positions[record["article_id"]] = position
        return positions

    # ------------------------------------------------------------------ other tables
    def table(self, name: str) -> Table:
        """Another table of the same database (for modules with their own records, such as
        :mod:`annotations.review`). Change it only inside :meth:`locked`; every change is
        durable when the TinyDB call returns."""
        return self._db.table(name, cache_size=0)

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Hold the inter-process lock around a read-modify-write of a :meth:`table`."""
        return self._locked()

    def read_table(self, table: Table) -> list[Document]:
        """Every record of a :meth:`table` (an unreadable file raises :class:`StoreError`)."""
        return list(self._read(table.all))

    # ------------------------------------------------------------------ state
    def get_state(self, key: str, default: Any = None) -> Any:
        """A small value saved under ``key``."""
        record = self._read(lambda: self._state.get(Query().key == key))
        if isinstance(record, dict):
            return record.get("value", default)
        return default

    def set_state(self, key: str, value: Any) -> None:
        """Save a small JSON-serialisable value under ``key``."""
        with self._locked():
            self._state.upsert({"key": key, "value": value}, Query().key == key)


#: Largest reading offset kept; a bigger one (beyond any article) is clamped to it.
MAX_OFFSET = 2**53


def _position(record: Any) -> ReadingPosition | None:
    """The reading position in a database record, validated: ``None`` (the record is skipped,
    and kept in the file) unless the offset is an integer and the progress a finite number;
    a negative or huge offset is clamped to 0..:data:`MAX_OFFSET`, the progress to 0..1."""
    try:
        offset, progress = record["offset"], record["progress"]
        if isinstance(offset, bool) or not isinstance(offset, int):
            return None
        if isinstance(progress, bool) or not isinstance(progress, int | float):
            return None
        progress = float(progress)  # an integer too big for a float raises OverflowError
        if not math.isfinite(progress):
            return None
        updated = record.get("updated")
        return ReadingPosition(
            min(max(offset, 0), MAX_OFFSET),
            min(max(progress, 0.0), 1.0),
            updated if isinstance(updated, str) else "",
        )
    except (KeyError, TypeError, OverflowError):
        return None


class _FreshIdTable(Table):
    """A table that recomputes the next document id from the file before every insert.

    TinyDB caches the next id in memory; with two processes writing the same file that cache
    would hand out an id the other process already used (and ``insert_multiple`` would then
    overwrite its document).
    """

    def insert(self, document: Any) -> int:
        """Insert one document with a fresh id."""
        self._next_id = None
        return super().insert(document)

    def insert_multiple(self, documents: Iterable[Any]) -> list[int]:
        """Insert documents with fresh ids."""
        self._next_id = None
        return super().insert_multiple(documents)


class _PostilDB(TinyDB):
    """TinyDB with tables that are safe for several processes."""

    table_class = _FreshIdTable


class _StorageFactory:
    """TinyDB builds its storage from a class; hand it the already-open instance."""

    def __init__(self, storage: SafeJSONStorage) -> None:
        self._storage = storage

    def __call__(self, *args: Any, **kwargs: Any) -> SafeJSONStorage:
        return self._storage

