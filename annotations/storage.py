"""The annotation store: annotations, positions and state in one TinyDB file, safe across crashes
and concurrent writers, with writes proportional to the change.

* **The file.** The database of record is a TinyDB JSON file, read and written through
  :class:`~annotations.jsonfile.SafeJSONStorage` (atomic writes, damaged files preserved, bad
  records quarantined and written back untouched).
* **Cross-process safety.** Every read-modify-write holds a :class:`filelock.FileLock` on
  ``<db>.lock`` and starts from the file's current content: the store re-reads the file
  whenever its (mtime, size, inode) changed, so two postil processes never lose each other's
  writes.
* **Field-level changes, proportional writes.** Every change carries only the fields it
  changes and a hybrid logical clock, and is merged onto the current record under the lock
  (:mod:`annotations.records`): two writers changing different fields both win, the later change
  of one field wins, tags merge per tag (a change setting the tags list is written as the tags
  it adds and removes), a delete is a tombstone. Past a small size, changes are appended to a
  per-device change log beside the file (:mod:`annotations.changelog`) instead of rewriting it;
  the log is folded into the file (compaction) atomically from time to time.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout

from annotations import jsonread
from annotations.atomicfile import write_target
from annotations.changelog import (
    LOG_SUFFIX,
    PENDING_PREFIX,
    Change,
    append_changes,
    is_own_file,
    log_files,
    read_log,
    write_pending,
)
from annotations.clock import CLOCK, device_id
from annotations.jsonfile import (
    DatabaseDamaged,
    SafeJSONStorage,
    StoreError,
    encode_database,
    file_signature,
    remove_stale_temp_files,
)
from annotations.model import Annotation, normalize_tags
from annotations.recordindex import PartialView, StaleIndex, remove_index, write_index
from annotations.records import (
    CHANGELOG,
    TOMBSTONES,
    Tables,
    all_changes,
    local_tag_changes,
    shown_position,
    tags_need_record,
)

#: Re-exported: callers and tests name the file's errors and encoder through this module.
__all__ = ["AnnotationStore", "DatabaseDamaged", "DatabaseLocked", "ReadingPosition",
           "SafeJSONStorage", "StoreError", "encode_database", "remove_stale_temp_files"]

ANNOTATIONS_TABLE = "annotations"
POSITIONS_TABLE = POSITIONS = "positions"
STATE_TABLE = "state"
KNOWN_TABLES = frozenset({"_default", ANNOTATIONS_TABLE, POSITIONS_TABLE, STATE_TABLE,
                          TOMBSTONES, CHANGELOG})
T = TypeVar("T")
LOCK_TIMEOUT = 30.0
#: Below this size the database file is rewritten whole on every change (cheap, and no log).
DIRECT_WRITE_BYTES = 256 * 1024
#: A batch this big (a merge from another device) is written into the file at once when the
#: records are loaded: appending it to the log would only mean folding the log in right after.
BULK_WRITE_CHANGES = 10_000
#: The change log is folded into the file when it passes this share of the file's size...
COMPACT_SHARE = 0.25
#: ...and a writer that does not keep the database loaded folds it in past this share.
FORCE_COMPACT_SHARE = 1.0
#: Asked for more than this share of the records at once, the store reads the whole file
#: rather than record by record through the index.
WHOLE_READ_SHARE = 0.2
#: The folder of change logs beside the database: ``<db>.changes``.
LOG_DIR_SUFFIX = ".changes"
#: The copy of a database from the previous version, kept once before its first upgrade.
LEGACY_COPY_SUFFIX = ".before-changelog"
#: The file format version, recorded in the ``changelog`` table.
FORMAT_VERSION = 2


class DatabaseLocked(StoreError):
    """Another postil held the database lock for longer than the wait allowed."""


@dataclass(frozen=True, slots=True)
class ReadingPosition:
    """Where the reader was in an article."""

    offset: int
    progress: float
    updated: str


@dataclass(slots=True)
class _LogPosition:
    """How far one log file has been applied: its generation, offset, and inode."""

    generation: str
    offset: int
    inode: int = 0


class AnnotationStore:
    """Annotations, reading positions and small state values in one safe TinyDB file.

    Every change is a field-level :class:`~annotations.changelog.Change` merged onto the current
    record (the later change wins per field; deletes are tombstones), durable (fsynced) when
    the method returns, and written under an inter-process lock:

    * while the database file is small (below :data:`DIRECT_WRITE_BYTES`) the whole file is
      rewritten atomically, which costs less than the log would save;
    * above that, the change is appended to this device's change log beside the database
      (``<db>.changes/``) without parsing the database; opening the database replays the log
      entries newer than the file, and :meth:`compact` folds the log into the file (when it
      grows past :data:`COMPACT_SHARE` of the file, when the app is idle, and at exit).

    Reads use indexes built at load (by annotation id, article id, path, tag) and see other
    processes' changes: the file is re-read when it changed, and the logs' new lines are applied.
    Safe to use from several threads.

    Args:
        path: The database file.
        load: Read the database now (False for a process that only adds: the file is then
            only read if a write needs it, e.g. while it is small).

    Raises:
        DatabaseDamaged: from the constructor, when the file is damaged (after copying it aside).
        StoreError: when the file cannot be read at all.
    """

    def __init__(self, path: Path | str, *, load: bool = True) -> None:
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
        self.log_dir = self.path.with_name(self.path.name + LOG_DIR_SUFFIX)
        self._storage = SafeJSONStorage(self.path, KNOWN_TABLES)
        self._lock = FileLock(str(self.path) + ".lock")
        self._mutex = threading.RLock()
        self._tables: Tables | None = None
        #: Set while the records are read one article at a time through the index
        #: (:mod:`annotations.recordindex`); ``_tables`` is then the view's.
        self._view: PartialView | None = None
        #: Set once a caller needed every record: the whole file is read from then on.
        self._whole = False
        self._signature: tuple[int, int, int] | None = None
        self._logs: dict[str, _LogPosition] = {}
        self._device: str | None = None
        #: Called with every batch of this device's changes once it is durable, under the
        #: database lock (the sync folder's outbox, :mod:`annotations.sync`, listens here).
        self.on_durable: Callable[[list[Change]], None] | None = None
        self.skipped_records = 0
        #: Log lines that failed their checksum (a torn last line is not counted).
        self.damaged_log_lines = 0
        if load:
            self._current()
        else:
            self._check_readable()
        if self.path.parent.is_dir():
            with contextlib.suppress(StoreError):
                with self._locked(timeout=0):
                    remove_stale_temp_files(self.path)

    # ------------------------------------------------------------------ locking
    @contextlib.contextmanager
    def _locked(self, timeout: float | None = None) -> Iterator[None]:
        wait = LOCK_TIMEOUT if timeout is None else timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock.acquire(timeout=wait):
                yield
        except Timeout:
            raise DatabaseLocked(
                f"the annotation database {self.path} stayed locked by another postil for "
                f"{wait:.0f} s; try again"
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

    # ------------------------------------------------------------------ loading
    def _check_readable(self) -> None:
        """Cheap checks for a store that does not load: readable, looks like a JSON object."""
        try:
            with open(self.path, "rb") as stream:
                size = os.fstat(stream.fileno()).st_size
                head = stream.read(64)
                stream.seek(max(0, size - 64))
                tail = stream.read(64)
        except FileNotFoundError:
            return
        except PermissionError:
            raise StoreError(f"cannot read the annotation database {self.path}: "
                             "permission denied") from None
        except OSError as error:
            raise StoreError(f"cannot read the annotation database {self.path}: "
                             f"{error.strerror or error}") from None
        if head.strip() and not (head.lstrip().startswith(b"{") and tail.rstrip().endswith(b"}")):
            self._refresh()  # looks damaged: the full read copies it aside and reports it

    def _current(self) -> Tables:
        """The records, up to date, read through the index where it is valid: the records of
        the whole file, or (a :class:`PartialView`) those read so far; new log lines applied."""
        with self._mutex:
            if self._whole or (self._tables is not None and self._view is None):
                return self._refresh()
            try:
                if self._view is None or file_signature(self.path) != self._signature:
                    self._open_view()
                view = self._view
                if view is None:
                    return self._refresh()
                self._replay(view.tables)
                return view.tables
            except StaleIndex:
                return self._refresh()

    def _open_view(self) -> None:
        """Read the file through its index if that checks out (else leave no view)."""
        self._drop_view()
        try:
            view = PartialView(self.path)
        except StaleIndex:
            # No index that matches (a copied or restored file, one from an earlier postil):
            # the whole read that follows writes one if the file is postil's encoding.
            self._storage.layout_from = DIRECT_WRITE_BYTES
            return
        self._view, self._tables, self._signature = view, view.tables, view.signature
        self._logs = _log_positions(view.tables.data)

    def _drop_view(self) -> None:
        if self._view is not None:
            self._view.close()
            self._view, self._tables, self._signature = None, None, None

    def _reading(self, load: Callable[[PartialView], None]) -> Tables:
        """The current records, after ``load`` adopted what the caller needs when they are
        read through the index (all of it is in there otherwise)."""
        tables = self._current()
        view = self._view
        if view is not None:
            try:
                load(view)
            except StaleIndex:
                return self._refresh()
        return tables

    def _ask(self, in_view: Callable[[PartialView], T], whole: Callable[[Tables], T]) -> T:
        """A library-wide answer: from the index (corrected for the records read) when the
        records are read through it, else from every record."""
        tables = self._current()
        view = self._view
        if view is not None:
            try:
                return in_view(view)
            except StaleIndex:
                tables = self._refresh()
        return whole(tables)

    def _refresh(self) -> Tables:
        """Bring every record up to date: re-read the file if it changed, apply new log lines."""
        with self._mutex:
            self._drop_view()
            signature = file_signature(self.path)
            tables = self._tables
            if tables is None or signature != self._signature:
                data = self._read_file()
                tables = Tables(data if data is not None else {})
                self._logs = _log_positions(data)
                self._tables, self._signature = tables, signature
                self._index_as_read(tables)
            self._replay(tables)
            return tables

    def _index_as_read(self, tables: Tables) -> None:
        """Write the missing index of the file just read (before the log is replayed onto its
        records), if the read found its layout; best effort, only if the lock is free."""
        storage = self._storage
        layout, signature = storage.read_layout, storage.read_signature
        storage.layout_from, storage.read_layout = None, None
        if layout is None:
            return
        with contextlib.suppress(StoreError):
            with self._locked(timeout=0):
                write_index(self.path, tables, layout, signature)

    def _read_file(self) -> dict[str, dict[str, Any]] | None:
        self._storage._cache = None  # always from disk: the records in memory were changed
        try:
            return self._storage.read()
        except PermissionError:
            raise StoreError(f"cannot read the annotation database {self.path}: "
                             "permission denied") from None
        except (DatabaseDamaged, StoreError):
            raise
        except OSError as error:
            raise StoreError(f"cannot read the annotation database {self.path}: "
                             f"{error.strerror or error}") from None

    def _replay(self, tables: Tables) -> None:
        """Apply the log lines not applied yet (any order gives the same records)."""
        for path in log_files(self.log_dir):
            known = self._logs.get(path.name)
            if known is not None:
                try:
                    stat_now = path.stat()
                except OSError:
                    continue
                if stat_now.st_size == known.offset and stat_now.st_ino == known.inode:
                    continue  # nothing new
            else:
                known = _LogPosition("", 0)
            read = read_log(path, known.generation, known.offset)
            if read is None:
                continue
            for change in read.changes:
                tables.apply(change)
            self.damaged_log_lines += read.damaged
            try:
                inode = path.stat().st_ino
            except OSError:
                inode = 0
            self._logs[path.name] = _LogPosition(read.generation, read.offset, inode)
        CLOCK.observe(tables.max_clock)

    def _device_id(self) -> str:
        if self._device is None:
            self._device = device_id(self.path.parent)
        return self._device

    # ------------------------------------------------------------------ writing
    def apply_changes(self, changes: Iterable[Change], timeout: float | None = None, *,
                      share: bool = True) -> None:
        """Merge ``changes`` onto the current records: one batch, one lock, durable on return.

        ``timeout`` is how long to wait for the lock (default :data:`LOCK_TIMEOUT`).
        ``share=False`` is for changes merged from other devices: :attr:`on_durable` is not
        told of them (they are not this device's to send).

        Raises:
            DatabaseLocked: another postil held the lock for :data:`LOCK_TIMEOUT` seconds.
            StoreError: the database cannot be written (nothing of the batch was saved).
        """
        batch = list(changes)
        if not batch:
            return
        device = self._device_id()
        stamped = [change.stamped(device) for change in batch]
        with self._locked(timeout), self._mutex:
            if share and any(c.table == POSITIONS and "base" not in c.fields for c in stamped):
                # Positions are read whole even through the index: no need to parse the rest.
                stamped = _with_bases(stamped, self._current())
            if share and any("tags" in c.fields for c in stamped):
                stamped = _with_tag_changes(stamped, self._current() if any(
                    tags_need_record(c) for c in stamped) else None, device)
            size = self._writable_size()
            if size < DIRECT_WRITE_BYTES or (self._tables is not None
                                             and len(stamped) >= BULK_WRITE_CHANGES):
                tables = self._refresh()
                for change in stamped:
                    tables.apply(change)
                self._write_whole()
                self._durable(stamped, share)
                return
            try:
                append_changes(self._own_log(), device, stamped)
            except OSError as error:
                raise StoreError(f"cannot write the annotation database {self.path} "
                                 f"(its change log {self._own_log()}): "
                                 f"{error.strerror or error}") from None
            if self._tables is not None:
                self._current()  # reads this batch back, and whatever others wrote
            if self._own_log_bytes() > FORCE_COMPACT_SHARE * size:
                self._refresh()
                self._write_whole()
            self._durable(stamped, share)

    def _durable(self, changes: list[Change], share: bool) -> None:
        """Tell :attr:`on_durable` of this device's durable changes (under the lock)."""
        if share and self.on_durable is not None:
            self.on_durable(changes)

    def _writable_size(self) -> int:
        """The database file's size (0 if missing); refuses a file the user made read-only."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return 0
        except OSError as error:
            raise StoreError(f"cannot write the annotation database {self.path}: "
                             f"{error.strerror or error}") from None
        if not status.st_mode & stat.S_IWUSR:
            raise StoreError(f"the annotation database {self.path} is read-only; "
                             "nothing was saved (make it writable to save annotations)")
        return status.st_size

    def _own_log(self) -> Path:
        return self.log_dir / f"{self._device_id()}{LOG_SUFFIX}"

    def _own_files(self) -> list[Path]:
        device = self._device_id()
        return [path for path in log_files(self.log_dir) if is_own_file(path, device)]

    def _own_log_bytes(self) -> int:
        total = 0
        for path in self._own_files():
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    def _write_whole(self) -> None:
        """Write every record into the database file atomically (call under lock and mutex,
        records fresh); then remove this device's log files that the file now holds."""
        tables = self._tables
        assert tables is not None
        self._keep_legacy_copy(tables.data)
        meta: dict[str, Any] = {"1": {"format": FORMAT_VERSION, "clock": tables.max_clock}}
        for number, (name, known) in enumerate(sorted(self._logs.items()), start=2):
            meta[str(number)] = {"log": name, "generation": known.generation,
                                 "offset": known.offset}
        tables.data[CHANGELOG] = meta
        try:
            layout = self._storage.write_with_layout(tables.data)
        except BaseException:
            self._tables, self._signature = None, None  # re-read from disk next time
            raise
        self._signature = file_signature(self.path)
        indexed = layout.size >= DIRECT_WRITE_BYTES
        if indexed:
            write_index(self.path, tables, layout, self._signature)
        else:
            remove_index(self.path)
        device = self._device_id()
        for name, known in list(self._logs.items()):
            path = self.log_dir / name
            if not is_own_file(path, device):
                continue
            try:
                status = path.stat()
            except OSError:
                continue
            if status.st_size == known.offset and status.st_ino == known.inode:
                with contextlib.suppress(OSError):
                    path.unlink()
                    del self._logs[name]
        if indexed and not self._whole:
            self._tables, self._signature = None, None  # read through the new index next

    def _keep_legacy_copy(self, data: dict[str, dict[str, Any]]) -> None:
        """Before the first write of a file from the previous version, copy it aside once."""
        if CHANGELOG in data or not self.path.exists():
            return
        copy = self.path.with_name(self.path.name + LEGACY_COPY_SUFFIX)
        if copy.exists():
            return
        try:
            shutil.copy2(self.path, copy)
        except OSError as error:
            raise StoreError(f"cannot keep a copy of the annotation database {self.path} "
                             f"before upgrading it: {error.strerror or error}") from None

    # ------------------------------------------------------------------ compaction
    def compaction_due(self) -> bool:
        """Whether this device's log has grown past :data:`COMPACT_SHARE` of the database."""
        logged = self._own_log_bytes()
        if not logged:
            return False
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        return logged > COMPACT_SHARE * max(size, DIRECT_WRITE_BYTES) or size < DIRECT_WRITE_BYTES

    def compact(self, timeout: float | None = None) -> None:
        """Fold every log into the database file (atomically, under the lock)."""
        with self._locked(timeout), self._mutex:
            self._writable_size()
            self._refresh()
            self._write_whole()

    def maybe_compact(self, timeout: float | None = None) -> bool:
        """:meth:`compact` if it is due; True when it ran."""
        if not self.compaction_due():
            return False
        self.compact(timeout)
        return True

    def pending_files(self) -> list[Path]:
        """Pending files (changes kept when the database was locked at exit)."""
        return [p for p in log_files(self.log_dir) if p.name.startswith(PENDING_PREFIX)]

    def keep_pending(self, changes: Iterable[Change]) -> Path:
        """Keep changes that could not be written in a pending file (no lock needed).

        They are replayed when the database is next opened and folded into it by the next
        :meth:`compact` (or :meth:`recover_pending`). Raises ``StoreError`` if even that fails.
        """
        device = self._device_id()
        stamped = [c.stamped(device) for c in changes]
        if any("tags" in c.fields for c in stamped):
            # Tags as added and removed, against the records this process has (no lock is
            # needed to read them); left as lists if even that fails.
            with contextlib.suppress(StoreError), self._mutex:
                stamped = _with_tag_changes(stamped, self._current() if any(
                    tags_need_record(c) for c in stamped) else None, device)
        try:
            return write_pending(self.log_dir, device, stamped)
        except OSError as error:
            raise StoreError(f"cannot keep unsaved changes beside {self.path}: "
                             f"{error.strerror or error}") from None

    def recover_pending(self, timeout: float | None = 0.5) -> int:
        """Fold pending files into the database; returns how many changes they held."""
        pending = self.pending_files()
        if not pending:
            return 0
        count = 0
        kept: list[Change] = []
        for path in pending:
            read = read_log(path, "", 0)
            if read:
                count += len(read.changes)
                kept.extend(read.changes)
        self.compact(timeout)
        if self.on_durable is not None and kept:
            with self._locked(timeout), self._mutex:
                self.on_durable(kept)
        return count

    def close(self) -> None:
        """Compact if due (best effort: a locked or read-only database is left as it is).

        A store that never loaded the database (a process that only added) compacts only past
        :data:`FORCE_COMPACT_SHARE`, so such commands stay fast.
        """
        with contextlib.suppress(StoreError):
            if self._tables is None:
                if self._own_log_bytes() > FORCE_COMPACT_SHARE * self._file_size():
                    self.compact(timeout=2.0)
                return
            self.maybe_compact(timeout=2.0)

    def _file_size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    # ------------------------------------------------------------------ annotations
    def _parse(self, records: Iterable[dict[str, Any]]) -> list[Annotation]:
        by_id: dict[str, Annotation] = {}
        skipped = 0
        for record in records:
            try:
                annotation = Annotation.from_record(record)
            except ValueError:
                skipped += 1
                continue
            # Ids are compared normalised: records "BEDE…" and "bede…" (an older import) are one
            # annotation, the most recently changed copy.
            seen = by_id.get(annotation.id)
            if seen is None or annotation.updated > seen.updated:
                by_id[annotation.id] = annotation
        self.skipped_records = skipped
        return list(by_id.values())

    def all_annotations(self) -> list[Annotation]:
        """Every valid annotation (malformed records are skipped and left in the file)."""
        with self._mutex:
            self._whole = True  # a caller that needs everything: keep it all from now on
            return self._parse(list(self._refresh().annotations()))

    def annotations_for(self, article_id: str, path: str) -> list[Annotation]:
        """Annotations of an article, found by its content id or by its path (from the index)."""
        with self._mutex:
            tables = self._reading(lambda view: view.load_article(article_id, path))
            idents = tables.by_article.get(article_id, set()) | tables.by_path.get(path, set())
            return self._parse(list(tables.annotations(idents)))

    def article_paths(self) -> dict[str, str]:
        """Every article path annotations are stored under, with (one of) its article ids."""
        with self._mutex:
            return self._ask(PartialView.article_paths, _article_paths)

    def annotations_where(self, path: Callable[[str], bool],
                          article_ids: Iterable[str] = ()) -> list[Annotation]:
        """Annotations whose path passes ``path`` (asked once per path) or whose article id is
        one of ``article_ids``, from the index: only those records are read."""
        wanted = list(article_ids)
        answers: dict[str, bool] = {}

        def chosen(stored: str) -> bool:  # the index's paths and the records' may overlap
            if stored not in answers:
                answers[stored] = path(stored)
            return answers[stored]

        with self._mutex:
            tables = self._reading(lambda view: view.load_where(chosen, wanted))
            idents: set[str] = set()
            for stored_path, members in tables.by_path.items():
                if chosen(stored_path):
                    idents |= members
            for article in wanted:
                idents |= tables.by_article.get(article, set())
            return self._parse(list(tables.annotations(idents)))

    def get(self, annotation_id: str) -> Annotation | None:
        """The annotation with this id, if any."""
        with self._mutex:
            record = self._current().annotation(annotation_id)
            if record is None:
                return None
            try:
                return Annotation.from_record(record)
            except ValueError:
                return None

    def get_many(self, annotation_ids: Iterable[str]) -> dict[str, Annotation]:
        """The annotations with these ids that exist (one refresh for all)."""
        wanted = list(annotation_ids)
        with self._mutex:
            tables = self._current()
            view = self._view
            if view is not None and len(wanted) > WHOLE_READ_SHARE * view.size:
                tables = self._refresh()  # most of the file (an import): one parse is faster
            found = {}
            for ident in wanted:
                record = tables.annotation(ident)
                if record is not None:
                    with contextlib.suppress(ValueError):
                        found[ident] = Annotation.from_record(record)
            return found

    def ids_starting_with(self, prefix: str) -> list[str]:
        """Ids of annotations that start with ``prefix`` (compared in lower case)."""
        wanted = prefix.lower()
        with self._mutex:
            return self._ask(lambda view: view.ids_starting_with(wanted),
                             lambda tables: sorted(i for i in tables.live
                                                   if i.lower().startswith(wanted)))

    def add(self, annotation: Annotation) -> None:
        """Store a new annotation (or bring back a deleted one)."""
        self.apply_changes([Change.put(annotation)])

    def update(self, annotation: Annotation) -> None:
        """Save the fields of ``annotation`` that differ from the stored record (added if
        missing). Prefer :meth:`apply_changes` with :meth:`Change.between` from the copy the
        change was made on: only that knows which fields this writer changed."""
        current = self.get(annotation.id)
        change = Change.put(annotation) if current is None else Change.between(current,
                                                                               annotation)
        if change is not None:
            self.apply_changes([change])

    def put_many(self, annotations: Iterable[Annotation],
                 base: Mapping[str, Annotation] | None = None) -> None:
        """Insert annotations in one batch; those in ``base`` (the copies they were changed
        from) only save the fields that differ from it."""
        with jsonread.paused_gc():  # one change per annotation (import: tens of thousands)
            changes = []
            for annotation in annotations:
                before = base.get(annotation.id) if base else None
                if before is None:
                    changes.append(Change.put(annotation))
                elif (change := Change.between(before, annotation)) is not None:
                    changes.append(change)
            self.apply_changes(changes)

    def update_anchors(self, annotations: Iterable[Annotation]) -> None:
        """Save where re-anchoring found annotations (position, status, article id and path).

        Only those fields are changed, in one batch: a note edited or a highlight deleted by
        another postil meanwhile is never overwritten or brought back.
        """
        self.apply_changes(Change.anchors(annotation) for annotation in annotations)

    def delete(self, annotation_id: str) -> Annotation | None:
        """Delete the annotation with this id; returns what was deleted."""
        found = self.get(annotation_id)
        self.apply_changes([Change.delete(annotation_id)])
        return found

    def highlight_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Number of annotations per article id and per article path (from the index)."""
        with self._mutex:
            return self._ask(PartialView.highlight_counts, lambda tables: (
                {key: len(ids) for key, ids in tables.by_article.items()},
                {key: len(ids) for key, ids in tables.by_path.items()}))

    def tags_in_use(self) -> set[str]:
        """Every tag of a stored annotation (from the index)."""
        with self._mutex:
            tags = self._ask(PartialView.tags, lambda tables: tables.tags)
            return set(normalize_tags(list(tags)))

    def export_changes(self) -> list[Change]:
        """Every record as changes with the clocks it has here (what a sync folder needs to
        bring another device to the same records: :func:`annotations.records.all_changes`)."""
        with self._mutex:
            return list(all_changes(self._refresh(), self._device_id()))

    @property
    def device(self) -> str:
        """This device's id (it names its change log and its folder in a sync folder)."""
        return self._device_id()

    # ------------------------------------------------------------------ positions
    def get_position(self, article_id: str, path: str) -> ReadingPosition | None:
        """The saved position of an article (by id, else the newest saved for its path)."""
        with self._mutex:
            tables = self._current()
            record = tables.position(article_id) if article_id else None
            if record is not None and (position := _position(record)) is not None:
                return position
            best: ReadingPosition | None = None
            for record in tables.data[POSITIONS].values():
                if record.get("path") != path:
                    continue
                position = _position(record)
                if position is not None and (best is None or position.updated > best.updated):
                    best = position
            return best

    def set_position(self, article_id: str, path: str, offset: int, progress: float) -> None:
        """Save where the reader is in an article."""
        self.apply_changes([Change.position(article_id, path, offset, progress)])

    def all_positions(self) -> dict[str, ReadingPosition]:
        """Every saved position, keyed by article id."""
        positions: dict[str, ReadingPosition] = {}
        with self._mutex:
            for record in self._current().data[POSITIONS].values():
                position = _position(record)
                if position is not None and isinstance(record.get("article_id"), str):
                    positions.setdefault(record["article_id"], position)
        return positions

    # ------------------------------------------------------------------ state
    def get_state(self, key: str, default: Any = None) -> Any:
        """A small value saved under ``key``."""
        with self._mutex:
            record = self._current().state(key)
        if isinstance(record, dict):
            return record.get("value", default)
        return default

    def set_state(self, key: str, value: Any) -> None:
        """Save a small JSON-serialisable value under ``key``."""
        self.apply_changes([Change.state(key, value)])

    def state_values(self, prefix: str) -> dict[str, Any]:
        """Every state value whose key starts with ``prefix`` (for modules that keep one record
        per item, such as :mod:`annotations.review`), keyed by the whole key."""
        values: dict[str, Any] = {}
        with self._mutex:
            for record in self._current().data[STATE_TABLE].values():
                key = record.get("key") if isinstance(record, dict) else None
                if isinstance(key, str) and key.startswith(prefix):
                    values[key] = record.get("value")
        return values


def _with_bases(changes: list[Change], tables: Tables) -> list[Change]:
    """Position changes made here, with the furthest position this device knows as their
    base (see :func:`annotations.records.shown_position`)."""
    done = []
    for change in changes:
        if change.table == POSITIONS and "base" not in change.fields:
            fields = {**change.fields, "base": tables.furthest_clock(change.key)}
            change = Change(change.table, change.key, change.op, fields, change.clock)
        done.append(change)
    return done


def _with_tag_changes(changes: list[Change], tables: Tables | None,
                      device: str) -> list[Change]:
    """Changes made here with their ``tags`` lists turned into the tags added and removed
    (:meth:`Tables.local_changes`), so tags other writers changed meanwhile are kept.
    ``tables`` may be None when no change needs the stored record (:func:`tags_need_record`:
    adds only)."""
    done: list[Change] = []
    for change in changes:
        if tables is None:
            done.extend(local_tag_changes(change, None, False, device))
        else:
            done.extend(tables.local_changes(change, device))
    return done


def _article_paths(tables: Tables) -> dict[str, str]:
    """Every stored path of a visible annotation, with one of its article ids."""
    found = {}
    for path, idents in tables.by_path.items():
        record = tables.annotation(next(iter(idents)))
        article = record.get("article_id") if record else None
        found[path] = article if isinstance(article, str) else ""
    return found


def _log_positions(data: dict[str, dict[str, Any]] | None) -> dict[str, _LogPosition]:
    """How far the file says each log was folded into it."""
    positions: dict[str, _LogPosition] = {}
    meta = (data or {}).get(CHANGELOG)
    if not isinstance(meta, dict):
        return positions
    for record in meta.values():
        if not isinstance(record, dict):
            continue
        name, generation, offset = record.get("log"), record.get("generation"), record.get("offset")
        if (isinstance(name, str) and isinstance(generation, str) and isinstance(offset, int)
                and not isinstance(offset, bool) and offset >= 0):
            positions[name] = _LogPosition(generation, offset)
    return positions



#: Largest reading offset kept; a bigger one (beyond any article) is clamped to it.
MAX_OFFSET = 2**53


def _position(record: Any) -> ReadingPosition | None:
    """The reading position in a database record, validated: ``None`` (the record is skipped,
    and kept in the file) unless the offset is an integer and the progress a finite number;
    a negative or huge offset is clamped to 0..:data:`MAX_OFFSET`, the progress to 0..1."""
    try:
        if isinstance(record, dict):
            record = shown_position(record)
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
