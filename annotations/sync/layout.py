"""The sync folder's layout, and reading it as untrusted data.

Inside the folder the user chose (``sync_dir``: a Syncthing, Dropbox or Nextcloud folder, or a
git work tree) postil keeps one folder, ``postil-sync/``, with one folder per device::

    postil-sync/
        3f0c9a1e5b7d2c48/          # written only by the device with this id
            device.json            # its name, when it last synced, what it has merged
            000001.jsonl           # its changes, in segments (append-only, checksummed lines)
            000002.jsonl
        b71e04c2a9d35f60/
            ...

A device writes only in its own folder and never edits another device's files, so the
transport never sees two writers of one file. Everything in the folder is read as data from an
untrusted source: only regular files (never a symbolic link, FIFO or device), names checked,
sizes capped, every value validated. Files a transport leaves beside the real ones — conflict
copies (``000002.sync-conflict-20261201-101010-ABCDEFG.jsonl``, ``000002 (conflicted copy).jsonl``),
git merge leftovers (``000002.jsonl.orig``, ``000002_BASE_1234.jsonl``) — are read too: every
valid line in them is a real change, and merging it again changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from reader.safe_read import RefusedFile, read_regular_file

#: The folder postil keeps inside the user's sync folder.
ROOT_NAME = "postil-sync"
#: Each device's description of itself (see :mod:`annotations.sync.devices`).
DEVICE_FILE = "device.json"
SEGMENT_SUFFIX = ".jsonl"
#: A device's own segments: ``000001.jsonl``, ``000002.jsonl``, ...
SEGMENT_NAME = re.compile(r"^(\d{6})\.jsonl$")
DEVICE_NAME = re.compile(r"^[0-9a-z]{8,32}$")
#: Segments larger than this are not read (a device starts a new segment long before).
MAX_SEGMENT_BYTES = 512 * 1024 * 1024
#: Most files read from one device folder, and most device folders.
MAX_FILES_PER_DEVICE = 10_000
MAX_DEVICES = 1_000


@dataclass(frozen=True, slots=True)
class SegmentFile:
    """A file in a device folder that may hold changes.

    Attributes:
        device: The folder's device id.
        path: The file.
        size: Its size when listed.
        mtime_ns: Its modification time when listed.
        number: The segment number for a segment of the device's own naming, else None (a
            conflict copy or merge leftover: read as data, never written or deleted).
    """

    device: str
    path: Path
    size: int
    mtime_ns: int
    number: int | None

    @property
    def key(self) -> str:
        """``"<device>/<file name>"``: how the local merge state names the file."""
        return f"{self.device}/{self.path.name}"


def segment_name(number: int) -> str:
    """The file name of segment ``number``."""
    return f"{number:06d}{SEGMENT_SUFFIX}"


def is_change_file(name: str) -> bool:
    """Whether a file name in a device folder may hold changes: a segment, or a transport's
    copy of one (conflict copies, merge leftovers). Hidden and temporary files are not: a
    transport writes those while a file is arriving."""
    if name.startswith((".", "~")) or name.endswith((".tmp", ".part", ".partial")):
        return False
    return SEGMENT_SUFFIX in name


def device_folders(root: Path) -> dict[str, Path]:
    """Device id → folder, for every real folder (not a link) in ``root`` named like an id."""
    found: dict[str, Path] = {}
    try:
        entries = list(os.scandir(root))
    except OSError:
        return found
    for entry in sorted(entries, key=lambda e: e.name):
        if len(found) >= MAX_DEVICES:
            break
        if DEVICE_NAME.match(entry.name):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    found[entry.name] = Path(entry.path)
    return found


def change_files(device: str, folder: Path) -> list[SegmentFile]:
    """The files of a device folder that may hold changes (regular files only), by name."""
    found: list[SegmentFile] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in sorted(entries, key=lambda e: e.name):
        if len(found) >= MAX_FILES_PER_DEVICE:
            break
        if not is_change_file(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            continue  # a symbolic link, FIFO, device or folder is never opened
        match = SEGMENT_NAME.match(entry.name)
        found.append(SegmentFile(device, Path(entry.path), info.st_size, info.st_mtime_ns,
                                 int(match.group(1)) if match else None))
    return found


def own_folder(root: Path, device: str) -> Path:
    """This device's folder in ``root``, made if missing.

    Raises:
        OSError: when it cannot be made, or something other than a real folder is in the way
            (a symbolic link there could send postil's writes anywhere).
    """
    for folder in (root, root / device):
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            folder.mkdir(mode=0o700, exist_ok=True)
            info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode):
            raise NotADirectoryError(f"{folder} is not a folder (postil writes only into a "
                                     "real folder there, never through a link)")
    return root / device


def open_regular(path: Path, flags: int = os.O_RDONLY, mode: int = 0o600) -> int:
    """Open ``path`` without following a symbolic link and without blocking on a FIFO; raise
    ``OSError`` unless it is a regular file. Returns the descriptor."""
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0),
                 mode)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_small(path: Path, limit: int) -> bytes | None:
    """A small regular file's bytes (None when missing, a link, not regular, or over ``limit``)."""
    try:
        return read_regular_file(path, limit, follow_symlinks=False)
    except (RefusedFile, OSError):
        return None
