"""Where an export may write, and how postil recognises a file it wrote itself.

Exports go to files the user names (``-o FILE``, ``--dir DIR``, the ``export_dir`` setting), so
a typo must never cost the user a file. :class:`WriteGuard` holds the rules, in one place:

* **Never** (not even with ``--force``): the annotation database (and its lock file), the
  settings file, anything inside a library folder (an export there would overwrite an article,
  or become one), anything that is not a regular file (a device, a FIFO, a folder).
* **Missing folders are not created** for ``-o FILE``: the folder must exist. ``--dir DIR``
  creates ``DIR`` itself when its parent exists, never a chain of missing parents.
* **An existing file postil did not write is only overwritten with ``--force``.** postil
  recognises its own files by their content (:func:`written_by_postil`): a Markdown export holds
  postil's region marker (``<!-- postil:begin``) or ``postil-id`` / ``postil-path`` front
  matter; a JSON export is a W3C ``AnnotationCollection`` whose ``generator`` is postil
  (:func:`export_kind`). The format counts: JSON never replaces a Markdown export (which holds
  the user's own notes around postil's region). A Markdown file (``.md``/``.markdown``) without
  postil's markers is not overwritten either: the region is *added* at its end and every byte
  already there is kept (:func:`output_mode`).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from annotations.atomicfile import write_target
from reader.safe_read import MAX_EXPORT_FILE_BYTES, read_regular_file

#: Files larger than this are never taken for postil's exports (nor read to find out).
MAX_EXPORT_BYTES = MAX_EXPORT_FILE_BYTES
#: Suffixes of Markdown files, into which postil adds its region rather than replacing them.
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_JSON_START = (b"{", b"\xef\xbb\xbf{")


class RefusedTarget(Exception):
    """postil will not write to this path; ``str()`` is one line saying why and what to do."""


def _real(path: Path) -> Path:
    try:
        return write_target(path.expanduser().absolute())
    except OSError:
        return path.expanduser().absolute()


@dataclass(frozen=True, slots=True)
class WriteGuard:
    """The files and folders an export must never write to.

    Attributes:
        files: Protected files (real paths) and what each is ("the annotation database").
        folders: Protected folders (real paths) and what each is ("library folder").
        library: The library folders, absolute, as configured and as real paths (where an
            export folder may look whether an article recorded in an export still exists).
    """

    files: dict[Path, str] = field(default_factory=dict)
    folders: dict[Path, str] = field(default_factory=dict)
    library: tuple[Path, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        database: Path | None = None,
        settings: Path | None = None,
        library: Iterable[Path] = (),
        articles: Iterable[Path] = (),
        others: Iterable[tuple[Path, str]] = (),
    ) -> WriteGuard:
        """A guard protecting the database (and its lock file), the settings file, every
        library folder and the ``articles`` (annotated files, wherever they are); ``others``
        adds more folders (e.g. the cache) with their description."""
        files: dict[Path, str] = {}
        if database is not None:
            files[_real(database)] = "postil's annotation database"
            files[_real(Path(f"{database}.lock"))] = "postil's database lock file"
        if settings is not None:
            files[_real(settings)] = "postil's settings file"
        for article in articles:
            files.setdefault(_real(article), "an article you annotated")
        roots = list(library)
        folders = {_real(root): "your library folder" for root in roots}
        for folder, what in others:
            folders.setdefault(_real(folder), what)
        given = [root.expanduser().absolute() for root in roots]
        return cls(files, folders, tuple(dict.fromkeys([*given, *map(_real, roots)])))

    def in_library(self, path: str) -> bool:
        """True when ``path`` (absolute, compared as written: ``..`` resolved, no link
        followed) is inside one of the library folders."""
        normal = os.path.normpath(path)
        if "\x00" in normal or not os.path.isabs(normal):
            return False
        candidate = Path(normal)
        return any(candidate.is_relative_to(root) for root in self.library)

    def refusal(self, path: Path) -> str | None:
        """Why postil must never write ``path`` (None when it may)."""
        real = _real(path)
        what = self.files.get(real)
        if what is not None:
            return f"{path} is {what}; postil never exports onto it"
        for folder, what in self.folders.items():
            if real == folder or folder in real.parents:
                return (f"{path} is inside {what} {folder}; postil never exports into it "
                        "(choose a folder outside it)")
        return None

    def check_file(self, path: Path, *, create_folder: bool = False) -> None:
        """Check that ``path`` may receive an export file (not whether it may be overwritten).

        Raises:
            RefusedTarget: for a protected path, a missing folder, or a non-regular file.
        """
        refusal = self.refusal(path)
        if refusal:
            raise RefusedTarget(refusal)
        real = _real(path)
        try:
            info = real.stat()
        except FileNotFoundError:
            info = None
        except OSError as error:
            raise RefusedTarget(f"{path}: {error.strerror or error}") from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise RefusedTarget(f"{path}: is a folder (use --dir for one file per article)")
        if info is not None and not stat.S_ISREG(info.st_mode):
            raise RefusedTarget(f"{path}: not a regular file; postil writes only regular files "
                                "(use -o - for standard output)")
        if not create_folder and not real.parent.is_dir():
            raise RefusedTarget(f"{path}: the folder {real.parent} does not exist; create it "
                                "first (postil does not create folders for -o)")

    def check_folder(self, directory: Path) -> None:
        """Check that exports may go into ``directory`` (created if only it is missing).

        A folder that *holds* a library folder is fine: every file written is checked on its
        own (:meth:`refusal`), and new files are made at the top of ``directory``.

        Raises:
            RefusedTarget: for a protected folder (or one inside it), a file in the way, or a
                missing parent folder.
        """
        refusal = self.refusal(directory)
        if refusal:
            raise RefusedTarget(refusal)
        real = _real(directory)
        if real.exists() and not real.is_dir():
            raise RefusedTarget(f"{directory}: is a file, not a folder")
        if not real.exists() and not real.parent.is_dir():
            raise RefusedTarget(f"{directory}: the folder {real.parent} does not exist; create "
                                "it first (postil creates only the export folder itself)")


class WriteMode(Enum):
    """How an export file is written."""

    NEW = "new"
    """Nothing is there yet: a new file."""
    MERGE = "merge"
    """A Markdown file: postil's region is replaced (or added at the end); the rest is kept."""
    REPLACE = "replace"
    """The whole file is replaced (postil's own JSON export, or ``--force``)."""


def output_mode(path: Path, fmt: str, *, force: bool = False) -> WriteMode:
    """How an export in format ``fmt`` ("markdown" or "json") may be written to ``path``.

    Raises:
        RefusedTarget: when ``path`` holds a file postil did not write (in this format) and
            ``force`` is not set.
    """
    if not path.exists():
        return WriteMode.NEW
    kind = export_kind(path)
    if fmt == "json" and kind == "json":
        return WriteMode.REPLACE
    if fmt == "markdown" and (
        kind == "markdown" or (kind is None and path.suffix.lower() in MARKDOWN_SUFFIXES)
    ):
        return WriteMode.MERGE
    if force:
        return WriteMode.REPLACE
    what = {"json": "a postil JSON export", "markdown": "a postil Markdown export"}.get(
        kind or "", "a file postil did not write")
    raise RefusedTarget(f"{path} already exists and is {what}; postil will not overwrite it "
                        "(use --force to replace it)")


def export_kind(path: Path) -> str | None:
    """``"markdown"`` or ``"json"`` when ``path`` is a regular file postil exported in that
    format (its region marker or ``postil-id``/``postil-path`` front matter; a W3C
    ``AnnotationCollection`` whose ``generator`` is postil); None for anything else, including a
    file that cannot be read or is larger than :data:`MAX_EXPORT_BYTES`."""
    from annotations.export import region

    data = _read_small(path)
    if data is None:
        return None
    if data.lstrip().startswith(_JSON_START):
        return "json" if _postil_json(data) else None
    if b"postil" not in data:
        return None
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    info = region.read_info(text)
    return "markdown" if (info.has_region or info.article_id or info.article_path) else None


def _read_small(path: Path) -> bytes | None:
    try:
        return read_regular_file(path, MAX_EXPORT_BYTES)
    except OSError:  # missing, not a regular file (never opened then), too large, unreadable
        return None


def _postil_json(data: bytes) -> bool:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(document, dict) or document.get("type") != "AnnotationCollection":
        return False
    generator = document.get("generator")
    return isinstance(generator, dict) and generator.get("name") == "postil"
