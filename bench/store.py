"""Benchmark: the annotation store with 10,000 annotations, next to plain TinyDB.

Prints, measured in one run on a database that already holds 10,000 annotations:

* postil ``AnnotationStore.add`` write latency (median / p95): lock, re-read check, serialise,
  temp file, fsync, ``os.replace``, directory fsync;
* the time the UI thread spends per highlight when it goes through ``BackgroundWriter.submit``
  (what the reader actually waits for), and how long until the write is durable;
* plain TinyDB with its default ``JSONStorage`` (in-place write, no fsync, no lock) inserting one
  document into a 10,000-document table, as the baseline;
* how long the UI thread is held up *while* a background write runs: the writer serialises the
  whole database holding the GIL, so a 1 ms ticker on the calling thread (standing in for the
  UI's event loop) measures the longest gap it sees per write, next to the same ticker idle.

Run: ``.venv/bin/python bench/store.py [--count 10000] [--writes 60]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinydb import TinyDB  # noqa: E402

from annotations.model import Annotation  # noqa: E402
from annotations.storage import AnnotationStore  # noqa: E402
from annotations.writer import BackgroundWriter  # noqa: E402

TEXT = ("The struggle between the U.S. government and Huawei began back in 2011 when U.S. "
        "intelligence officials accused Huawei. ") * 40


def make_annotation(number: int) -> Annotation:
    """A realistic annotation: a sentence-long quote, a short note, two tags."""
    start = (number * 37) % (len(TEXT) - 200)
    return Annotation.create(
        article_id=f"article-{number % 300}", path=f"/library/article-{number % 300}.txt",
        text=TEXT, start=start, end=start + 120, note=f"Note number {number}: worth a re-read.",
        tags=["huawei", f"topic-{number % 20}"],
    )


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def describe(label: str, values: list[float]) -> tuple[float, float]:
    """Print median and p95 in ms; return them."""
    median, p95 = statistics.median(values), percentile(values, 0.95)
    print(f"  {label:<46} median {median * 1000:8.2f} ms   p95 {p95 * 1000:8.2f} ms")
    return median, p95


def adding(annotation: Annotation) -> Callable[[AnnotationStore], None]:
    """A writer operation that adds ``annotation``."""

    def operation(store: AnnotationStore) -> None:
        store.add(annotation)

    return operation


def setting(event: threading.Event) -> Callable[[AnnotationStore], None]:
    """A writer operation that sets ``event`` (everything queued before it has run)."""

    def operation(_store: AnnotationStore) -> None:
        event.set()

    return operation


def longest_gap(until: threading.Event, tick: float = 0.001) -> float:
    """Run a ``tick``-second ticker on this thread until ``until`` is set; return the longest
    delay beyond the tick (how long this thread could not run)."""
    worst = 0.0
    while not until.is_set():
        began = time.perf_counter()
        time.sleep(tick)
        worst = max(worst, time.perf_counter() - began - tick)
    return worst


def ui_stalls(writer: BackgroundWriter, annotations: list[Annotation]) -> list[float]:
    """Longest UI-thread gap during each background write of ``annotations``."""
    gaps = []
    for annotation in annotations:
        done = threading.Event()
        writer.submit(adding(annotation))
        writer.submit(setting(done))
        gaps.append(longest_gap(done))
    return gaps


def idle_gaps(rounds: int, duration: float = 0.1) -> list[float]:
    """The same ticker with nothing else running, for comparison."""
    gaps = []
    for _ in range(rounds):
        done = threading.Event()
        timer = threading.Timer(duration, done.set)
        timer.start()
        gaps.append(longest_gap(done))
        timer.join()
    return gaps


def main() -> None:
    """Fill the databases, time the writes, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--writes", type=int, default=60)
    parser.add_argument("--stalls", type=int, default=30,
                        help="background writes watched by the UI-thread ticker")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        existing = [make_annotation(n) for n in range(args.count)]
        fresh = [make_annotation(args.count + n) for n in range(args.writes * 2)]
        stalled = [make_annotation(args.count + 2 * args.writes + n) for n in range(args.stalls)]

        store = AnnotationStore(scratch / "postil.json")
        store.put_many(existing)
        size = (scratch / "postil.json").stat().st_size
        print(f"database: {args.count} annotations, {size / 1e6:.1f} MB of JSON")

        plain = TinyDB(scratch / "plain.json")
        plain.table("annotations").insert_multiple(a.to_record() for a in existing)

        postil_writes = []
        for annotation in fresh[: args.writes]:
            began = time.perf_counter()
            store.add(annotation)
            postil_writes.append(time.perf_counter() - began)

        plain_writes = []
        table = plain.table("annotations")
        for annotation in fresh[: args.writes]:
            began = time.perf_counter()
            table.insert(annotation.to_record())
            plain_writes.append(time.perf_counter() - began)

        errors: list[Exception] = []
        writer = BackgroundWriter(store, errors.append)
        ui_thread, durable = [], []
        for annotation in fresh[args.writes :]:
            began = time.perf_counter()
            writer.submit(adding(annotation))
            ui_thread.append(time.perf_counter() - began)
            writer.flush()
            durable.append(time.perf_counter() - began)
        stalls = ui_stalls(writer, stalled)
        idle = idle_gaps(args.stalls)
        writer.close()
        assert not errors, errors
        assert len(AnnotationStore(scratch / "postil.json").all_annotations()) == (
            args.count + 2 * args.writes + args.stalls
        )

        print(f"write latency, {args.writes} highlights each:")
        postil_median, _ = describe("postil AnnotationStore.add (atomic, fsync, lock)",
                                    postil_writes)
        plain_median, _ = describe("plain TinyDB JSONStorage insert (in place)", plain_writes)
        ui_median, _ = describe("postil: time on the UI thread per highlight", ui_thread)
        describe("postil: submit until durable on disk", durable)
        print(f"  ratio postil add / plain TinyDB insert: {postil_median / plain_median:6.2f}x")
        print(f"  ratio UI-thread time / plain TinyDB insert: {ui_median / plain_median:8.4f}x")
        print(f"UI thread held up while a background write runs ({args.stalls} writes; "
              "longest gap of a 1 ms ticker):")
        stall_median, _ = describe("during a background AnnotationStore.add", stalls)
        idle_median, _ = describe("idle (no write running)", idle)
        print(f"  ratio stall during a write / plain TinyDB insert: "
              f"{stall_median / plain_median:6.2f}x")


if __name__ == "__main__":
    main()
