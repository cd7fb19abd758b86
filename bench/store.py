"""Benchmark: the annotation store at 50,000 annotations, against its goals (issue 14).

Everything is measured in one run, each figure next to its baseline measured in the same run:

* ``postil highlight`` as a whole process on a 50k database vs an empty one (time, peak RSS),
  on the change-log path and on the whole-file path (every change rewrites the file, as before
  the change log: forced by setting ``DIRECT_WRITE_BYTES`` above the file's size);
* durability: how long ``add`` takes until the change is fsynced, at 50k, both paths, next to
  an fsync of one appended line alone in the same folder (what the disk costs, interleaved);
* opening an article with 500 highlights (read and parse it, its annotations from the index,
  anchoring, position, tags in use) on the 50k database vs a database holding only those 500,
  with the store already open (the app opens it at start) and cold (opening it included); after
  the article was edited (all 500 re-anchor) and how long saving the 500 re-anchored positions
  takes (one batch, off the UI thread), both paths;
* ``notes --json ARTICLE``, ``export ARTICLE`` and ``edit ID`` as processes, 50k vs 500;
* ``import`` of the 50k as W3C JSON into an empty database, and again unchanged; the same at
  100k, with ``highlight`` at 100k;
* how long the UI thread is held up while the background writer saves (p95 of the longest gap
  of a 1 ms ticker per write), both paths, next to the idle ticker.

Run: ``.venv/bin/python bench/store.py [--count 50000] [--big 100000]``
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import annotations.storage as storage  # noqa: E402
from annotations.anchoring import anchor_all  # noqa: E402
from annotations.changelog import Change  # noqa: E402
from annotations.export.w3c import dumps  # noqa: E402
from annotations.model import Annotation  # noqa: E402
from annotations.storage import AnnotationStore  # noqa: E402
from annotations.writer import BackgroundWriter  # noqa: E402
from reader.loading import load_article  # noqa: E402

ARTICLE_HIGHLIGHTS = 500
FILLER = ("The struggle between the U.S. government and Huawei began back in 2011 when U.S. "
          "intelligence officials accused Huawei. ") * 40
WHOLE_FILE = "import annotations.storage as s; s.DIRECT_WRITE_BYTES = 1 << 62; "
#: The child's own peak RSS (VmHWM, KB) at exit: rusage of a forked child would include the
#: benchmark process's own memory at the fork.
PEAK_RSS = ("import atexit, os; atexit.register(lambda: open(os.environ['BENCH_PEAK_RSS'], 'w')"
            ".write(next(l.split()[1] for l in open('/proc/self/status') "
            "if l.startswith('VmHWM'))));")


def article_text(sentences: int = 700) -> str:
    """A long article: numbered, distinct sentences in paragraphs of ten."""
    paragraphs = []
    for first in range(0, sentences, 10):
        paragraphs.append(" ".join(
            f"Sentence number {n} says something worth keeping about reading closely."
            for n in range(first, first + 10)))
    return "# The Bench Article\n\n" + "\n\n".join(paragraphs) + "\n"


def article_annotations(path: Path) -> list[Annotation]:
    """500 highlights of the bench article, one per sentence."""
    article = load_article(path)
    text = article.text
    found = []
    for number in range(ARTICLE_HIGHLIGHTS):
        quote = f"Sentence number {number} says"
        start = text.index(quote)
        found.append(Annotation.create(article_id=article.id, path=article.meta.path, text=text,
                                       start=start, end=start + len(quote) + 20,
                                       note=f"bench note {number}", tags=["bench"]))
    return found


def filler_annotation(number: int) -> Annotation:
    """A realistic annotation of another (absent) article."""
    start = (number * 37) % (len(FILLER) - 200)
    return Annotation.create(
        article_id=f"article-{number % 300}", path=f"/library/article-{number % 300}.txt",
        text=FILLER, start=start, end=start + 120, note=f"Note number {number}: worth a re-read.",
        tags=["huawei", f"topic-{number % 20}"],
    )


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: float) -> str:
    """Seconds as a right-aligned millisecond figure."""
    return f"{seconds * 1000:9.1f} ms"


def row(label: str, value: str, baseline: str = "", ratio: float | None = None,
        goal: str = "") -> None:
    """One line of the report."""
    text = f"  {label:<58} {value:>14}"
    if baseline:
        text += f"   vs {baseline:>14}"
    if ratio is not None:
        text += f"   = {ratio:6.2f}x"
    if goal:
        text += f"   (goal {goal})"
    print(text)


@contextmanager
def whole_file_path() -> Iterator[None]:
    """In this process, write every change by rewriting the whole file (the old path)."""
    saved = storage.DIRECT_WRITE_BYTES
    storage.DIRECT_WRITE_BYTES = 1 << 62
    try:
        yield
    finally:
        storage.DIRECT_WRITE_BYTES = saved


#: CPU seconds (user + system) of the last :func:`run_cli` child: on a loaded machine, wall
#: time also counts waiting for a core; this does not.
LAST_CPU = 0.0


def run_cli(db: Path, library: Path, args: list[str], *, whole_file: bool = False,
            stdin: bytes | None = None) -> tuple[float, int]:
    """Run postil as a process; return (wall seconds, peak RSS in KB)."""
    prefix = WHOLE_FILE if whole_file else ""
    rss_file = db.parent / "peak-rss"
    command = [sys.executable, "-c", prefix + PEAK_RSS +
               "import sys; from reader.cli import main; sys.exit(main(sys.argv[1:]))",
               "--db", str(db), "--library", str(library), *args]
    environment = {**os.environ, "POSTIL_CACHE": str(db.parent / "cache"),
                   "BENCH_PEAK_RSS": str(rss_file)}
    global LAST_CPU
    used_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=environment, stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stdin is not None and child.stderr is not None
    if stdin is not None:
        child.stdin.write(stdin)
    child.stdin.close()
    errors = child.stderr.read()
    child.wait()
    elapsed = time.perf_counter() - began
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU = (used.ru_utime + used.ru_stime) - (used_before.ru_utime + used_before.ru_stime)
    if child.returncode not in (0, 1):
        raise SystemExit(f"postil {' '.join(args)} failed: {errors.decode(errors='replace')}")
    try:
        peak = int(rss_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        peak = 0
    return elapsed, peak


def median_cli(runs: int, db: Path, library: Path, make_args: Callable[[int], list[str]],
               **options: bool) -> tuple[float, int]:
    """Median time and largest peak RSS of ``runs`` runs."""
    times, peaks = [], []
    for number in range(runs):
        elapsed, peak = run_cli(db, library, make_args(number), **options)  # type: ignore[arg-type]
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def interleaved_cli(runs: int, library: Path, make_args: Callable[[int], list[str]],
                    cases: Sequence[tuple[Path, bool]]) -> list[tuple[float, int]]:
    """Median time and largest peak RSS per case ``(database, whole_file)``: the cases run in
    turn, ``runs`` rounds, so that all of them see the same load on a shared machine."""
    times: list[list[float]] = [[] for _ in cases]
    peaks: list[list[int]] = [[] for _ in cases]
    for number in range(runs):
        for slot, (db, whole_file) in enumerate(cases):
            elapsed, peak = run_cli(db, library, make_args(number), whole_file=whole_file)
            times[slot].append(elapsed)
            peaks[slot].append(peak)
    return [(statistics.median(t), max(p)) for t, p in zip(times, peaks, strict=True)]


def open_article(store: AnnotationStore, path: Path) -> float:
    """What the reading screen does before the text is on screen, with an open store."""
    began = time.perf_counter()
    article = load_article(path)
    found = store.annotations_for(article.id, article.meta.path)
    anchored = anchor_all(found, article.text)
    store.get_position(article.id, article.meta.path)
    store.tags_in_use()
    elapsed = time.perf_counter() - began
    assert len(anchored) == ARTICLE_HIGHLIGHTS, len(anchored)
    return elapsed


def paired(runs: int, first: Callable[[], float],
           second: Callable[[], float]) -> tuple[float, float]:
    """Medians of ``runs`` measurements of ``first`` and ``second``, taken in turn (each after
    a garbage collection), so that both see the same load on a shared machine."""
    ones, twos = [], []
    for _ in range(runs):
        gc.collect()
        ones.append(first())
        gc.collect()
        twos.append(second())
    return statistics.median(ones), statistics.median(twos)


def best_of(runs: int, measure: Callable[[], float]) -> float:
    """The median of ``runs`` measurements."""
    return statistics.median(measure() for _ in range(runs))


def longest_gap(until: threading.Event, tick: float = 0.001) -> float:
    """Run a ``tick``-second ticker on this thread until ``until`` is set; return the longest
    delay beyond the tick (how long this thread could not run)."""
    worst = 0.0
    while not until.is_set():
        began = time.perf_counter()
        time.sleep(tick)
        worst = max(worst, time.perf_counter() - began - tick)
    return worst


def ui_stalls(store: AnnotationStore, count: int) -> list[float]:
    """Longest UI-thread gap during each of ``count`` background highlight writes."""
    errors: list[Exception] = []
    writer = BackgroundWriter(store, errors.append, idle_compact_after=None)
    gaps = []
    for number in range(count):
        done = threading.Event()
        writer.submit_changes([Change.put(filler_annotation(10_000_000 + number))])
        writer.submit(lambda _store, done=done: done.set())  # type: ignore[misc]
        gaps.append(longest_gap(done))
    writer.close()
    assert not errors, errors
    return gaps


def idle_gaps(rounds: int, duration: float = 0.05) -> list[float]:
    """The same ticker with nothing else running, for comparison."""
    gaps = []
    for _ in range(rounds):
        done = threading.Event()
        timer = threading.Timer(duration, done.set)
        timer.start()
        gaps.append(longest_gap(done))
        timer.join()
    return gaps


def fsync_baseline(folder: Path, count: int) -> list[float]:
    """Seconds to append one log-sized line to a file in ``folder`` and fsync it: what the
    disk alone costs for a durable change, measured beside the store's figures."""
    line = b"x" * 600 + b"\n"
    target = folder / "fsync-baseline"
    latencies = []
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        for _ in range(count):
            began = time.perf_counter()
            os.write(fd, line)
            os.fsync(fd)
            latencies.append(time.perf_counter() - began)
    finally:
        os.close(fd)
        target.unlink()
    return latencies


def durability(store: AnnotationStore, count: int, base: int) -> list[float]:
    """Seconds from the start of ``add`` until the highlight is fsynced, ``count`` times."""
    latencies = []
    for number in range(count):
        annotation = filler_annotation(base + number)
        began = time.perf_counter()
        store.add(annotation)
        latencies.append(time.perf_counter() - began)
    return latencies


#: The benchmark's sections, in the order they run (``--only`` picks some).
SECTIONS = ("highlight", "durability", "open", "notes", "import", "ui")


def build(db: Path, annotations: list[Annotation]) -> None:
    """A database holding ``annotations`` (one batch), compacted: no log beside it."""
    store = AnnotationStore(db)
    store.put_many(annotations)
    store.compact()


def main() -> None:
    """Build the databases, measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="process runs per figure")
    parser.add_argument("--only", default=",".join(SECTIONS), metavar="SECTIONS",
                        help="comma-separated sections to run (default all: "
                        f"{','.join(SECTIONS)})")
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    count = args.count
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        library = scratch / "library"
        library.mkdir()
        article_path = library / "bench-article.md"
        article_path.write_text(article_text(), encoding="utf-8")
        own = article_annotations(article_path)
        filler = [filler_annotation(n) for n in range(count - ARTICLE_HIGHLIGHTS)]

        began = time.perf_counter()
        full_db, small_db = scratch / "full" / "postil.json", scratch / "small" / "postil.json"
        full_db.parent.mkdir()
        small_db.parent.mkdir()
        build(full_db, [*filler[: len(filler) // 2], *own, *filler[len(filler) // 2:]])
        build(small_db, own)
        print(f"databases: {count:,} annotations ({full_db.stat().st_size / 1e6:.1f} MB of "
              f"JSON), and the article's own {ARTICLE_HIGHLIGHTS} "
              f"({small_db.stat().st_size / 1e6:.2f} MB); built in "
              f"{time.perf_counter() - began:.1f} s")

        def copy_of(db: Path, name: str) -> Path:
            """A copy of ``db`` as a user's database is: compacted in place, so with the
            byte-range index its compaction writes (a copied index never matches a copy)."""
            target = scratch / name / db.name
            target.parent.mkdir()
            shutil.copy2(db, target)
            AnnotationStore(target).compact()
            return target

        quotes = [f"Sentence number {600 + n} says" for n in range(50)]
        empty_db = scratch / "empty" / "postil.json"
        empty_db.parent.mkdir()
        highlight_args: Callable[[int], list[str]] = lambda n: [  # noqa: E731
            "highlight", str(article_path), "--quote", quotes[n % len(quotes)]]
        empty_time = 0.0
        open_db = copy_of(full_db, "open")

        # ------------------------------------------------------------ highlight process
        if "highlight" in only:
            print(f"\npostil highlight, whole process (median of {args.runs}, the databases in "
                  "turn; peak RSS):")
            log_db = copy_of(full_db, "highlight-log")
            whole_db = copy_of(full_db, "highlight-whole")
            (empty_time, empty_rss), (log_time, log_rss), (whole_time, whole_rss) = (
                interleaved_cli(args.runs, library, highlight_args,
                                [(empty_db, False), (log_db, False), (whole_db, True)]))
            row("empty database", ms(empty_time), goal="baseline")
            row(f"{count:,}: change log", ms(log_time), ms(empty_time), log_time / empty_time,
                "<= 2x")
            row(f"{count:,}: whole-file path (before)", ms(whole_time), ms(empty_time),
                whole_time / empty_time)
            row("peak RSS, empty / change log / whole file",
                f"{empty_rss / 1024:.0f} MB", f"{log_rss / 1024:.0f} / {whole_rss / 1024:.0f} MB")

        # ------------------------------------------------------------ durability
        if "durability" in only:
            print("\ndurability: add() until fsynced, 20 highlights (and the disk alone):")
            log_db = copy_of(full_db, "durable-log")
            log_store = AnnotationStore(log_db, load=False)
            disk, log_latency = [], []
            for round_number in range(20):  # interleaved: both see the same disk load
                disk += fsync_baseline(log_db.parent, 1)
                log_latency += durability(log_store, 1, 20_000_000 + round_number)
            with whole_file_path():
                whole_store = AnnotationStore(copy_of(full_db, "durable-whole"))
                whole_latency = durability(whole_store, 20, 21_000_000)
            row("fsync of one appended line alone, median / p95",
                f"{statistics.median(disk) * 1000:.1f} / "
                f"{percentile(disk, 0.95) * 1000:.1f} ms", goal="baseline")
            row(f"{count:,}: change log, median / p95",
                f"{statistics.median(log_latency) * 1000:.1f} / "
                f"{percentile(log_latency, 0.95) * 1000:.1f} ms",
                f"{statistics.median(disk) * 1000:.1f} / {percentile(disk, 0.95) * 1000:.1f} ms",
                goal="<= 20 ms")
            row(f"{count:,}: whole-file path, median / p95",
                f"{statistics.median(whole_latency) * 1000:.1f} / "
                f"{percentile(whole_latency, 0.95) * 1000:.1f} ms",
                ratio=statistics.median(whole_latency) / statistics.median(log_latency))

        # ------------------------------------------------------------ opening the article
        if "open" in only:
            print(f"\nopening the article with {ARTICLE_HIGHLIGHTS} highlights (median of 9, "
                  "the two databases in turn):")
            began = time.perf_counter()
            full_store = AnnotationStore(open_db)
            full_open_store = time.perf_counter() - began
            began = time.perf_counter()
            own_store = AnnotationStore(copy_of(small_db, "open-small"))
            small_open_store = time.perf_counter() - began
            warm_small, warm_full = paired(9, lambda: open_article(own_store, article_path),
                                           lambda: open_article(full_store, article_path))
            row(f"{ARTICLE_HIGHLIGHTS}-only database, store open", ms(warm_small), goal="baseline")
            row(f"{count:,} database, store open", ms(warm_full), ms(warm_small),
                warm_full / warm_small, "<= 1.3x")
            cold_small, cold_full = warm_small + small_open_store, warm_full + full_open_store
            row(f"{count:,} database, cold (opening the store included)", ms(cold_full),
                ms(cold_small), cold_full / cold_small)

            edited = article_path.read_text(encoding="utf-8").replace(
                "# The Bench Article\n\n", "# The Bench Article\n\nA new first paragraph.\n\n")
            article_path.write_text(edited, encoding="utf-8")
            after_small, after_full = paired(
                9, lambda: open_article(own_store, article_path),
                lambda: open_article(full_store, article_path))
            row(f"after an edit of the article: {ARTICLE_HIGHLIGHTS}-only database",
                ms(after_small), ms(warm_small), after_small / warm_small)
            row(f"after an edit of the article: {count:,} database", ms(after_full),
                ms(after_small), after_full / after_small, "<= 1.5x")
            row("  the same against the unedited article on the 500-only database", ms(after_full),
                ms(warm_small), after_full / warm_small)
            article = load_article(article_path)
            moved = anchor_all(full_store.annotations_for(article.id, article.meta.path),
                               article.text)
            began = time.perf_counter()
            full_store.update_anchors(moved)
            reanchor_log = time.perf_counter() - began
            with whole_file_path():
                whole_reanchor_store = AnnotationStore(copy_of(full_db, "reanchor-whole"))
                began = time.perf_counter()
                whole_reanchor_store.update_anchors(moved)
                reanchor_whole = time.perf_counter() - began
            row(f"saving the {ARTICLE_HIGHLIGHTS} re-anchored positions (writer thread): log",
                ms(reanchor_log))
            row("  the same on the whole-file path", ms(reanchor_whole), ms(reanchor_log),
                reanchor_whole / reanchor_log)
            again = best_of(5, lambda: open_article(full_store, article_path))
            row(f"the next open after saving them: {count:,} database", ms(again), ms(warm_small),
                again / warm_small)
            full_store.compact()

        # ------------------------------------------------------------ notes and export
        if "notes" in only:
            print("\nnotes --json and export of the article, edit of one highlight, whole "
                  f"process (median of {args.runs}, the databases in turn):")
            for name, command in (("notes --json ARTICLE", ["notes", "--json"]),
                                  ("export ARTICLE", ["export"])):
                (small_time, _), (full_time, _) = interleaved_cli(
                    args.runs, library, lambda _n, c=command: [*c, str(article_path)],
                    [(small_db, False), (open_db, False)])
                row(f"{name}: {ARTICLE_HIGHLIGHTS}-only database", ms(small_time), goal="baseline")
                row(f"{name}: {count:,} database", ms(full_time), ms(small_time),
                    full_time / small_time, "<= 2x")
            edit_args: Callable[[int], list[str]] = lambda n: [  # noqa: E731
                "edit", own[n % len(own)].id[:8], "--note", f"edited {n}", "--color", "blue"]
            (small_edit, _), (full_edit, _), (whole_edit, _) = interleaved_cli(
                args.runs, library, edit_args,
                [(copy_of(small_db, "edit-small"), False), (copy_of(full_db, "edit-full"), False),
                 (copy_of(full_db, "edit-whole"), True)])
            row(f"edit ID --note --color: {ARTICLE_HIGHLIGHTS}-only database", ms(small_edit),
                goal="baseline")
            row(f"edit ID --note --color: {count:,} database", ms(full_edit), ms(small_edit),
                full_edit / small_edit)
            row("  the same on the whole-file path (before)", ms(whole_edit), ms(small_edit),
                whole_edit / small_edit)

        # ------------------------------------------------------------ import
        if "import" in only:
            print("\nimport of W3C JSON, whole process:")
            for size in [s for s in (count, args.big) if s > 0]:
                annotations = [*own, *(filler if size <= count else
                                       filler + [filler_annotation(n) for n in
                                                 range(count, size)])]
                annotations = annotations[:size]
                export_file = scratch / f"export-{size}.jsonld"
                export_file.write_text(dumps(annotations, exported_at="2026-12-01T00:00:00Z"),
                                       encoding="utf-8")
                target = scratch / f"import-{size}" / "postil.json"
                target.parent.mkdir()
                first, _ = run_cli(target, library, ["import", str(export_file)])
                first_cpu = LAST_CPU
                second, second_rss = run_cli(target, library, ["import", str(export_file)])
                second_cpu = LAST_CPU
                stored = len(AnnotationStore(target).all_annotations())
                assert stored == size, (stored, size)
                row(f"{size:,} into an empty database", ms(first), goal="<= 10 s")
                row("  its CPU time (user + system; wall time also waits for a core)",
                    ms(first_cpu))
                row(f"{size:,} again, unchanged (peak RSS {second_rss / 1024:.0f} MB)", ms(second),
                    ms(first), second / first, "<= 10 s")
                row("  its CPU time", ms(second_cpu))
                if size > count and empty_time:
                    big_time, big_rss = median_cli(args.runs, target, library, highlight_args)
                    row(f"highlight on the {size:,} database (peak RSS {big_rss / 1024:.0f} MB)",
                        ms(big_time), ms(empty_time), big_time / empty_time)

        # ------------------------------------------------------------ UI thread
        if "ui" in only:
            print("\nUI thread held up while the background writer saves a highlight "
                  "(longest gap of a 1 ms ticker, 40 writes):")
            idle = idle_gaps(40)
            log_gaps = ui_stalls(AnnotationStore(copy_of(full_db, "stall-log")), 40)
            with whole_file_path():
                whole_gaps = ui_stalls(AnnotationStore(copy_of(full_db, "stall-whole")), 40)
            row("idle ticker, p95", ms(percentile(idle, 0.95)), goal="baseline")
            row(f"{count:,}: change log, p95", ms(percentile(log_gaps, 0.95)),
                ms(percentile(idle, 0.95)), goal="<= 16 ms")
            row(f"{count:,}: whole-file path, p95", ms(percentile(whole_gaps, 0.95)),
                ms(percentile(log_gaps, 0.95)),
                percentile(whole_gaps, 0.95) / max(percentile(log_gaps, 0.95), 1e-6))


if __name__ == "__main__":
    main()
