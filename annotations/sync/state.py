"""What this device remembers about a sync folder: how far it merged each file there.

Kept beside the database as ``<db>.sync.json`` (written atomically; a damaged or foreign file
is read as "nothing merged yet", which only means re-reading: merging twice changes nothing)::

    {"version": 2, "root": "/home/me/Sync/postil-sync", "exported": true,
     "files": {"b71e04c2a9d35f60/000003.jsonl":
                   {"generation": "…", "offset": 81234, "tail": "…", "mtime": 1764…}},
     "clash": "", "marks": ["…"], "forgotten": {}}

Version 1 was written by a postil that merged tags as one field: it skipped the per-tag changes
of newer devices (as damaged lines) but recorded their offsets as merged. Such a state keeps
everything but the offsets, so the folder is read once more from the start after the upgrade
and those changes are merged after all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.atomicfile import atomic_write_bytes
from annotations.sync.devices import read_forgotten
from annotations.sync.layout import read_small
from annotations.sync.segments import FilePosition

STATE_VERSION = 2
#: States of this version have their offsets trusted; older ones read the folder again.
OFFSETS_FROM_VERSION = 2
MAX_STATE_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class SyncState:
    """This device's record of a sync folder.

    Attributes:
        root: The ``postil-sync`` folder it describes (another folder starts afresh).
        exported: Whether this device's whole database was written to the folder once (the
            first sync, so devices that join later get everything from before).
        files: ``"<device>/<file>"`` → how far it was merged.
        mtimes: ``"<device>/<file>"`` → the file's mtime when last read (skip unchanged files).
        clash: Why another machine seems to write as this device ("" when none does).
        marks: The machine marks this database has written segments with (a data dir that
            moved gets a new mark; its older segments are still its own).
        forgotten: Devices ``postil sync --forget`` said are gone: id → the ``updated`` of
            their ``device.json`` then (written into this device's ``device.json`` too).
    """

    root: str
    exported: bool = False
    files: dict[str, FilePosition] = field(default_factory=dict)
    mtimes: dict[str, int] = field(default_factory=dict)
    clash: str = ""
    marks: list[str] = field(default_factory=list)
    forgotten: dict[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """The file's bytes."""
        files = {}
        for key, position in sorted(self.files.items()):
            entry = position.to_json()
            entry["mtime"] = self.mtimes.get(key, 0)
            files[key] = entry
        record = {"version": STATE_VERSION, "root": self.root, "exported": self.exported,
                  "files": files, "clash": self.clash, "marks": self.marks,
                  "forgotten": dict(sorted(self.forgotten.items()))}
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


def load_state(path: Path, root: Path) -> SyncState:
    """The state kept at ``path`` for ``root`` (a fresh one when missing, damaged or for
    another folder)."""
    fresh = SyncState(str(root))
    raw = read_small(path, MAX_STATE_BYTES)
    if raw is None:
        return fresh
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return fresh
    if not isinstance(data, dict) or data.get("root") != str(root):
        return fresh
    state = SyncState(str(root), data.get("exported") is True)
    clash = data.get("clash")
    state.clash = clash[:500] if isinstance(clash, str) else ""
    marks = data.get("marks")
    if isinstance(marks, list):
        state.marks = [mark for mark in marks if isinstance(mark, str) and len(mark) <= 64][:20]
    state.forgotten = read_forgotten(data.get("forgotten"))
    files = data.get("files")
    version = data.get("version")
    if not (isinstance(version, int) and version >= OFFSETS_FROM_VERSION):
        files = None  # merged before per-tag changes were understood: read everything again
    if isinstance(files, dict):
        for key, value in files.items():
            position = FilePosition.from_json(value)
            if isinstance(key, str) and position is not None:
                state.files[key] = position
                mtime = value.get("mtime")
                if isinstance(mtime, int) and not isinstance(mtime, bool):
                    state.mtimes[key] = mtime
    return state


def save_state(path: Path, state: SyncState) -> None:
    """Write the state atomically (raises ``OSError``)."""
    atomic_write_bytes(path, state.to_bytes())
