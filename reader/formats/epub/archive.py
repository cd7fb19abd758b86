"""The EPUB's zip container, opened defensively.

- Only a regular file of at most :data:`MAX_BOOK_BYTES` is opened.
- Entries are looked up leniently: ``../`` and ``./`` are resolved, percent-encoding is decoded,
  and when no entry has the exact name one that differs only in letter case is used.
- A name that occurs twice keeps its first entry (later duplicates are reported as skipped).
- Zip bombs: an entry larger than :data:`MAX_ENTRY_BYTES`, or compressed more than
  :data:`MAX_RATIO` times, is refused, and reading stops once :data:`MAX_TOTAL_BYTES` have been
  decompressed in all. Sizes are enforced while reading, whatever the zip directory claims.
"""

from __future__ import annotations

import os
import posixpath
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

from reader.safe_read import RefusedFile, open_regular_file, read_file_start

#: EPUB files larger than this are not opened.
MAX_BOOK_BYTES = 512 * 1024 * 1024
#: No single entry may decompress to more than this.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: All entries read from one book together may decompress to at most this.
MAX_TOTAL_BYTES = 512 * 1024 * 1024
#: An entry bigger than 1 MB compressed more than this many times is refused.
MAX_RATIO = 200
_RATIO_FLOOR = 1024 * 1024


class BookError(Exception):
    """The book cannot be read at all; ``str(error)`` says why, in one line."""


class EntryError(Exception):
    """One entry of the book cannot be read (missing, too large, damaged)."""


class EpubArchive:
    """Read-only access to the entries of an EPUB zip file.

    Attributes:
        skipped: Problems met while reading (duplicates, refused entries), for the notice.
    """

    def __init__(self, path: Path) -> None:
        try:
            self._stream = open_regular_file(path, MAX_BOOK_BYTES)
        except RefusedFile as error:
            raise BookError(error.brief) from None
        except FileNotFoundError:
            raise BookError("file not found (moved, deleted or a broken link)") from None
        except PermissionError:
            raise BookError("permission denied") from None
        except OSError as error:
            raise BookError(error.strerror or str(error)) from None
        try:
            if os.fstat(self._stream.fileno()).st_size == 0:
                raise BookError("empty file (0 bytes)")
            self._zip = zipfile.ZipFile(self._stream)
        except zipfile.BadZipFile:
            self._stream.close()
            raise BookError(_not_zip_reason(path)) from None
        except (OSError, ValueError, EOFError) as error:
            self._stream.close()
            raise BookError(f"not a readable zip archive ({error})") from None
        except BaseException:
            self._stream.close()
            raise
        self.skipped: list[str] = []
        self._entries: dict[str, zipfile.ZipInfo] = {}
        self._folded: dict[str, str] = {}
        duplicates = 0
        for entry in self._zip.infolist():
            if entry.is_dir():
                continue
            name = _normalise(entry.filename)
            if not name:
                continue
            if name in self._entries:
                duplicates += 1
                continue
            self._entries[name] = entry
            self._folded.setdefault(name.casefold(), name)
        if duplicates:
            plural = "y" if duplicates == 1 else "ies"
            self.skipped.append(f"{duplicates} duplicate zip entr{plural} ignored")
        self._total = 0

    def close(self) -> None:
        """Close the zip file."""
        self._zip.close()
        self._stream.close()

    def __enter__(self) -> EpubArchive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def names(self) -> list[str]:
        """All entry names (normalised), in zip order."""
        return list(self._entries)

    def find(self, name: str) -> str | None:
        """The entry name that ``name`` refers to (exact, else ignoring case), or None."""
        name = _normalise(name)
        if name in self._entries:
            return name
        return self._folded.get(name.casefold())

    def resolve(self, base: str, href: str) -> str:
        """Resolve ``href`` (relative, maybe percent-encoded) against entry ``base``."""
        target = unquote(href.split("#", 1)[0].split("?", 1)[0])
        if target.startswith("/"):
            return _normalise(target)
        return _normalise(posixpath.join(posixpath.dirname(base), target))

    def read(self, name: str) -> bytes:
        """The decompressed bytes of entry ``name`` (found leniently).

        Raises:
            EntryError: missing, too large, compressed suspiciously well, or damaged.
        """
        found = self.find(name)
        if found is None:
            raise EntryError(f"{name}: missing from the archive")
        entry = self._entries[found]
        if entry.file_size > MAX_ENTRY_BYTES:
            raise EntryError(f"{found}: too large ({entry.file_size // (1024 * 1024)} MB)")
        if (
            entry.file_size > _RATIO_FLOOR
            and entry.file_size > MAX_RATIO * max(1, entry.compress_size)
        ):
            raise EntryError(f"{found}: compressed suspiciously well (a zip bomb?)")
        if self._total + entry.file_size > MAX_TOTAL_BYTES:
            raise EntryError(f"{found}: the book decompresses to too much data")
        limit = min(MAX_ENTRY_BYTES, MAX_TOTAL_BYTES - self._total)
        try:
            with self._zip.open(entry) as stream:
                data = stream.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
            raise EntryError(f"{found}: damaged ({error})") from None
        except NotImplementedError:
            raise EntryError(f"{found}: unsupported compression") from None
        except RuntimeError as error:  # encrypted zip entry
            raise EntryError(f"{found}: {error}") from None
        if len(data) > limit:
            raise EntryError(f"{found}: decompresses to more than its limit")
        self._total += len(data)
        return data

    def text_of(self, name: str) -> str | None:
        """Entry ``name`` as stripped UTF-8 text (for ``mimetype``), or None if unreadable."""
        try:
            return self.read(name).decode("utf-8", "replace").strip()
        except EntryError:
            return None


def _normalise(name: str) -> str:
    """A zip entry name in canonical form: forward slashes, no ``.``/``..``, no leading slash."""
    name = name.replace("\\", "/")
    parts: list[str] = []
    for part in name.split("/"):
        if part in {"", "."}:
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def _not_zip_reason(path: Path) -> str:
    try:
        head = read_file_start(path, 4)
    except OSError:
        head = b""
    if head.startswith(b"PK"):
        return "damaged or truncated zip archive"
    return "not an EPUB (not a zip archive)"
