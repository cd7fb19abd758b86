"""Read a file postil did not write: a regular file only, and never more than a size cap.

A path can name a FIFO (``open`` would wait forever for a writer), a device such as
``/dev/zero`` (endless data), a folder or a socket. :func:`read_regular_file` opens without
blocking, checks what the open descriptor really is (so a file swapped for a FIFO between a
check and the open is still caught), and reads at most ``limit`` bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class ReadRefused(Exception):
    """The file was not read; ``str()`` says why in a few words ("a FIFO, not a regular file")."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit // 1024} KB" if limit >= 1024 else f"{limit} bytes"


def read_regular_file(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (symlinks followed), at most ``limit`` of them.

    Raises:
        ReadRefused: when the path is not a regular file, or the file is larger than ``limit``.
        OSError: when it cannot be opened or read (missing, permission denied, ...).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except IsADirectoryError:
        raise ReadRefused("a folder, not a file") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise ReadRefused(kind if kind == "not a regular file" else f"{kind}, not a file")
        if info.st_size > limit:
            raise ReadRefused(f"too large ({_size(info.st_size)}; limit {_size(limit)})")
        chunks: list[bytes] = []
        remaining = limit + 1  # one byte more tells a file that grew past the cap
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise ReadRefused(f"too large (limit {_size(limit)})")
    return data
