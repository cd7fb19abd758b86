"""Fetch many URLs at once: a bounded pool of threads, polite to each host.

At most ``jobs`` fetches run at a time, and at most ``per_host`` of them against one host (a
browser opens about six connections per host; postil stays below). URLs are started in an order
that interleaves hosts, so one slow site does not hold up the others. Results come back in the
order the URLs were given, each as soon as it and those before it are done.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from reader.loading import ArticleError

#: Fetches running at once.
DEFAULT_JOBS = 8
#: Fetches running at once against one host.
PER_HOST = 4

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - the item type


@dataclass(slots=True)
class Outcome(Generic[I, T]):
    """The result of one task: its value, or the error that stopped it.

    Attributes:
        index: Position of the item in the input.
        item: The item (a URL, or what the caller planned for one).
        value: What the task returned (None when it failed).
        error: Why it failed, or None.
    """

    index: int
    item: I
    value: T | None = None
    error: ArticleError | None = None


def host_of(url: str) -> str:
    """The host a URL points at ("" when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def interleaved(hosts: Sequence[str]) -> list[int]:
    """Indexes of ``hosts`` in round-robin order over the distinct hosts."""
    queues: dict[str, deque[int]] = defaultdict(deque)
    for index, host in enumerate(hosts):
        queues[host].append(index)
    order: list[int] = []
    while queues:
        for host in list(queues):
            order.append(queues[host].popleft())
            if not queues[host]:
                del queues[host]
    return order


def run_batch(
    items: Sequence[I],
    task: Callable[[I, Callable[[], bool]], T],
    *,
    host: Callable[[I], str],
    jobs: int = DEFAULT_JOBS,
    per_host: int = PER_HOST,
    on_done: Callable[[int, int], None] | None = None,
) -> Iterator[Outcome[I, T]]:
    """Run ``task(item, cancelled)`` for every item concurrently; yield outcomes in input order.

    ``cancelled()`` turns True once the caller stops early (Ctrl-C, or closing the iterator):
    tasks pass it on to the fetcher so downloads in progress end at once.

    ``host(item)`` names the host an item's task talks to (at most ``per_host`` at a time).

    ``task`` raises :class:`~reader.loading.ArticleError` for an expected failure; any other
    exception is a bug and propagates. ``on_done(done, total)`` is called (from worker
    threads) as tasks finish. Closing the iterator early cancels the tasks not yet started.
    """
    total = len(items)
    hosts = [host(item) for item in items]
    jobs = max(1, jobs)
    per_host = max(1, per_host)
    gates: dict[str, threading.BoundedSemaphore] = {}
    gates_lock = threading.Lock()
    stopping = threading.Event()
    done_lock = threading.Lock()
    done = 0

    def gate(host: str) -> threading.BoundedSemaphore:
        with gates_lock:
            if host not in gates:
                gates[host] = threading.BoundedSemaphore(per_host)
            return gates[host]

    def run(index: int) -> Outcome[I, T]:
        nonlocal done
        item = items[index]
        outcome: Outcome[I, T] = Outcome(index, item)
        try:
            with gate(hosts[index]):
                if stopping.is_set():
                    raise ArticleError("cancelled")
                outcome.value = task(item, stopping.is_set)
        except ArticleError as error:
            outcome.error = error
        finally:
            with done_lock:
                done += 1
                finished = done
            if on_done is not None:
                on_done(finished, total)
        return outcome

    executor = ThreadPoolExecutor(max_workers=min(jobs, max(1, total)),
                                  thread_name_prefix="postil-fetch")
    futures: dict[int, Future[Outcome[I, T]]] = {}
    try:
        for index in interleaved(hosts):
            futures[index] = executor.submit(run, index)
        for index in range(total):
            yield futures[index].result()
    finally:
        stopping.set()
        executor.shutdown(wait=True, cancel_futures=True)


__all__ = ["DEFAULT_JOBS", "PER_HOST", "Outcome", "host_of", "interleaved", "run_batch"]
