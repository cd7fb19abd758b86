"""Store writes off the UI thread: a single background thread applies them in order.

Writes are field-level :class:`~annotations.changelog.Change` batches (or, for older callers,
functions of the store). A batch that finds the database locked by another postil is not
dropped: it stays first in the queue and is retried, and :meth:`BackgroundWriter.close` hands
back whatever could not be written so the caller can keep it (a pending file) and say so.
When the queue has been idle for a while the writer folds the change log into the database
(compaction), off the UI thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from annotations.changelog import Change
from annotations.storage import AnnotationStore, DatabaseLocked, StoreError

Operation = Callable[[AnnotationStore], object]

#: How long one attempt waits for the lock before the writer retries (seconds).
LOCK_ATTEMPT = 1.0
#: Idle time after which the writer compacts the change log if that is due (seconds).
IDLE_COMPACT_AFTER = 5.0


@dataclass(slots=True)
class _Item:
    changes: list[Change] = field(default_factory=list)
    operation: Operation | None = None


class BackgroundWriter:
    """Serialises store writes on one daemon thread, in submission order.

    The UI submits a write and carries on at once; :meth:`flush` waits until everything
    submitted so far is durable (used before export, at exit and in tests). A write that fails
    for another reason than a held lock is reported through ``on_error`` and kept (returned by
    :meth:`close`); the writes after it still run.
    """

    def __init__(self, store: AnnotationStore, on_error: Callable[[Exception], None],
                 *, idle_compact_after: float | None = IDLE_COMPACT_AFTER) -> None:
        self.store = store
        self.on_error = on_error
        self.idle_compact_after = idle_compact_after
        self._queue: deque[_Item] = deque()
        self._failed: list[_Item] = []
        self._busy = False
        self._closing = False
        self._deadline = float("inf")
        self._condition = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="postil-writer", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ submitting
    def submit(self, operation: Operation) -> None:
        """Queue ``operation(store)`` to run on the writer thread."""
        self._put(_Item(operation=operation))

    def submit_changes(self, changes: Iterable[Change]) -> None:
        """Queue a batch of changes (written in one lock acquisition)."""
        batch = list(changes)
        if batch:
            self._put(_Item(changes=batch))

    def _put(self, item: _Item) -> None:
        with self._condition:
            if self._closed or self._closing:
                raise RuntimeError("the writer is closed")
            self._queue.append(item)
            self._condition.notify_all()

    # ------------------------------------------------------------------ waiting
    def unsaved(self) -> list[Change]:
        """The changes submitted but not durable yet (queued, being written, or failed)."""
        with self._condition:
            return [change for item in (*self._failed, *self._queue) for change in item.changes]

    def unsaved_count(self) -> int:
        """How many writes (batches or operations) are not durable yet."""
        with self._condition:
            return len(self._queue) + len(self._failed)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every submitted write has run; False if ``timeout`` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._condition:
            while self._queue:
                if not self._thread.is_alive():
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._condition.wait(left if left is not None else 0.5)
            return True

    def close(self, timeout: float | None = 10.0) -> list[Change]:
        """Finish the queued writes (trying for the lock up to ``timeout`` seconds), stop the
        thread, and return the changes that could not be written."""
        with self._condition:
            if self._closed:
                return self.unsaved()
            self._closing = True
            if timeout is not None:
                self._deadline = time.monotonic() + timeout
            self._condition.notify_all()
        self._thread.join(None if timeout is None else timeout + LOCK_ATTEMPT + 5.0)
        with self._condition:
            self._closed = True
            return self.unsaved()

    # ------------------------------------------------------------------ the thread
    def _run(self) -> None:
        reported_lock = False
        while True:
            with self._condition:
                if not self._queue:
                    if self._closing:
                        break
                    wait = self.idle_compact_after
                    if not self._condition.wait(wait) and not self._queue and not self._closing:
                        self._condition.release()
                        try:
                            self._compact_if_due()
                        finally:
                            self._condition.acquire()
                    continue
                item = self._queue[0]
                self._busy = True
            try:
                if item.operation is not None:
                    item.operation(self.store)
                else:
                    self.store.apply_changes(item.changes, timeout=LOCK_ATTEMPT)
            except DatabaseLocked as error:
                if not reported_lock:
                    reported_lock = True
                    self._report(error)
                with self._condition:
                    self._busy = False
                    if self._closing and time.monotonic() >= self._deadline:
                        break  # the rest is handed back by close()
                    self._condition.wait(0.05)
                continue
            except Exception as error:  # reported, never fatal: later writes still run
                self._report(error)
                with self._condition:
                    if item.changes:
                        self._failed.append(item)
                    self._queue.popleft()
                    self._busy = False
                    self._condition.notify_all()
                continue
            reported_lock = False
            with self._condition:
                self._queue.popleft()
                self._busy = False
                self._condition.notify_all()
        if not self._queue:
            self._compact_if_due(timeout=LOCK_ATTEMPT)

    def _compact_if_due(self, timeout: float = 0.5) -> None:
        with contextlib.suppress(StoreError, OSError):
            self.store.maybe_compact(timeout)

    def _report(self, error: Exception) -> None:
        try:
            self.on_error(error)
        except Exception:
            pass
