"""What the running app shares between screens: settings, the library, the database.

The annotation store is opened lazily *off the UI thread* (the first worker that needs it opens
it); writes go through a :class:`~annotations.writer.BackgroundWriter` so the UI never waits for
the disk.

Every screen gets the session in its constructor (never the app). The session owns what
several screens look at: the library's rows as listed so far (the library screen's table shows
them, the palette offers them), and the library search index with its build progress. What
changes there is announced on the session's signals (Textual :class:`~textual.signal.Signal`,
owned by the app), to which a screen subscribes while it is mounted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from textual.signal import Signal

from annotations.changelog import ANNOTATIONS, Change
from annotations.storage import AnnotationStore, StoreError
from annotations.sync import MergeReport
from annotations.writer import BackgroundWriter
from reader.config import LoadedSettings, Settings, load_settings
from reader.library import LibrarySource
from reader.reading_state import ArticleRow
from reader.sync import SyncService, attach_sync

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from reader.search import SearchIndex


class Foreground:
    """Whether the reader is waiting for something, so that background work can give way.

    Parsing holds the interpreter: the library listing or the search index reading files
    while an article loads would double the wait for the article. A loading worker runs
    ``with session.foreground.busy():``; those loops poll :meth:`giving_way` between files.
    """

    #: The longest background work waits (a foreground job that never ends must not stop it).
    MAX_WAIT = 30.0

    def __init__(self) -> None:
        self._busy = 0
        self._changed = threading.Condition()
        self.waiting = 0
        """How many background threads wait for the foreground work to end."""

    @contextmanager
    def busy(self) -> Iterator[None]:
        """(Any thread.) The reader waits for what runs inside the ``with`` block."""
        with self._changed:
            self._busy += 1
        try:
            yield
        finally:
            with self._changed:
                self._busy -= 1
                self._changed.notify_all()

    @property
    def is_busy(self) -> bool:
        """True while some foreground work runs."""
        return self._busy > 0

    def wait_idle(self, timeout: float = MAX_WAIT) -> None:
        """(A background thread.) Return once no foreground work runs (or after ``timeout``)."""
        with self._changed:
            self.waiting += 1
            try:
                self._changed.wait_for(lambda: self._busy == 0, timeout)
            finally:
                self.waiting -= 1

    def giving_way(self, cancelled: Callable[[], bool]) -> Callable[[], bool]:
        """``cancelled`` for a background loop that polls it between files, waiting first
        while foreground work runs."""
        def check() -> bool:
            self.wait_idle()
            return cancelled()

        return check


class IndexProgress(NamedTuple):
    """How far the library search index is built: ``done`` of ``total`` articles."""

    done: int
    total: int


@dataclass(frozen=True, slots=True)
class ArticleUpdate:
    """An article was read or annotated: its new counts (None: unchanged)."""

    path: str
    highlights: int | None = None
    progress: float | None = None
    last_read: str | None = None


class ReaderSession:
    """Shared state of one postil run.

    Attributes:
        db_path: The annotation database.
        library: Where the library's articles come from.
        config_path: The settings file.
        loaded_settings: Settings plus the problems found reading them.
    """

    def __init__(self, db_path: Path, library: LibrarySource, config_path: Path,
                 owner: DOMNode | None = None) -> None:
        """``owner``: the app, which owns the session's signals (None: a session without UI,
        whose signals nobody hears)."""
        self.db_path = db_path
        self.library = library
        self.config_path = config_path
        self.loaded_settings: LoadedSettings = load_settings(config_path)
        self._store: AnnotationStore | None = None
        self._store_error: StoreError | None = None
        self._lock = threading.Lock()
        self._writer: BackgroundWriter | None = None
        self.on_write_error: Callable[[Exception], None] = lambda error: None
        #: Called (from a worker thread) with a message for the user, e.g. recovered changes.
        self.on_notice: Callable[[str], None] = lambda message: None
        #: How long closing waits for a locked database before keeping writes in a pending file.
        self.close_wait = 5.0
        #: What closing has to tell the user on stderr (changes kept in a pending file).
        self.exit_report: list[str] = []
        #: The sync folder from ``--sync-dir`` / ``POSTIL_SYNC_DIR`` (None: the setting).
        self.sync_dir: Path | None = None
        #: Merges the sync folder (set when the store opens, if a sync folder is configured).
        self.sync: SyncService | None = None
        #: The library's rows as listed so far, by path (the library screen's table keeps them
        #: here; read them only on the UI thread).
        self.library_rows: dict[str, ArticleRow] = {}
        #: The library search index (None until it starts building) and how far it is built.
        self.search_index: SearchIndex | None = None
        self.index_progress = IndexProgress(0, 0)
        #: Work the reader is waiting for (an article loading): background work gives way.
        self.foreground = Foreground()
        if owner is None:
            from textual.dom import DOMNode

            owner = DOMNode()  # never attached: publishing reaches nobody
        self.article_updated: Signal[ArticleUpdate] = Signal(owner, "article-updated")
        """An article was read or annotated (the library's row shows it at once)."""
        self.library_changed: Signal[None] = Signal(owner, "library-changed")
        """The library's folders or files changed (an article was added): list it anew."""
        self.article_replaced: Signal[str] = Signal(owner, "article-replaced")
        """The file at this path has new text (refreshed from the web): load it again."""
        self.index_updated: Signal[IndexProgress] = Signal(owner, "index-updated")
        """The library search index grew (or is complete)."""
        self.store_changed: Signal[None] = Signal(owner, "store-changed")
        """Annotations, positions or review state changed outside this app (merged from
        another device): screens showing them read them again."""

    def unsubscribe(self, node: DOMNode) -> None:
        """Stop telling ``node`` about changes (a screen being closed: the signals would
        otherwise keep it, and its article, alive)."""
        for signal in (self.article_updated, self.library_changed, self.article_replaced,
                       self.index_updated, self.store_changed):
            signal.unsubscribe(node)

    def article_changed(self, path: str, *, highlights: int | None = None,
                        progress: float | None = None) -> None:
        """(UI thread.) An article's highlight count or reading progress changed."""
        from annotations.model import now_iso

        self.article_updated.publish(ArticleUpdate(
            path, highlights=highlights, progress=progress,
            last_read=now_iso() if progress is not None else None,
        ))

    def index_progressed(self, done: int, total: int) -> None:
        """(UI thread.) The search index has ``done`` of ``total`` articles."""
        self.index_progress = IndexProgress(done, total)
        self.index_updated.publish(self.index_progress)

    @property
    def settings(self) -> Settings:
        """The effective settings."""
        return self.loaded_settings.settings

    def store(self) -> AnnotationStore:
        """Open (once) and return the store. Call from a worker thread: it reads the disk.

        Raises:
            StoreError: the database is damaged or unreadable (reported once, then re-raised).
        """
        with self._lock:
            if self._store is not None:
                return self._store
            if self._store_error is not None:
                raise self._store_error
            try:
                self._store = AnnotationStore(self.db_path)
            except StoreError as error:
                self._store_error = error
                raise
            store = self._store
            folder = attach_sync(store, self.sync_dir, self.config_path)
            self.sync = SyncService(folder) if folder is not None else None
        try:
            recovered = store.recover_pending()
        except StoreError:
            recovered = 0  # still locked: the pending changes are shown and saved later
        if recovered:
            self.on_notice(f"Saved {describe_changes(0, recovered)} kept from an earlier run "
                           "(the database was locked when postil quit).")
        return store

    @property
    def sync_configured(self) -> bool:
        """Whether a sync folder is set (flag, environment or setting)."""
        return self.sync_dir is not None or self.settings.sync_path() is not None

    def sync_poll(self) -> MergeReport | None:
        """Merge the sync folder if it changed (call from a worker thread); the report when a
        merge ran."""
        if not self.sync_configured:
            return None
        try:
            self.store()
        except StoreError:
            return None
        return self.sync.poll() if self.sync is not None else None

    @property
    def store_error(self) -> StoreError | None:
        """Why the store could not be opened, if it could not."""
        return self._store_error

    @property
    def ready_store(self) -> AnnotationStore | None:
        """The store if it is already open (never touches the disk)."""
        return self._store

    def write(self, operation: Callable[[AnnotationStore], object]) -> bool:
        """Queue a write to run off the UI thread; False if the store is not available."""
        writer = self._get_writer()
        if writer is None:
            return False
        writer.submit(operation)
        return True

    def _get_writer(self) -> BackgroundWriter | None:
        """The one writer (made on first use, from whichever thread writes first)."""
        store = self._store
        if store is None:
            return None
        with self._lock:
            if self._writer is None:
                self._writer = BackgroundWriter(store, self._report)
            return self._writer

    def apply(self, changes: Iterable[Change]) -> bool:
        """Queue field-level changes to be written off the UI thread; False without a store."""
        writer = self._get_writer()
        if writer is None:
            return False
        writer.submit_changes(changes)
        return True

    def unsaved(self) -> list[Change]:
        """Changes queued but not on disk yet."""
        return self._writer.unsaved() if self._writer is not None else []

    def _report(self, error: Exception) -> None:
        self.on_write_error(error)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait for queued writes (used at exit and in tests)."""
        if self._writer is None:
            return True
        return self._writer.flush(timeout)

    def close(self) -> None:
        """Write what is queued (waiting up to :attr:`close_wait` for a locked database), and
        keep what still could not be written in a pending file, noted in :attr:`exit_report`."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is None:
            if self._store is not None:
                self._store.close()
            return
        left = writer.close(self.close_wait)
        if not left:
            return
        what = describe_changes(len({(c.table, c.key) for c in left if c.table == ANNOTATIONS}),
                                len(left))
        store = writer.store
        try:
            kept = store.keep_pending(left)
        except StoreError as error:
            self.exit_report.append(f"{what} could not be saved: {error}")
            return
        self.exit_report.append(
            f"the annotation database {store.path} stayed locked by another postil: {what} "
            f"kept in {kept}; they are saved the next time postil starts")


def describe_changes(highlights: int, changes: int | None = None) -> str:
    """``"1 highlight"``, ``"3 highlights"``, or ``"2 changes"`` when none is a highlight."""
    if highlights:
        return f"{highlights} highlight{'s' * (highlights != 1)}"
    count = highlights if changes is None else changes
    return f"{count} change{'s' * (count != 1)}"
