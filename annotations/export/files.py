"""Write Markdown exports to files: one file per article, re-exports that keep the user's text.

:func:`export_article_markdown` (one article, as the reader's ``e`` key does) and
:func:`export_all_markdown` (``postil export --dir DIR``) write ``<slug>.md`` files. A file is
found again on the next export by the article id and path recorded in it (front matter and the
region marker), so the name stays stable even when the title changes, and two articles with the
same title get ``title.md`` and ``title-2.md``. Only postil's marked region is rewritten (see
:mod:`annotations.export.region`), and a file is not touched at all when nothing but the export
time would change. Every write is atomic (temp file, fsync, ``os.replace``), and a new file never
replaces one that another writer created meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from annotations.atomicfile import atomic_write_text
from annotations.export import region
from annotations.export.guard import RefusedTarget, WriteGuard, WriteMode, output_mode
from annotations.export.markdown import ArticleExport, ArticleInfo, render_article
from annotations.export.template import Template
from annotations.model import Annotation, now_iso
from reader.safe_read import MAX_EXPORT_FILE_BYTES, read_regular_file

#: Longest slug, in UTF-8 bytes (file names are limited to 255 bytes on most systems).
MAX_SLUG_BYTES = 96
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
#: Where systems without ``flock`` keep the export folder's lock (hidden, so Obsidian and the
#: export index ignore it). Elsewhere the folder itself is locked and no file is left behind.
LOCK_NAME = ".postil-export.lock"
#: How long an export waits for another export into the same folder to finish.
LOCK_TIMEOUT = 60.0


class ExportError(Exception):
    """An export file could not be written; ``str(error)`` is one line naming the file."""


def slugify(title: str) -> str:
    """Return a readable file-name slug for ``title``: lowercase words joined by ``-``.

    Letters of every script are kept (``Café 中文`` → ``café-中文``); punctuation, path
    separators and characters that are unsafe on Windows, macOS or Linux, or that break
    Obsidian links (``# ^ [ ] |``), are dropped. Never empty, never a reserved Windows name,
    at most :data:`MAX_SLUG_BYTES` bytes (cut at a word boundary where possible).
    """
    normal = unicodedata.normalize("NFKC", title).lower()
    words = [w for w in re.split(r"[\W_]+", normal) if w]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate.encode("utf-8")) > MAX_SLUG_BYTES:
            if not slug:  # one huge word: cut it at a character boundary
                slug = candidate.encode("utf-8")[:MAX_SLUG_BYTES].decode("utf-8", "ignore")
            break
        slug = candidate
    slug = unicodedata.normalize("NFC", slug)
    if not slug:
        return "article"
    if _WINDOWS_RESERVED.match(slug):
        return f"{slug}-article"
    return slug


def _read_existing(path: Path) -> tuple[str, str] | None:
    """Return ``(text, newline)`` of an existing file, or ``None`` if there is none."""
    try:
        data = read_regular_file(path, MAX_EXPORT_FILE_BYTES)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ExportError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not UTF-8 text; postil will not overwrite it") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), newline


def write_region_file(
    path: Path,
    body: str,
    *,
    article: ArticleInfo | None = None,
    create: bool = False,
    exported_at: str = "",
) -> bool:
    """Write ``body`` as postil's region of ``path``, keeping everything else in the file.

    A new file gets front matter (for an ``article``) and the region. Returns True when the
    file changed (an export identical to what is there is not rewritten).

    Raises:
        ExportError: when the file cannot be read or written, or its markers are damaged.
        FileExistsError: with ``create=True`` (a new file is wanted), when ``path`` exists.
    """
    existing = None if create else _read_existing(path)
    article_id = article.id if article else ""
    owned = {"postil-id": article.id, "postil-path": article.path} if article else {}
    if existing is None:
        head = ""
        if article is not None:
            head = region.new_front_matter(
                {
                    "title": article.title,
                    "author": article.author,
                    "source": article.url,
                    "publisher": article.publisher,
                    "published": article.date if article.chapters else "",
                    "language": article.language,
                    "identifier": article.identifier,
                    "series": article.series,
                    **owned,
                }
            ) + "\n"
        text = head + region.region_block(body, article_id, exported_at)
        try:
            atomic_write_text(path, text, create=True)
        except FileExistsError:
            raise
        except OSError as error:
            raise ExportError(f"{path}: cannot write: {error.strerror or error}") from None
        return True
    else:
        old, newline = existing
        try:
            text = region.merge(
                old, body, article_id=article_id, owned=owned, exported_at=exported_at
            )
        except region.RegionError as error:
            raise ExportError(f"{path}: {error}") from None
        if text == old:
            return False
    try:
        atomic_write_text(path, text, newline=newline)
    except OSError as error:
        raise ExportError(f"{path}: cannot write: {error.strerror or error}") from None
    return True


def write_export_file(
    path: Path, text: str, *, fmt: str, guard: WriteGuard | None = None, force: bool = False
) -> None:
    """Write a whole export (``postil export -o FILE``) to ``path``, by the rules of
    :mod:`annotations.export.guard`.

    Markdown goes into postil's region of an existing Markdown export or Markdown file (the
    rest is kept); a new file, postil's own JSON export, or (with ``force``) a file postil did
    not write is replaced whole.

    Raises:
        ExportError: with one line, when the target is refused or cannot be written.
    """
    try:
        (guard or WriteGuard()).check_file(path)
        mode = output_mode(path, fmt, force=force)
        if mode is WriteMode.MERGE:
            write_region_file(path, text)
        elif fmt == "markdown":
            atomic_write_text(path, region.region_block(text), create=mode is WriteMode.NEW)
        else:
            atomic_write_text(path, text, create=mode is WriteMode.NEW)
    except RefusedTarget as error:
        raise ExportError(str(error)) from None
    except FileExistsError:
        raise ExportError(f"{path}: another program created this file a moment ago; "
                          "postil left it alone") from None
    except OSError as error:
        raise ExportError(f"{path}: cannot write: {error.strerror or error}") from None


#: Folders never searched for existing exports (an Obsidian vault's settings, version control).
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})


def _markdown_files(directory: Path) -> list[Path]:
    """Markdown files in ``directory`` and its subfolders (hidden folders skipped), sorted.

    Top-level files come first, so an export moved into a subfolder is still found but a file
    at the top wins a tie. Links to folders are not followed (``os.walk``'s default): the
    search never leaves the folder.
    """
    found: list[Path] = []
    for root, folders, files in os.walk(directory):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in _SKIPPED_DIRS)
        found.extend(Path(root) / name for name in sorted(files) if name.lower().endswith(".md"))
    return found


class ExportDirectory:
    """A folder of per-article Markdown exports, indexed by the article each file belongs to.

    Existing exports are found in subfolders too (hidden folders such as ``.obsidian`` are
    skipped), so a file the user moved inside the folder keeps being updated where it is; new
    files are created at the top.

    Nothing outside the folder is read or looked at because of what a file in it says: only
    regular files in it are read (size-capped; a symbolic link is not followed, not even to a
    file, so it is never taken for an export), and the article path recorded in an export's
    front matter is only looked up on disk when it lies inside a library folder (see
    :meth:`find`).
    """

    def __init__(
        self, directory: Path, *, guard: WriteGuard | None = None, create_parents: bool = True,
        articles: Iterable[str] = (),
    ) -> None:
        """Open (and create, if needed) ``directory``.

        Args:
            directory: The export folder.
            guard: Where exports must never write (checked for the folder and every file).
            create_parents: Also create missing parent folders (for a configured folder);
                ``False`` creates only ``directory`` itself (for a folder the user typed).
            articles: The paths of the articles being exported now (they exist).

        Raises:
            ExportError: when the folder is refused, cannot be created or read.
        """
        self.directory = directory
        self.guard = guard or WriteGuard()
        self._articles = set(articles)
        try:
            self.guard.check_folder(directory)
        except RefusedTarget as error:
            raise ExportError(str(error)) from None
        try:
            directory.mkdir(parents=create_parents, exist_ok=True)
            names = _markdown_files(directory)
        except OSError as error:
            raise ExportError(f"{directory}: {error.strerror or error}") from None
        self._files: dict[Path, region.ExportFileInfo] = {}
        for path in names:
            info = self._read_info(path)
            if info is not None:
                self._files[path] = info

    @staticmethod
    def _read_info(path: Path) -> region.ExportFileInfo | None:
        try:
            data = read_regular_file(path, MAX_EXPORT_FILE_BYTES, follow_symlinks=False)
        except OSError:  # a link, not a regular file, too large, unreadable: not one of ours
            return None
        if b"postil" not in data:
            return None
        info = region.read_info(data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n"))
        return info if (info.article_id or info.article_path or info.has_region) else None

    def find(self, article: ArticleInfo) -> Path | None:
        """The existing export file of ``article``, if there is one.

        Matched by article path (the same file), else by article id when the article the
        export records is gone (it was moved or renamed; see :meth:`_recorded_gone`).
        """
        by_path = [p for p, info in self._files.items() if info.article_path == article.path]
        if by_path:
            same_id = [p for p in by_path if self._files[p].article_id == article.id]
            return (same_id or by_path)[0]
        if not article.id:
            return None
        for path, info in self._files.items():
            if info.article_id == article.id and self._recorded_gone(info.article_path):
                return path
        return None

    def _recorded_gone(self, recorded: str) -> bool:
        """Whether the article an export records (its front matter's ``postil-path``) is no
        longer there, so another article with the same id (its content) may take the file.

        The path comes from a file anyone may have written, so it is only looked up
        (``lstat``: a link is not followed) when it lies inside a library folder; an article
        being exported now is there; any other path counts as gone.
        """
        if not recorded:
            return True
        if recorded in self._articles:
            return False
        if not self.guard.in_library(recorded):
            return True
        try:
            os.lstat(os.path.normpath(recorded))
        except (OSError, ValueError):
            return True
        return False

    def path_for(self, article: ArticleInfo) -> Path:
        """Where ``article`` is (or will be) exported: its file, or a new collision-free name."""
        found = self.find(article)
        if found is not None:
            return found
        slug = slugify(article.title)
        number = 1
        while True:
            name = f"{slug}.md" if number == 1 else f"{slug}-{number}.md"
            candidate = self.directory / name
            if not candidate.exists() and not candidate.is_symlink():
                return candidate
            number += 1

    def write(
        self, export: ArticleExport, *, exported_at: str, template: Template | None = None
    ) -> Path:
        """Export one article into its file and return the file's path.

        Raises:
            ExportError: when the file cannot be written or its markers are damaged.
        """
        body = render_article(export, exported_at=exported_at, template=template)
        for _attempt in range(100):
            is_new = self.find(export.article) is None
            path = self.path_for(export.article)
            if not is_new and self._unchanged(path, export, template):
                return path
            refusal = self.guard.refusal(path)  # e.g. a link in the folder to a library file
            if refusal:
                raise ExportError(refusal)
            try:
                write_region_file(
                    path, body, article=export.article, create=is_new, exported_at=exported_at
                )
                break
            except FileExistsError:
                continue  # another export created that name a moment ago: take the next one
        else:
            raise ExportError(f"{self.directory}: could not find a free file name")
        self._files[path] = region.ExportFileInfo(
            export.article.id, export.article.path, has_region=True
        )
        self._articles.add(export.article.path)
        return path


    def _unchanged(self, path: Path, export: ArticleExport, template: Template | None) -> bool:
        """True when ``path`` already holds this export (only the export time would change)."""
        info = self._files.get(path)
        if info is None or (info.article_id, info.article_path) != (
            export.article.id,
            export.article.path,
        ):
            return False
        try:
            existing = _read_existing(path)
        except ExportError:
            return False
        found = region.current_region(existing[0]) if existing else None
        if found is None or not found[0]:
            return False
        stamp, body = found
        previous = render_article(export, exported_at=stamp, template=template)
        return previous.strip("\n") == body


@contextlib.contextmanager
def locked_folder(
    directory: Path, *, guard: WriteGuard | None = None, create_parents: bool = True,
    articles: Iterable[str] = (),
) -> Iterator[ExportDirectory]:
    """Open ``directory`` for exporting, holding its lock file until the block ends.

    Two exports into one folder at once (two ``postil export --dir``, or the app and the
    command line) then run one after the other: the second finds the files the first made by
    article id instead of creating ``-2`` duplicates. ``articles`` are the paths of the
    articles about to be exported (see :class:`ExportDirectory`).

    Raises:
        ExportError: when the folder is refused or cannot be created, read or locked.
    """
    guard = guard or WriteGuard()
    try:
        guard.check_folder(directory)
        directory.mkdir(parents=create_parents, exist_ok=True)
    except RefusedTarget as error:
        raise ExportError(str(error)) from None
    except OSError as error:
        raise ExportError(f"{directory}: {error.strerror or error}") from None
    try:
        release = _lock_folder(directory)
    except Timeout:
        raise ExportError(f"{directory}: another export into this folder is still running "
                          f"after {LOCK_TIMEOUT:.0f} s; try again") from None
    except OSError as error:
        raise ExportError(f"{directory}: cannot lock the folder: {error.strerror or error}"
                          ) from None
    try:
        yield ExportDirectory(directory, guard=guard, create_parents=create_parents,
                              articles=articles)
    finally:
        release()


def _lock_folder(directory: Path) -> Callable[[], None]:
    """Take the folder's exclusive lock (waiting up to :data:`LOCK_TIMEOUT`); return the
    function that releases it.

    On POSIX the folder itself is locked with ``flock`` (nothing is written into it);
    elsewhere a hidden lock file :data:`LOCK_NAME` is used.

    Raises:
        Timeout: when another export holds the lock for too long.
        OSError: when the folder cannot be opened or locked.
    """
    try:
        import fcntl
    except ImportError:  # Windows: a lock file in the folder
        return _lock_file(directory)
    handle = os.open(directory, os.O_RDONLY)
    deadline = time.monotonic() + LOCK_TIMEOUT
    delay = 0.005
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(handle)
                raise Timeout(str(directory)) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
        except OSError:  # no flock on this file system (some network mounts): a lock file
            os.close(handle)
            return _lock_file(directory)
    return lambda: os.close(handle)  # closing the descriptor releases the lock


def _lock_file(directory: Path) -> Callable[[], None]:
    """Lock ``directory`` with the hidden lock file :data:`LOCK_NAME` (where ``flock`` on a
    folder is not available)."""
    lock = FileLock(str(directory / LOCK_NAME), timeout=LOCK_TIMEOUT)
    lock.acquire()
    return lock.release


def export_article_markdown(
    article: ArticleInfo,
    annotations: Iterable[Annotation],
    directory: Path,
    *,
    exported_at: str | None = None,
    template: Template | None = None,
    guard: WriteGuard | None = None,
) -> Path:
    """Export one article's (anchored) annotations into ``directory``; return the file written.

    The same as ``postil export --dir DIR`` for one article: the file is found again by the
    article's id and path, and only postil's region in it is replaced.

    Raises:
        ExportError: with a one-line message when the file cannot be written.
    """
    export = ArticleExport(article, tuple(annotations))
    with locked_folder(directory, guard=guard, articles=[article.path]) as folder:
        return folder.write(export, exported_at=exported_at or now_iso(), template=template)


@dataclass(slots=True)
class ExportResult:
    """What :func:`export_all_markdown` did: files written, and one line per failure."""

    written: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def export_all_markdown(
    exports: Sequence[ArticleExport],
    directory: Path,
    *,
    exported_at: str | None = None,
    template: Template | None = None,
    guard: WriteGuard | None = None,
    create_parents: bool = True,
) -> ExportResult:
    """Export every article into ``directory`` (one file each), holding the folder's lock.

    A file that cannot be written is reported in ``errors`` and the others are still written.
    ``guard`` says where exports must never go; ``create_parents=False`` creates only
    ``directory`` itself, not missing folders above it.

    Raises:
        ExportError: when the folder itself cannot be created or read.
    """
    stamp = exported_at or now_iso()
    result = ExportResult()
    with locked_folder(directory, guard=guard, create_parents=create_parents,
                       articles=[export.article.path for export in exports]) as folder:
        for export in exports:
            try:
                result.written.append(folder.write(export, exported_at=stamp, template=template))
            except ExportError as error:
                result.errors.append(str(error))
    return result
