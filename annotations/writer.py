"""Store writes off the UI thread: a single background thread applies them in order."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from annotations.storage import AnnotationStore

Operation = Callable[[AnnotationStore], object]


class BackgroundWriter:
    """Serialises store writes on one daemon thread, in submission order.

    The UI submits a write and carries on at once; :meth:`flush` waits until everything
    submitted so far is durable (used before export, at exit and in tests). A failing write is
    reported through ``on_error`` and does not stop the writes after it.
    """

    def __init__(self, store: AnnotationStore, on_error: Callable[[Exception], None]) -> None:
        self.store = store
        self.on_error = on_error
        self._queue: queue.Queue[Operation | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="postil-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, operation: Operation) -> None:
        """Queue ``operation(store)`` to run on the writer thread."""
        if self._closed:
            raise RuntimeError("the writer is closed")
        self._queue.put(operation)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every submitted write has run; False if ``timeout`` ran out first."""
        done = threading.Event()
        if self._closed or not self._thread.is_alive():
            return self._queue.unfinished_tasks == 0
        self._queue.put(lambda _store: done.set())
        return done.wait(timeout)

    def close(self, timeout: float | None = 10.0) -> None:
        """Finish the queued writes and stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            operation = self._queue.get()
            try:
                if operation is None:
                    return
                operation(self.store)
            except Exception as error:  # reported, never fatal: later writes still run
                try:
                    self.on_error(error)
                except Exception:
                    pass
            finally:
                self._queue.task_done()
