"""Sync settings and the pieces the CLI and the app share (no Textual here).

Where the sync folder comes from: ``--sync-dir`` (the CLI), else ``POSTIL_SYNC_DIR``, else the
setting ``sync_dir``; none of them set means no sync. :func:`attach_sync` ties an opened store
to it, so every durable change is also written to this device's files there.
:class:`SyncService` is what the running app uses: a cheap look at the folder every few
seconds (one ``stat`` per file, in a worker), and a merge only when something changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from annotations.storage import AnnotationStore
from annotations.sync import Forgotten, MergeReport, SyncFolder, SyncStatus
from annotations.sync.layout import change_files, device_folders
from reader.config import load_settings

#: How often the app looks at the sync folder (seconds).
POLL_SECONDS = 3.0


def configured_sync_dir(given: Path | None, config_path: Path) -> Path | None:
    """The sync folder: ``given`` (flag or environment), else the ``sync_dir`` setting."""
    if given is not None:
        return given.expanduser()
    return load_settings(config_path).settings.sync_path()


def device_name(config_path: Path) -> str:
    """What this device is called (the ``device_name`` setting; "" for the host name)."""
    return load_settings(config_path).settings.device_name


def attach_sync(store: AnnotationStore, given: Path | None,
                config_path: Path) -> SyncFolder | None:
    """Share ``store``'s changes with the sync folder, if one is configured."""
    folder = configured_sync_dir(given, config_path)
    if folder is None:
        return None
    return SyncFolder(store, folder, device_name(config_path)).attach()


def folder_signature(sync: SyncFolder) -> tuple[tuple[str, int, int], ...]:
    """What the folder looks like (names, sizes and times of every device's files): a change
    means something arrived. Costs one directory listing per device."""
    found: list[tuple[str, int, int]] = []
    for device, folder in device_folders(sync.root).items():
        for file in change_files(device, folder):
            found.append((file.key, file.size, file.mtime_ns))
        try:
            info = (folder / "device.json").stat()
        except OSError:
            continue
        found.append((f"{device}/device.json", info.st_size, info.st_mtime_ns))
    return tuple(found)


@dataclass(slots=True)
class SyncService:
    """The app's sync: merge at start and whenever the folder changes.

    Call :meth:`poll` from a worker thread (never the UI thread: it reads the disk).

    Attributes:
        sync: The sync folder the store is attached to.
        on_merged: Called (from the worker) with a report that brought changes in.
    """

    sync: SyncFolder
    on_merged: Callable[[MergeReport], None] = lambda report: None
    _signature: tuple[tuple[str, int, int], ...] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def poll(self) -> MergeReport | None:
        """Merge if the folder changed since the last look (always the first time); the
        report when a merge ran, else None."""
        if not self._lock.acquire(blocking=False):
            return None  # a merge is running
        try:
            signature = folder_signature(self.sync)
            if signature == self._signature:
                return None
            report = self.sync.merge()
            if not report.busy:
                # What was there before the merge: anything arriving during it (or written by
                # it) differs, so the next look merges again.
                self._signature = signature
            if report.changes:
                self.on_merged(report)
            return report
        finally:
            self._lock.release()


def when(iso: str) -> str:
    """``"2026-12-01 10:00 UTC"`` from an ISO time ("never" when empty or unreadable)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return "never"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def status_lines(status: SyncStatus) -> list[str]:
    """``postil sync --status`` as lines of text."""
    lines = [f"sync folder: {status.folder}",
             f"this device: {status.name} ({status.device})", ""]
    waiting = ""
    if status.outbox:
        verb = "waits" if status.outbox == 1 else "wait"
        waiting = (f"{status.outbox} change{'s' * (status.outbox != 1)} of this device {verb} "
                   "to be written to the folder (written at the next sync)")
    if status.folder_missing:
        return [*lines[:2], status.folder_missing[:1].upper() + status.folder_missing[1:],
                *([waiting] if waiting else [])]
    rows = [("DEVICE", "ID", "LAST SYNC", "TO MERGE", "HAS NOT MERGED")]
    for device in status.devices:
        label = device.label() + (" (this device)" if device.this else "") + (
            " (forgotten)" if device.forgotten else "")
        behind = "-" if device.this else ("?" if device.behind is None else str(device.behind))
        rows.append((label, device.device, when(device.last_seen),
                     "-" if device.this else str(device.to_merge), behind))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                          strict=True)).rstrip())
    if len(status.devices) <= 1:
        lines.append("(no other device has synced through this folder yet)")
    if waiting:
        lines.append(waiting)
    lines.append("TO MERGE: that device's changes this one has not merged yet; "
                 "HAS NOT MERGED: this device's changes that device has not merged yet.")
    if any(device.forgotten for device in status.devices):
        lines.append("(forgotten): marked gone with `postil sync --forget`; no device waits "
                     "for it to merge old changes until it syncs again.")
    return lines


def forgotten_lines(forgotten: Forgotten) -> list[str]:
    """What ``postil sync --forget`` did, as lines of text."""
    label = forgotten.label()
    named = f"{label} ({forgotten.device})" if forgotten.name else forgotten.device
    first = (f"{named} was already forgotten" if forgotten.already
             else f"forgot {named}, last synced {when(forgotten.last_seen)}")
    lines = [f"{first}: compaction of this folder's old segments no longer waits for it to "
             "merge them (on every device, from its next sync)."]
    if forgotten.waiting:
        lines.append(f"It had not merged {forgotten.waiting} change"
                     f"{'s' * (forgotten.waiting != 1)} of this device; they stay in the folder "
                     "until compacted.")
    lines.append(f"Its folder stays; if {label} syncs again, it counts again.")
    return lines
