"""Atomic file writes: a crash leaves the old file or the new one, never a mix.

Every writer in postil (database, settings, exports, added articles, caches) goes through here:
write a temp file in the same directory, fsync it, move it into place with ``os.replace`` (or a
no-clobber link for new files), then fsync the directory so the rename itself is durable.
"""

from __future__ import annotations

import contextlib
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


def atomic_write_bytes(path: Path, data: bytes, *, create: bool = False) -> None:
    """Write ``data`` to ``path`` atomically: temp file, fsync, then ``os.replace``.

    With ``create=True`` the file must not exist yet: it is linked into place, which fails with
    ``FileExistsError`` if another writer created it first (nothing is overwritten). An existing
    file's permission bits are kept. Raises ``OSError`` on failure (the target is untouched).
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
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
