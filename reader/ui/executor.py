"""The thread pool the app's thread workers run on: a stuck worker never keeps postil open.

asyncio runs thread workers on the event loop's default executor, and when the app ends it waits
for every running job (``shutdown_default_executor``, then the interpreter joins the pool's
threads). One worker blocked in the kernel — a file on a hung network mount, a device that never
answers — then kept ``q``, ``ctrl+q`` and ``ctrl+c`` from ending postil; only ``kill`` did.

:class:`DaemonExecutor` runs the jobs on daemon threads and, at shutdown, gives running jobs a
short grace period (:data:`EXIT_GRACE` seconds) to finish — time for a cache or an anchor update
in flight to land — and then lets the process end. Everything the user wrote goes through the
session's background writer, which the app flushes before this point.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

#: Seconds the app waits at exit for thread workers that are still running.
EXIT_GRACE = 2.0

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class DaemonExecutor(ThreadPoolExecutor):
    """A thread pool of daemon threads whose shutdown waits at most ``grace`` seconds.

    It subclasses :class:`ThreadPoolExecutor` only because asyncio's ``set_default_executor``
    requires one; none of the base class's threads or queues is used.
    """

    def __init__(self, max_workers: int = 8, grace: float = EXIT_GRACE) -> None:
        super().__init__(max_workers=1)
        self._max = max_workers
        self._grace = grace
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._pool: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._pool_lock = threading.Lock()
        self._closed = False
        self._names = itertools.count(1)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue ``fn(*args, **kwargs)``; a new daemon thread starts when none is idle."""
        with self._pool_lock:
            if self._closed:
                raise RuntimeError("cannot schedule new jobs after shutdown")
            future: Future[Any] = Future()
            self._jobs.put((future, fn, args, kwargs))
            if not self._idle.acquire(blocking=False) and len(self._pool) < self._max:
                thread = threading.Thread(
                    target=self._work, name=f"postil-worker-{next(self._names)}", daemon=True
                )
                self._pool.append(thread)
                thread.start()
            return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as error:  # handed to whoever awaits the future
                    future.set_exception(error)
                else:
                    future.set_result(result)
            del job, future, fn, args, kwargs
            self._idle.release()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop taking jobs; with ``wait``, wait for running ones — at most the grace period."""
        with self._pool_lock:
            self._closed = True
            threads = list(self._pool)
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        for _ in threads:
            self._jobs.put(None)
        if not wait:
            return
        deadline = time.monotonic() + self._grace
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
