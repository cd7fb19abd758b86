"""What the running app shares between screens: settings, the library, the database.

The annotation store is opened lazily *off the UI thread* (the first worker that needs it opens
it); writes go through a :class:`~annotations.writer.BackgroundWriter` so the UI never waits for
the disk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from annotations.storage import AnnotationStore, StoreError
from annotations.writer import BackgroundWriter
from reader.config import LoadedSettings, Settings, load_settings
from reader.library import LibrarySource


class ReaderSession:
    """Shared state of one postil run.

    Attributes:
        db_path: The annotation database.
        library: Where the library's articles come from.
        config_path: The settings file.
        loaded_settings: Settings plus the problems found reading them.
    """

    def __init__(self, db_path: Path, library: LibrarySource, config_path: Path) -> None:
        self.db_path = db_path
        self.library = library
        self.config_path = config_path
        self.loaded_settings: LoadedSettings = load_settings(config_path)
        self._store: AnnotationStore | None = None
        self._store_error: StoreError | None = None
        self._lock = threading.Lock()
        self._writer: BackgroundWriter | None = None
        self.on_write_error: Callable[[Exception], None] = lambda error: None

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
            return self._store

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
        store = self._store
        if store is None:
            return False
        if self._writer is None:
            self._writer = BackgroundWriter(store, self._report)
        self._writer.submit(operation)
        return True

    def _report(self, error: Exception) -> None:
        self.on_write_error(error)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait for queued writes (used at exit and in tests)."""
        if self._writer is None:
            return True
        return self._writer.flush(timeout)

    def close(self) -> None:
        """Flush and stop the writer."""
        if self._writer is not None:
            self._writer.flush(10.0)
            self._writer.close()
            self._writer = None
