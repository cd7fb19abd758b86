"""Syncing one database through a folder: share this device's changes, merge the others'.

:class:`SyncFolder` ties an :class:`~annotations.storage.AnnotationStore` to a sync folder:

* **Sharing.** Attached to the store (:meth:`SyncFolder.attach`), every durable local change is
  appended (fsynced) to this device's current segment in the folder, under the database lock,
  before the write returns. When the folder cannot be written (unmounted, read-only) the
  changes wait in a local outbox (``<db>.sync-outbox.jsonl``) and go out with the next merge.
  The first sync writes the whole database once (with every record's own clocks), so a device
  that joins later gets everything from before.
* **Merging** (:meth:`SyncFolder.merge`). Every other device's files are read from where this
  device stopped (:mod:`annotations.sync.segments`), every valid change is merged through the
  store's field-level merge with its original clock and device, in one batch, durable before
  the read offsets are recorded (a crash in between only means reading again). Then this
  device's ``device.json`` records what it has merged.
* **Compaction.** Once every device has merged this device's old segments and they pass
  :data:`COMPACT_BYTES`, the device writes its whole database as one new segment (a snapshot:
  what a device joining later needs) and deletes the old segments. Only a device's own
  segments are ever deleted, and only by that device. A device that will never sync again
  would hold that up forever: :meth:`SyncFolder.forget` marks it gone (in this device's
  ``device.json``, so no device waits for it) until it syncs again.
* **Clashes.** Two machines using one device id (a copied home folder) write segments with
  different machine marks into one folder, or leave conflict copies there: that is reported
  (:attr:`MergeReport.clash`), and their changes are still merged, never lost.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from annotations.atomicfile import atomic_write_bytes, fsync_directory
from annotations.changelog import ANNOTATIONS, SET, Change, append_changes, read_log
from annotations.clock import CLOCK
from annotations.clock import DEVICE_FILE as DEVICE_FILE_NAME
from annotations.storage import AnnotationStore
from annotations.sync.devices import DeviceInfo, clean_name, read_device
from annotations.sync.layout import (
    DEVICE_FILE,
    ROOT_NAME,
    SegmentFile,
    change_files,
    device_folders,
    open_regular,
    own_folder,
    segment_name,
)
from annotations.sync.segments import (
    ROLL_BYTES,
    FilePosition,
    append_segment,
    host_mark,
    read_header,
    read_segment,
)
from annotations.sync.state import SyncState, load_state, save_state

STATE_SUFFIX = ".sync.json"
OUTBOX_SUFFIX = ".sync-outbox.jsonl"
LOCK_SUFFIX = ".sync.lock"
#: Old segments every device has merged are compacted once they add up to this much.
COMPACT_BYTES = 16 * 1024 * 1024
#: ``device.json`` is rewritten at least this often (seconds), so "last seen" stays true.
DEVICE_REFRESH = 600.0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class Incoming:
    """Changes merged from one device's folder."""

    device: str
    name: str
    changes: int


@dataclass(slots=True)
class MergeReport:
    """What one merge did.

    Attributes:
        incoming: Per device, the changes merged from its folder (only devices with some).
        shared: This device's changes written to the folder now (outbox, first export).
        damaged: Lines skipped as damaged or invalid.
        compacted: Old segments of this device removed.
        problems: One line each: files ignored, folders that cannot be written...
        clash: Why another machine seems to use this device's id ("" when none does).
        busy: Another postil on this machine was merging; nothing was done.
        folder_missing: Set (the one line, also in ``problems``) when the sync folder does
            not exist (not created, or its drive or share not mounted): nothing was merged.
    """

    incoming: list[Incoming] = field(default_factory=list)
    shared: int = 0
    damaged: int = 0
    compacted: int = 0
    problems: list[str] = field(default_factory=list)
    clash: str = ""
    busy: bool = False
    folder_missing: str = ""

    @property
    def changes(self) -> int:
        """Changes merged from all devices."""
        return sum(item.changes for item in self.incoming)

    def summary(self) -> str:
        """``"12 changes from laptop, 3 from server"`` (``"nothing new"`` when none came;
        ``"nothing merged: the sync folder does not exist"`` when it is missing)."""
        if self.folder_missing:
            return "nothing merged: the sync folder does not exist"
        if not self.incoming:
            return "nothing new"
        parts = []
        for number, item in enumerate(self.incoming):
            noun = "" if number else (" change" if item.changes == 1 else " changes")
            parts.append(f"{item.changes}{noun} from {item.name}")
        return ", ".join(parts)


@dataclass(slots=True)
class DeviceStatus:
    """One device as ``postil sync --status`` lists it.

    Attributes:
        device: Its id.
        name: Its name ("" when it has not said).
        this: True for this device.
        last_seen: When it last synced (ISO 8601; "" when unknown).
        to_merge: Its changes in the folder this device has not merged yet.
        behind: This device's changes in the folder it has not merged yet (None: unknown).
        forgotten: Marked gone (``postil sync --forget``, here or on another device): no
            device waits for it.
    """

    device: str
    name: str
    this: bool
    last_seen: str
    to_merge: int = 0
    behind: int | None = None
    forgotten: bool = False

    def label(self) -> str:
        """Its name, else its id."""
        return self.name or self.device


@dataclass(slots=True)
class SyncStatus:
    """The state of the sync folder from this device's side."""

    folder: Path
    device: str
    name: str
    devices: list[DeviceStatus] = field(default_factory=list)
    outbox: int = 0
    clash: str = ""
    problems: list[str] = field(default_factory=list)
    folder_missing: str = ""
    """Set (one line) when the sync folder does not exist: nothing in it was looked at."""


class ForgetError(ValueError):
    """A device cannot be forgotten (unknown, ambiguous, or this one); ``str()`` says why."""


@dataclass(slots=True)
class Forgotten:
    """What :meth:`SyncFolder.forget` did.

    Attributes:
        device: The forgotten device's id.
        name: Its name ("" when it has not said).
        last_seen: When it last synced (ISO 8601; "" when unknown).
        waiting: This device's changes in the folder it had not merged (they stay there; if
            it never syncs again it never gets them).
        already: It was forgotten before (and has not synced since).
    """

    device: str
    name: str
    last_seen: str
    waiting: int = 0
    already: bool = False

    def label(self) -> str:
        """Its name, else its id."""
        return self.name or self.device


class SyncFolder:
    """One database synced through one folder.

    Args:
        store: The annotation store.
        sync_dir: The folder the transport carries (``postil-sync/`` is made inside it).
        name: What other devices call this one (default: the host name).
    """

    def __init__(self, store: AnnotationStore, sync_dir: Path, name: str = "") -> None:
        self.store = store
        self.sync_dir = Path(sync_dir).expanduser().absolute()
        self.root = self.sync_dir / ROOT_NAME
        self.device = store.device
        self.host = host_mark(store.path)
        self.name = clean_name(name) or clean_name(socket.gethostname()) or self.device
        self.state_path = store.path.with_name(store.path.name + STATE_SUFFIX)
        self.outbox = store.path.with_name(store.path.name + OUTBOX_SUFFIX)
        self._lock = FileLock(str(store.path) + LOCK_SUFFIX)
        self._unshared = False
        self._device_written = 0.0
        #: Lower for tests: old segments are compacted past this many bytes.
        self.compact_bytes = COMPACT_BYTES
        #: Lower for tests: a new segment is started past this many bytes.
        self.roll_bytes = ROLL_BYTES

    # ------------------------------------------------------------------ sharing
    def attach(self) -> SyncFolder:
        """Share every durable change of the store from now on; returns self."""
        self.store.on_durable = self.share
        return self

    def share(self, changes: list[Change]) -> None:
        """Append this device's durable changes to its segment (called under the database
        lock); into the local outbox when the folder cannot be written."""
        changes = [shared for change in changes if (shared := shareable(change)) is not None]
        if not changes:
            return
        try:
            self._append_own(changes)
            return
        except OSError:
            pass
        try:
            append_changes(self.outbox, self.device, changes)
        except OSError:
            self._unshared = True  # the next merge writes the whole database again

    def _own_segments(self) -> list[SegmentFile]:
        return [f for f in change_files(self.device, self.root / self.device)
                if f.number is not None]

    def _append_own(self, changes: Iterable[Change], *, snapshot: bool = False) -> int:
        """Append to this device's current segment (a new one when it is full, written by
        another machine, or for a snapshot). Returns how many changes were written."""
        batch = list(changes)
        if not batch:
            return 0
        folder = own_folder(self.root, self.device)
        segments = self._own_segments()
        number = max((f.number or 0 for f in segments), default=0)
        current = segments[-1] if segments else None
        if (current is None or snapshot or current.size >= self.roll_bytes
                or read_header(current.path).get("host") != self.host):
            number += 1
        append_segment(folder / segment_name(number), self.device, number, self.host, batch,
                       snapshot=snapshot)
        if current is None or current.number != number:
            fsync_directory(folder)
        return len(batch)

    def _flush_outbox(self) -> int:
        """Move changes kept in the local outbox into the folder."""
        with contextlib.suppress(OSError):
            if not self.outbox.exists():
                return 0
        read = read_log(self.outbox, "", 0)
        if read is None:
            return 0
        written = self._append_own(read.changes)
        with contextlib.suppress(OSError):
            self.outbox.unlink()
        return written

    # ------------------------------------------------------------------ merging
    def merge(self, timeout: float = 10.0) -> MergeReport:
        """Share what waits, merge every other device's new changes, record what was merged,
        compact old segments if due. Never raises for the folder's content: problems are in
        the report. Raises :class:`~annotations.storage.StoreError` when the database cannot
        be written."""
        report = MergeReport()
        try:
            with self._lock.acquire(timeout=timeout):
                self._merge(report)
        except Timeout:
            report.busy = True
        return report

    def _merge(self, report: MergeReport) -> None:
        state = load_state(self.state_path, self.root)
        if not self.sync_dir.is_dir():
            report.folder_missing = self.missing_folder_problem()
            report.problems.append(report.folder_missing)
            return
        if os.path.islink(self.root):
            report.problems.append(f"{self.root} is a symbolic link; postil reads and writes "
                                   "only a real folder there (nothing was merged)")
            return
        try:
            own_folder(self.root, self.device)
            report.shared += self._flush_outbox()
            if not state.exported or self._unshared:
                report.shared += self._append_own(self.store.export_changes(), snapshot=True)
                state.exported, self._unshared = True, False
        except OSError as error:
            report.problems.append(f"cannot write to the sync folder {self.root}: "
                                   f"{error.strerror or error}; this device's changes wait "
                                   "and are shared at the next sync")
        # Marks this database wrote its segments with (another one after the data dir moved).
        own_marks = {*state.marks, self.host}
        state.marks = sorted(own_marks)[-20:]
        batch: list[Change] = []
        read_files: dict[str, tuple[FilePosition, int]] = {}
        counted: dict[str, set[tuple[str, str, str, str]]] = {}
        present: set[str] = set()
        for device, folder in device_folders(self.root).items():
            for file in change_files(device, folder):
                present.add(file.key)
                known = state.files.get(file.key)
                if (known is not None and known.offset == file.size
                        and state.mtimes.get(file.key) == file.mtime_ns):
                    continue  # unchanged since it was merged
                mine = frozenset(own_marks) if device == self.device else frozenset()
                read = read_segment(file, known, mine)
                if read is None:
                    report.problems.append(f"{file.key} cannot be read (too big or gone)")
                    continue
                assert read.position is not None
                read_files[file.key] = (read.position, file.mtime_ns)
                if device == self.device:
                    if read.host in own_marks and file.number is not None:
                        continue  # this device's own segment
                    state.clash = report.clash = self._clash_message(file)
                if read.device and read.device != device:
                    report.problems.append(
                        f"{file.key} says it was written by device {clean_name(read.device)}; "
                        "its changes were merged, counted as this folder's")
                report.damaged += read.damaged
                if read.changes:
                    batch.extend(read.changes)
                    seen = counted.setdefault(device, set())
                    seen.update((c.clock, c.table, c.key, c.op) for c in read.changes)
        if batch:
            self.store.apply_changes(batch, share=False)  # durable before offsets are kept
            CLOCK.observe(max(change.clock for change in batch))
        for key, (position, mtime) in read_files.items():
            state.files[key], state.mtimes[key] = position, mtime
        for key in [key for key in state.files if key not in present]:
            del state.files[key]  # deleted by its device (compacted): merged, and forgotten
            state.mtimes.pop(key, None)
        infos = self._devices(report)
        for device, keys in sorted(counted.items()):
            if keys:
                name = infos[device].label() if device in infos else device
                if device == self.device:
                    name = f"another machine using this device's id ({device})"
                report.incoming.append(Incoming(device, name, len(keys)))
        try:
            save_state(self.state_path, state)
        except OSError as error:
            report.problems.append(f"cannot record what was merged in {self.state_path}: "
                                   f"{error.strerror or error}")
        if not report.clash:
            report.clash = state.clash
        changed = bool(read_files) or bool(report.shared)
        back = [device for device, seen in state.forgotten.items()
                if device not in infos or infos[device].updated != seen]
        for device in back:  # it synced again (or its folder went): it counts again
            del state.forgotten[device]
        if back:
            changed = True
            with contextlib.suppress(OSError):
                save_state(self.state_path, state)
        try:
            report.compacted = self._compact(infos, state)
            self._write_device(state, force=changed or bool(report.compacted))
        except OSError as error:
            report.problems.append(f"cannot write to the sync folder {self.root}: "
                                   f"{error.strerror or error}")

    def _clash_message(self, file: SegmentFile) -> str:
        return (f"another machine writes to this device's folder in the sync folder "
                f"({file.key}): two machines share the device id {self.device} (a copied "
                "data folder?). Their changes are merged; run `postil sync --new-device-id` "
                "on one of them")

    def _devices(self, report: MergeReport | None = None) -> dict[str, DeviceInfo]:
        infos: dict[str, DeviceInfo] = {}
        for device, folder in device_folders(self.root).items():
            info, problem = read_device(folder, device)
            if problem and report is not None:
                report.problems.append(problem)
            if info is not None:
                infos[device] = info
        return infos

    def _write_device(self, state: SyncState, *, force: bool) -> None:
        """Rewrite this device's ``device.json`` when something changed (or it is old)."""
        path = self.root / self.device / DEVICE_FILE
        if not force and time.monotonic() - self._device_written < DEVICE_REFRESH:
            with contextlib.suppress(OSError):
                if path.exists():
                    return
        merged = {key: (position.generation, position.offset)
                  for key, position in state.files.items()
                  if not key.startswith(f"{self.device}/")}
        info = DeviceInfo(self.device, self.name, self.host, _now(), merged,
                          dict(state.forgotten))
        folder = own_folder(self.root, self.device)
        if os.path.islink(path):
            raise OSError(f"{path} is a symbolic link; postil does not write through it")
        atomic_write_bytes(folder / DEVICE_FILE, info.to_json())
        self._device_written = time.monotonic()

    # ------------------------------------------------------------------ compaction
    def _compact(self, infos: dict[str, DeviceInfo], state: SyncState) -> int:
        """Replace this device's old segments by one snapshot once every device merged them
        (every device but those forgotten: :func:`gone_devices`)."""
        own = [f for f in self._own_segments() if read_header(f.path).get("host") == self.host]
        if len(own) < 2:
            return 0
        gone = gone_devices(infos, state.forgotten)
        others = [info for device, info in infos.items()
                  if device != self.device and device not in gone]
        sealed = own[:-1]

        def merged_by_all(file: SegmentFile) -> bool:
            header = read_header(file.path)
            generation = header.get("generation")
            return all(
                (seen := info.merged.get(file.key)) is not None and seen[0] == generation
                and seen[1] >= file.size for info in others)

        removable = [f for f in sealed if merged_by_all(f)]
        snapshot = max((f.size for f in own if read_header(f.path).get("snapshot")), default=0)
        if sum(f.size for f in removable) <= max(self.compact_bytes, 2 * snapshot):
            return 0
        self._append_own(self.store.export_changes(), snapshot=True)
        removed = 0
        for file in removable:
            with contextlib.suppress(OSError):
                file.path.unlink()
                removed += 1
        fsync_directory(self.root / self.device)
        return removed

    # ------------------------------------------------------------------ forgetting
    def forget(self, given: str, timeout: float = 10.0) -> Forgotten:
        """Mark the device ``given`` names (its id, or its name as ``--status`` shows it) gone:
        no device waits for it to merge old segments any more, until it syncs again. Its
        folder and files stay. Written into this device's state and ``device.json``.

        Raises:
            ForgetError: no such device, several devices with that name, or this device.
            OSError: the state or ``device.json`` cannot be written.
        """
        if not self.sync_dir.is_dir():
            raise ForgetError(self.missing_folder_problem())
        try:
            with self._lock.acquire(timeout=timeout):
                return self._forget(given)
        except Timeout:
            raise ForgetError("another postil on this machine is syncing; try again in a "
                              "moment") from None

    def _forget(self, given: str) -> Forgotten:
        infos = self._devices()
        names = {device: infos[device].name if device in infos else ""
                 for device in device_folders(self.root)}
        names[self.device] = self.name  # this device, also before its first sync
        wanted = given.strip()
        if wanted.lower() in names:
            matches = [wanted.lower()]
        else:
            target = clean_name(wanted).casefold()
            matches = sorted(device for device, name in names.items()
                             if name and name.casefold() == target)
        if not matches:
            raise ForgetError(f"no device {clean_name(wanted)!r} in the sync folder "
                              "(`postil sync --status` lists them)")
        if len(matches) > 1:
            raise ForgetError(f"{len(matches)} devices are called {clean_name(wanted)!r}: give "
                              f"the id ({', '.join(matches)})")
        device = matches[0]
        if device == self.device:
            raise ForgetError(f"{self.name} ({device}) is this device: it cannot forget "
                              "itself (it syncs whenever postil runs here)")
        info = infos.get(device)
        state = load_state(self.state_path, self.root)
        seen = info.updated if info is not None else ""
        result = Forgotten(device, info.name if info else "", seen,
                           already=state.forgotten.get(device) == seen and info is not None)
        if info is not None:
            result.waiting = sum(_lines_after(f, info.merged.get(f.key))
                                 for f in self._own_segments())
        state.forgotten[device] = seen
        save_state(self.state_path, state)
        self._write_device(state, force=True)
        return result

    # ------------------------------------------------------------------ status
    def missing_folder_problem(self) -> str:
        """The line that says the sync folder does not exist, and what to do."""
        return (f"the sync folder {self.sync_dir} does not exist (create it, or check that the "
                "drive or share is mounted); this device's changes wait and are shared at the "
                "next sync")

    def status(self) -> SyncStatus:
        """Devices in the folder, when each was last seen, and what waits in each direction."""
        state = load_state(self.state_path, self.root)
        status = SyncStatus(self.root, self.device, self.name, clash=state.clash)
        read = read_log(self.outbox, "", 0) if self.outbox.exists() else None
        status.outbox = len(read.changes) if read else 0
        if not self.sync_dir.is_dir():
            status.folder_missing = self.missing_folder_problem()
            return status
        report = MergeReport()
        infos = self._devices(report)
        status.problems = report.problems
        own = self._own_segments()
        gone = gone_devices(infos, state.forgotten)
        for device, folder in device_folders(self.root).items():
            info = infos.get(device)
            files = change_files(device, folder)
            last_seen = info.updated if info else ""
            if not last_seen and files:
                newest = max(f.mtime_ns for f in files) / 1e9
                last_seen = datetime.fromtimestamp(newest, UTC).isoformat(timespec="seconds")
            entry = DeviceStatus(device, info.name if info else "", device == self.device,
                                 last_seen, forgotten=device in gone)
            if device == self.device:
                entry.name = self.name
            else:
                for file in files:
                    segment = read_segment(file, state.files.get(file.key))
                    entry.to_merge += len(segment.changes) if segment else 0
                if info is not None:
                    entry.behind = sum(_lines_after(f, info.merged.get(f.key)) for f in own)
            status.devices.append(entry)
        status.devices.sort(key=lambda d: (not d.this, d.label()))
        return status


#: The fields a re-anchoring changes (:meth:`Change.anchors`).
_ANCHOR_FIELDS = frozenset({"position", "status", "article_id", "path", "score"})


def shareable(change: Change) -> Change | None:
    """The part of a local change other devices get (None: nothing).

    Re-anchoring is not shared: where a quote sits in an article (and the folder the article
    is in) is worked out by each machine from its own copy of the text — libraries may live in
    different folders, and a copy may be older or newer. Each machine re-anchors when it opens
    the article; articles are matched by content id. Everything else is shared as it is.
    """
    if change.table == ANNOTATIONS and change.op == SET and set(change.fields) == _ANCHOR_FIELDS:
        return None
    return change


def gone_devices(infos: dict[str, DeviceInfo], forgotten: dict[str, str]) -> set[str]:
    """Devices marked gone — by this device (``forgotten``) or in any device's
    ``device.json`` — whose ``device.json`` still says what it said then (one that synced
    since counts again)."""
    gone = set()
    marks = [forgotten, *(info.forgotten for info in infos.values())]
    for marked in marks:
        for device, seen in marked.items():
            info = infos.get(device)
            if info is not None and info.updated == seen:
                gone.add(device)
    return gone


def _lines_after(file: SegmentFile, seen: tuple[str, int] | None) -> int:
    """Changes in one of this device's segments after what another device merged."""
    header = read_header(file.path)
    offset = seen[1] if seen is not None and seen[0] == header.get("generation") else 0
    try:
        fd = open_regular(file.path)
    except OSError:
        return 0
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, max(0, size - offset), offset) if size > offset else b""
    finally:
        os.close(fd)
    lines = data.count(b"\n")
    return max(0, lines - 1) if offset == 0 else lines  # the header is not a change


def merge_store(store: AnnotationStore, sync_dir: Path, name: str = "") -> MergeReport:
    """Merge once (for callers that do not keep a :class:`SyncFolder`)."""
    return SyncFolder(store, sync_dir, name).attach().merge()


def renew_device_id(sync: SyncFolder) -> tuple[str, str]:
    """Give this machine a new device id (two machines shared one); returns (old, new).

    The change log is folded into the database first (its file is named by the old id), and
    what this device merged is forgotten, so the next sync shares everything under the new id
    and reads every folder again (merging twice changes nothing). The old id's folder in the
    sync folder stays: other devices keep what is in it.
    """
    store = sync.store
    old = store.device
    store.compact()
    new = secrets.token_hex(8)
    atomic_write_bytes(store.path.parent / DEVICE_FILE_NAME, (new + "\n").encode("ascii"))
    with contextlib.suppress(FileNotFoundError):
        sync.state_path.unlink()
    return old, new

