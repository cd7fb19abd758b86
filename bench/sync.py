"""Benchmark: merging 50,000 changes from another device through the sync folder (issue 19).

Goal: ≤ 5 s. Measured in one run, next to baselines from the same run:

* **baseline** — opening a database whose 50,000 changes are all in its local change log
  (the replay every start does: read, check, parse and merge each line);
* **merge into an empty database** — ``SyncFolder.merge`` on a device that has nothing yet,
  reading the other device's segments (what ``postil sync`` and the app do);
* **merge into a database of its own 50,000** — the same 50,000 arriving at a device that
  already holds 50,000 other annotations (the change log path of a big database);
* **nothing new** — a merge when nothing arrived (what the app's poll costs when the folder
  did change, e.g. a ``device.json`` update), and the poll's look at the folder.

Run: ``.venv/bin/python bench/sync.py [--count 50000]``
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.changelog import Change, append_changes  # noqa: E402
from annotations.model import Annotation, TextPositionSelector, TextQuoteSelector  # noqa: E402
from annotations.storage import AnnotationStore  # noqa: E402
from annotations.sync import SyncFolder  # noqa: E402
from reader.sync import folder_signature  # noqa: E402

GOAL_SECONDS = 5.0


def _annotations(count: int, article: str) -> list[Annotation]:
    return [Annotation(id=str(uuid.uuid4()), article_id=article, path=f"/library/{article}.txt",
                       quote=TextQuoteSelector(f"quote number {n} of the bench", "before ",
                                               " after"),
                       position=TextPositionSelector(n * 40, n * 40 + 26),
                       note=f"note {n}" if n % 3 == 0 else "", tags=("bench",) if n % 5 else ())
            for n in range(count)]


@dataclass(frozen=True)
class Timing:
    """Wall time and this process's CPU time of one step (on a busy machine the wall time
    mostly measures the other processes; the CPU time is close to an idle machine's)."""

    wall: float
    cpu: float


def _timed(label: str, action: Callable[[], object]) -> Timing:
    start, cpu = time.perf_counter(), time.process_time()
    action()
    timing = Timing(time.perf_counter() - start, time.process_time() - cpu)
    print(f"  {label:<62} {timing.wall:7.2f} s wall {timing.cpu:7.2f} s cpu")
    return timing


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    args = parser.parse_args()
    count = args.count
    with tempfile.TemporaryDirectory(prefix="postil-bench-sync-") as temp:
        root = Path(temp)
        folder = root / "Sync"
        folder.mkdir()
        print(f"sync: merging {count:,} changes from another device (goal <= {GOAL_SECONDS} s)")
        made = [Change.put(a) for a in _annotations(count, "bench-article")]

        # A device that already holds 50,000 of its own, syncing through a second folder (its
        # first sync shares them all; the laptop's files are copied there below).
        other_folder = root / "Sync-b"
        other_folder.mkdir()
        big = AnnotationStore(root / "desktop" / "postil.json")
        big.apply_changes(Change.put(a) for a in _annotations(count, "own-article"))
        big_sync = SyncFolder(big, other_folder, "desktop").attach()
        _timed(f"first sync of a device with {count:,} (writes them all to the folder)",
               big_sync.merge)

        # The other device: writes its changes into its segments (as its writes do).
        laptop = AnnotationStore(root / "laptop" / "postil.json")
        laptop_sync = SyncFolder(laptop, folder, "laptop").attach()
        laptop_sync.merge()
        for start in range(0, count, 1000):
            laptop.apply_changes(made[start:start + 1000])
        laptop.close()
        segments = sorted((folder / "postil-sync" / laptop.device).glob("*.jsonl"))
        size = sum(p.stat().st_size for p in segments)
        print(f"  (the other device's {len(segments)} segments: {size / 1e6:.1f} MB)")

        # Baseline: the same changes replayed from a local change log at open.
        local = root / "local" / "postil.json"
        local.parent.mkdir()
        local.write_text('{"annotations": {}}')
        append_changes(local.with_name("postil.json.changes") / "0123456789abcdef.jsonl",
                       "0123456789abcdef", made)
        baseline = _timed(f"baseline: open a database replaying {count:,} logged changes",
                          lambda: AnnotationStore(local).all_annotations())

        empty = AnnotationStore(root / "server" / "postil.json")
        empty_sync = SyncFolder(empty, folder, "server").attach()
        reports = []
        merged = _timed(f"merge {count:,} changes into an empty database",
                        lambda: reports.append(empty_sync.merge()))
        assert reports[-1].changes == count, reports[-1]
        assert len(empty.all_annotations()) == count
        again = _timed("merge again, nothing new", lambda: reports.append(empty_sync.merge()))
        assert reports[-1].changes == 0, reports[-1]
        look = _timed("the app's poll: look at the folder (x100)",
                      lambda: [folder_signature(empty_sync) for _ in range(100)])

        shutil.copytree(folder / "postil-sync" / laptop.device,
                        other_folder / "postil-sync" / laptop.device)
        merged_big = _timed(f"merge {count:,} changes into a database of {count:,} others",
                            lambda: reports.append(big_sync.merge()))
        assert reports[-1].changes == count, reports[-1]
        print()
        for label, timing in (("merge into empty", merged),
                              (f"merge into {count:,} others", merged_big)):
            print(f"  {label} / baseline replay: {timing.wall / baseline.wall:5.2f}x wall, "
                  f"{timing.cpu / baseline.cpu:5.2f}x cpu")
        print(f"  nothing new / merge:              {again.wall / merged.wall:5.3f}x")
        print(f"  one poll look:                    {look.wall * 10:6.2f} ms")
        worst = max(merged, merged_big, key=lambda timing: timing.wall)
        verdict = "meets" if worst.wall <= GOAL_SECONDS else "MISSES"
        print(f"  slowest merge {worst.wall:.2f} s wall ({worst.cpu:.2f} s cpu) {verdict} the "
              f"goal of <= {GOAL_SECONDS} s")

if __name__ == "__main__":
    main()
