"""Find and read import files safely, detect their format, and run the right parser.

Only regular files are read (symbolic links and devices are reported, not followed), each
below a size cap; a folder is searched for KOReader sidecars (``*.sdr/metadata.*.lua``).
Nothing named inside an import (a ``doc_path``, a ``uri``) is ever opened.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotations import jsonread
from annotations.importers import hypothesis, kindle, koreader, readwise
from annotations.importers.record import ImportFormatError, ParseResult, Rejected
from reader.safe_read import RefusedFile, read_regular_file

#: Import formats (``--from``); ``w3c`` is postil's own JSON, read by annotations.export.w3c.
FORMATS = ("kindle", "koreader", "readwise", "hypothesis", "w3c")
#: Largest import file read (KOReader sidecars are small; the cap is lower for them).
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_SIDECAR_BYTES = 16 * 1024 * 1024
#: Most sidecar files read from one folder, and the deepest folder searched.
MAX_SIDECARS = 100_000
MAX_DEPTH = 32


class ImportReadError(ValueError):
    """The file or folder cannot be imported at all (one-line message)."""


@dataclass(slots=True)
class ImportInput:
    """What was read: the parsed highlights and the format they came in."""

    format: str
    result: ParseResult = field(default_factory=ParseResult)
    text: str = ""
    """The raw text (kept for the ``w3c`` format, which its own module reads)."""
    files: int = 0


def read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes.

    Raises:
        ImportReadError: for a missing, special, over-large or non-UTF-8 file, or a symbolic
            link (not followed: ``a symbolic link (not followed)``).
    """
    try:  # regular files only, never a symbolic link, never past the cap
        data = read_regular_file(path, limit, follow_symlinks=False)
    except RefusedFile as error:
        raise ImportReadError(f"{path}: {error}") from None
    except FileNotFoundError:
        raise ImportReadError(f"{path}: no such file") from None
    except PermissionError:
        raise ImportReadError(f"{path}: permission denied") from None
    except OSError as error:
        raise ImportReadError(f"{path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportReadError(f"{path}: not UTF-8 text") from None


def find_sidecars(root: Path) -> Iterator[Path]:
    """KOReader sidecars under ``root`` (``*.sdr/metadata.*.lua``), links not followed."""
    count = 0
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < MAX_DEPTH:
                        stack.append((Path(entry.path), depth + 1))
                elif (
                    entry.is_file(follow_symlinks=False)
                    and folder.name.endswith(".sdr")
                    and koreader.is_sidecar_name(entry.name)
                ):
                    count += 1
                    if count > MAX_SIDECARS:
                        return
                    yield Path(entry.path)
            except OSError:
                continue


def detect(name: str, text: str) -> str:
    """The format of an import file from its name and content.

    Raises:
        ImportReadError: when the format cannot be told.
    """
    lower = name.lower()
    stripped = text.lstrip("\ufeff \t\r\n")
    if lower.endswith(".lua") or stripped.startswith("return") or stripped.startswith("--"):
        return "koreader"
    if stripped.startswith(("{", "[")):
        if '"export_date"' not in text and '"rows"' not in text and "\\u" not in text:
            return "w3c"  # neither of the keys a Hypothesis export starts with, in any spelling
        try:  # orjson where it reads the text as json.loads would (a 70 MB export: seconds)
            document = jsonread.loads_as_standard(text)
            if document is None:
                document = json.loads(text)
        except (ValueError, RecursionError):  # also integers too long to convert
            return "w3c"  # its reader says what is wrong with the JSON
        return "hypothesis" if hypothesis.looks_like(document) else "w3c"
    if kindle.looks_like(text):
        return "kindle"
    if readwise.looks_like(text):
        return "readwise"
    raise ImportReadError(
        f"{name}: unknown format (use --from kindle|koreader|readwise|hypothesis|w3c)"
    )


def parse_text(fmt: str, text: str, name: str) -> ParseResult:
    """Run the ``fmt`` parser (not ``w3c``) on ``text``.

    Raises:
        ImportFormatError: when the text is not in that format at all.
    """
    if fmt == "kindle":
        return kindle.parse(text)
    if fmt == "koreader":
        return koreader.parse(text, name)
    if fmt == "readwise":
        return readwise.parse(text)
    if fmt == "hypothesis":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFormatError(f"not valid JSON (line {error.lineno})") from None
        except RecursionError:
            raise ImportFormatError("JSON nested too deeply") from None
        except ValueError as error:  # an integer too long to convert, say
            raise ImportFormatError(f"not usable JSON ({error})") from None
        return hypothesis.parse_document(document)
    raise ImportFormatError(f"unknown format {fmt!r}")


def read_input(path: Path, fmt: str | None = None) -> ImportInput:
    """Read a file or folder to import; a folder is searched for KOReader sidecars.

    Raises:
        ImportReadError: when nothing can be imported (missing, special, unknown format).
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise ImportReadError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise ImportReadError(f"{path}: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        if fmt not in (None, "koreader"):
            raise ImportReadError(f"{path}: a folder (only KOReader sidecars are read from one)")
        found = ImportInput("koreader")
        for sidecar in find_sidecars(path):
            found.files += 1
            try:
                text = read_regular(sidecar, MAX_SIDECAR_BYTES)
                found.result.extend(koreader.parse(text, str(sidecar.relative_to(path))))
            except (ImportReadError, ImportFormatError) as error:
                found.result.rejected.append(Rejected(str(sidecar.relative_to(path)), str(error)))
        if not found.files:
            raise ImportReadError(f"{path}: no KOReader sidecars (*.sdr/metadata.*.lua) found")
        return found
    limit = MAX_SIDECAR_BYTES if fmt == "koreader" or path.suffix == ".lua" else MAX_FILE_BYTES
    text = read_regular(path, limit)
    chosen = fmt or detect(path.name, text)
    if chosen == "w3c":
        return ImportInput("w3c", text=text, files=1)
    try:
        result = parse_text(chosen, text, path.name)
    except ImportFormatError as error:
        raise ImportReadError(f"{path}: {error}") from None
    return ImportInput(chosen, result, files=1)
