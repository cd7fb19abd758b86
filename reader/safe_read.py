"""Read files and standard input safely: only regular files, never more than a size cap.

Every place postil reads a file or standard input goes through this module, so a FIFO, a device
(``/dev/zero``), a directory or a symlink to one can neither hang postil nor fill its memory:

- :func:`read_regular_file` checks the path with ``stat`` first, then opens it with
  ``O_NONBLOCK`` (opening a FIFO never waits for a writer) and checks the *opened* file again
  with ``fstat``, so even a file swapped for a FIFO between the two checks is refused before a
  single byte is read. It reads at most ``limit + 1`` bytes: a file that grows past its cap while
  it is read is refused too. With ``follow_symlinks=False`` a symbolic link is refused rather
  than followed, also one swapped in after the check (the file is opened with ``O_NOFOLLOW``):
  the importers and the export folder search read so.
- :func:`read_stdin` reads at most ``limit + 1`` bytes from standard input.

Both raise :class:`RefusedFile` (an :class:`OSError`, so existing ``except OSError`` handlers
keep working) whose message is one line a person can read: ``"not a regular file (a FIFO)"``,
``"too large (70 MB; limit 50 MB)"``.

The caps live here, in one place, and are listed in the README ("Size caps").

This module uses the standard library only: the annotation domain uses it as well.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO, cast

__all__ = [
    "MAX_ARTICLE_BYTES",
    "MAX_BATCH_BYTES",
    "MAX_CACHE_BYTES",
    "MAX_CONFIG_BYTES",
    "MAX_DATABASE_BYTES",
    "MAX_EXPORT_FILE_BYTES",
    "MAX_IMPORT_BYTES",
    "MAX_NOTE_BYTES",
    "MAX_TEMPLATE_BYTES",
    "MAX_URL_LIST_BYTES",
    "RefusedFile",
    "describe_size",
    "read_file_start",
    "read_regular_file",
    "read_stdin",
    "read_stdin_lines",
]

MB = 1024 * 1024

#: An article file (or an article piped to ``postil add -``): a long book is about 5 MB.
MAX_ARTICLE_BYTES = 50 * MB
#: A note read from standard input (``postil highlight --note -``): a million characters
#: of any script fit.
MAX_NOTE_BYTES = 4 * MB
#: Queries read by ``postil search --batch`` (a query is at most 64 characters; 8 MB is
#: over 100,000 queries).
MAX_BATCH_BYTES = 8 * MB
#: A list of URLs given to ``postil add --from``.
MAX_URL_LIST_BYTES = 16 * MB
#: A Web Annotation file given to ``postil import``.
MAX_IMPORT_BYTES = 256 * MB
#: The annotation database.
MAX_DATABASE_BYTES = 512 * MB
#: The settings file.
MAX_CONFIG_BYTES = 1 * MB
#: An export template (``postil export --template``).
MAX_TEMPLATE_BYTES = 1 * MB
#: An existing export file that ``export --dir`` / ``-o`` updates in place.
MAX_EXPORT_FILE_BYTES = 64 * MB
#: A cache file (article metadata, the search index); a cache over its cap is rebuilt.
MAX_CACHE_BYTES = 512 * MB

_CHUNK = 1 * MB


class RefusedFile(OSError):
    """A file or standard input was not read; ``str(error)`` says why, in one line.

    Attributes:
        reason: The one-line reason (also ``str(error)`` and ``strerror``).
        brief: The reason without its detail (``"not a regular file"`` for a FIFO or a
            device), for messages that name no kind of file.
    """

    def __init__(self, reason: str, brief: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.strerror = reason
        self.brief = brief or reason

    def __str__(self) -> str:
        return self.reason


def describe_size(size: int) -> str:
    """A size for messages: ``"70 MB"``, ``"512 KB"``, ``"300 bytes"``."""
    if size >= MB:
        return f"{size // MB} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "not a regular file (a FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file (a device)"
    if stat.S_ISSOCK(mode):
        return "not a regular file (a socket)"
    return "not a regular file"


def _not_regular(mode: int) -> RefusedFile:
    reason = _kind(mode)
    return RefusedFile(reason, None if stat.S_ISDIR(mode) else "not a regular file")


#: What ``open`` with ``O_NOFOLLOW`` says for a symbolic link (Linux and macOS: ``ELOOP``;
#: FreeBSD: ``EMLINK``; NetBSD: ``EFTYPE``).
_LINK_ERRNOS = frozenset(
    getattr(errno, name) for name in ("ELOOP", "EMLINK", "EFTYPE") if hasattr(errno, name)
)


def _symlink() -> RefusedFile:
    return RefusedFile("a symbolic link (not followed)", "not a regular file")


def _is_link(path: Path | str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def _too_large(size: int, limit: int) -> RefusedFile:
    return RefusedFile(f"too large ({describe_size(size)}; limit {describe_size(limit)})")


def read_regular_file(path: Path | str, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """Read the whole regular file at ``path``, at most ``limit`` bytes.

    A symbolic link is followed unless ``follow_symlinks`` is false; then it is refused
    (:func:`open_regular_file`).

    Raises:
        RefusedFile: when ``path`` is not a regular file (FIFO, device, directory, socket, or a
            symbolic link when links are not followed) or is larger than ``limit`` bytes.
        OSError: when it cannot be opened or read (``FileNotFoundError``,
            ``PermissionError``, …), as :func:`open` would.
    """
    with open_regular_file(path, limit, follow_symlinks=follow_symlinks) as stream:
        return _read_capped(stream, limit)


def read_file_start(path: Path | str, count: int) -> bytes:
    """The first ``count`` bytes (or fewer) of the regular file at ``path``, whatever its size.

    Raises:
        RefusedFile: when ``path`` is not a regular file.
        OSError: when it cannot be opened or read.
    """
    with open_regular_file(path, None) as stream:
        return stream.read(count)


def open_regular_file(
    path: Path | str, limit: int | None, *, follow_symlinks: bool = True
) -> BinaryIO:
    """Open ``path`` for reading after checking (before and after opening) it is a regular file
    of at most ``limit`` bytes (any size for ``None``); the caller closes the stream.

    With ``follow_symlinks`` false a symbolic link at ``path`` is refused, not followed — also
    one put there after the first check: the file is opened with ``O_NOFOLLOW``. (Links in the
    folders above ``path`` are still followed.)

    Raises:
        RefusedFile: not a regular file, or larger than ``limit``; ``"a symbolic link (not
            followed)"`` for a link when links are not followed.
        OSError: when it cannot be opened, as :func:`open` would.

    ``O_NONBLOCK`` makes opening a FIFO return at once instead of waiting for a writer, so the
    ``fstat`` check refuses it even when it replaced a regular file after the first check.
    """
    before = os.stat(path) if follow_symlinks else os.lstat(path)
    if stat.S_ISLNK(before.st_mode):
        raise _symlink()
    if not stat.S_ISREG(before.st_mode):
        raise _not_regular(before.st_mode)
    if limit is not None and before.st_size > limit:
        raise _too_large(before.st_size, limit)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if not follow_symlinks and error.errno in _LINK_ERRNOS and _is_link(path):
            raise _symlink() from None  # a link swapped in after the check
        raise
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise _not_regular(opened.st_mode)
        if limit is not None and opened.st_size > limit:
            raise _too_large(opened.st_size, limit)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_stdin(limit: int, stream: BinaryIO | None = None) -> bytes:
    """Read standard input (or ``stream``) to its end, at most ``limit`` bytes.

    Raises:
        RefusedFile: when there is more than ``limit`` bytes.
    """
    return _read_capped(stream if stream is not None else _stdin(), limit)


def read_stdin_lines(limit: int, stream: BinaryIO | None = None) -> Iterator[bytes]:
    """Yield the lines of standard input (or ``stream``) as they arrive, ends included.

    For input that is answered line by line (``search --batch -``): each line is yielded as
    soon as it is complete, and reading stops with :class:`RefusedFile` once more than
    ``limit`` bytes came in — also when they hold no newline at all (``/dev/zero``).
    """
    source = stream if stream is not None else _stdin()
    total = 0
    while True:
        line = source.readline(limit + 1 - total)
        if not line:
            return
        total += len(line)
        if total > limit:
            raise _more_than(limit)
        yield line


class _EncodedText(io.RawIOBase):
    """A text stream seen as UTF-8 bytes (``sys.stdin`` replaced by one without a buffer)."""

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            self._pending = self._text.read(max(1, len(buffer) // 4)).encode("utf-8", "replace")
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def _stdin() -> BinaryIO:
    if sys.stdin is None:  # no standard input at all (closed, or a GUI launcher)
        return io.BytesIO()
    binary = getattr(sys.stdin, "buffer", None)
    if binary is not None:
        return cast(BinaryIO, binary)
    return cast(BinaryIO, io.BufferedReader(_EncodedText(sys.stdin)))


def _read_capped(stream: BinaryIO, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        total += len(chunk)
    raise _more_than(limit)


def _more_than(limit: int) -> RefusedFile:
    return RefusedFile(f"too large (more than {describe_size(limit)})")
