"""Concurrent fetching: bounded, at most a few at a time per host, ordered results, stoppable."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reader.loading import ArticleError
from reader.web.batch import PER_HOST, host_of, interleaved, run_batch


def test_hosts_are_interleaved() -> None:
    hosts = ["a", "a", "a", "b", "b", "c"]
    assert [hosts[i] for i in interleaved(hosts)] == ["a", "b", "c", "a", "b", "a"]
    assert host_of("https://Example.COM:8080/x") == "example.com"


def test_bounded_per_host_and_in_input_order() -> None:
    running: dict[str, int] = {}
    peak: dict[str, int] = {}
    total_peak = [0, 0]
    lock = threading.Lock()
    items = [f"http://{'ab'[i % 2]}.test/{i}" for i in range(24)]

    def task(url: str, _cancelled: Callable[[], bool]) -> str:
        host = host_of(url)
        with lock:
            running[host] = running.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), running[host])
            total_peak[0] += 1
            total_peak[1] = max(total_peak[1], total_peak[0])
        time.sleep(0.02)
        with lock:
            running[host] -= 1
            total_peak[0] -= 1
        if url.endswith("/7"):
            raise ArticleError("bad page")
        return url.upper()

    outcomes = list(run_batch(items, task, host=host_of, jobs=6))
    assert [o.item for o in outcomes] == items
    assert outcomes[7].error is not None and outcomes[7].value is None
    assert all(o.value == o.item.upper() for o in outcomes if o.index != 7)
    assert max(peak.values()) <= PER_HOST and total_peak[1] <= 6


def test_stopping_early_cancels_downloads_in_progress() -> None:
    ended_by_cancel: list[bool] = []
    started = threading.Semaphore(0)

    def task(item: int, cancelled: Callable[[], bool]) -> int:
        if item == 0:
            for _ in range(3):
                assert started.acquire(timeout=10)  # the three downloads are running
            return 0
        started.release()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not cancelled():
            time.sleep(0.01)
        ended_by_cancel.append(cancelled())
        return item

    batch = run_batch(list(range(4)), task, host=str, jobs=4)
    first = next(batch)
    assert first.value == 0
    batch.close()  # like Ctrl-C while the others still download
    assert ended_by_cancel == [True, True, True]
