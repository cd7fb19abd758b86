"""Atomic file writes: a crash leaves the old file or the new one, never a mix.

Every writer in postil (database, settings, exports, added articles, caches) goes through here:
write a temp file in the same directory, fsync it, move it into place with ``os.replace`` (or a
no-clobber link for new files), then fsync the directory so the rename itself is durable.

A symbolic link is written *through*: the file it points to is replaced (atomically, with the
temp file next to that target), and the link stays a link — a database or settings file kept in
a synced folder behind a link keeps receiving the writes. Only regular files are replaced: a
target that is a device, a FIFO or a folder is refused with :class:`NotRegularFile`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort; a no-op where unsupported)."""
    if os.name != "posix":
        return
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


class NotRegularFile(OSError):
    """The path to be written exists but is not a regular file (a device, FIFO, socket, ...)."""


def write_target(path: Path) -> Path:
    """The file a write to ``path`` must replace: symbolic links (and chains of them, and
    linked folders) are followed to the real file, which need not exist yet.

    Raises:
        OSError: for a symbolic link loop.
    """
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath stops at a loop instead of raising
        raise OSError(errno.ELOOP, "too many levels of symbolic links", str(path))
    return target


def check_regular(path: Path) -> os.stat_result | None:
    """The ``stat`` of ``path`` (a followed link's target) if it is a regular file; None if
    nothing is there.

    Raises:
        NotRegularFile: when something other than a regular file is there.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise NotRegularFile(errno.EEXIST, f"{kind}; postil writes only regular files",
                             str(path))
    return info


def atomic_write_bytes(path: Path, data: bytes, *, create: bool = False) -> None:
    """Write ``data`` to ``path`` atomically: temp file, fsync, then ``os.replace``.

    With ``create=True`` the file must not exist yet: it is linked into place, which fails with
    ``FileExistsError`` if another writer created it first (nothing is overwritten). An existing
    file's permission bits are kept. A symbolic link is followed: its target is replaced (see the
    module docstring). Raises ``OSError`` on failure (the target is untouched), and
    :class:`NotRegularFile` when the target is a device, FIFO or folder.
    """
    path = write_target(path)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    existing = check_regular(path)
    if existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, mode)
        if create:
            _link_new(temp_name, path)
        else:
            os.replace(temp_name, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
    fsync_directory(directory)


def atomic_write_text(
    path: Path, text: str, *, newline: str = "\n", create: bool = False
) -> None:
    """Write ``text`` as UTF-8 atomically (see :func:`atomic_write_bytes`)."""
    data = text.replace("\n", newline) if newline != "\n" else text
    atomic_write_bytes(path, data.encode("utf-8"), create=create)


def _link_new(temp_name: str, path: Path) -> None:
    """Move ``temp_name`` to ``path`` only if ``path`` does not exist (no clobbering)."""
    try:
        os.link(temp_name, path)
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (FAT, some network file systems): exclusive open, then replace.
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        os.replace(temp_name, path)
