"""Measuring one file in a fresh process: what ``bench/tables.py`` and ``bench/big_files.py`` share.

- ``list``: reading the article's metadata (what ``postil list`` and the library do);
- ``open``: app start until the whole article is parsed and its text painted in the reading view
  (``shown``: until its first page is painted — a large file's preview comes first);
- peak memory (RSS) of the process.

:func:`measure` runs this file as a child (``--child PATH --mode list|open``), so every figure
comes from a process that has read nothing else; :func:`print_ratios` prints the table with
ratios against the bundled sample measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seeds" / "huawei-no-spy-deal.txt"

#: One measured run: ``{"seconds": …, "shown": …, "rss": …}`` (peak RSS in MB).
Figures = dict[str, float]


async def _open(path: str) -> tuple[float, float]:
    """Seconds from app start until the first text is painted, and until the whole article is."""
    from reader.library import LibrarySource
    from reader.ui.app import PostilApp
    from reader.ui.screens.reading import ReadingScreen
    from reader.ui.widgets.article_view import ArticleView

    start = time.perf_counter()
    shown: float | None = None
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["POSTIL_CACHE"] = scratch
        app = PostilApp(db_path=Path(scratch) / "db.json", library=LibrarySource([Path(path)]),
                        config_path=Path(scratch) / "config.toml")
        async with app.run_test(size=(100, 40)) as pilot:
            while True:
                screen = app.screen
                if isinstance(screen, ReadingScreen):
                    view = screen.query_one(ArticleView)
                    if shown is None and view.shows_text:
                        await pilot.pause()  # painted
                        shown = time.perf_counter() - start
                    if screen.article is not None and view.is_ready and view.document.text:
                        break
                await asyncio.sleep(0.001)
            await pilot.pause()
            return shown or 0.0, time.perf_counter() - start


def _child(path: str, mode: str) -> None:
    if mode == "list":
        from reader.loading import read_metadata

        start = time.perf_counter()
        meta = read_metadata(path)
        seconds = time.perf_counter() - start
        assert meta.error is None, meta.error
        shown = seconds
    else:
        shown, seconds = asyncio.run(_open(path))
    print(json.dumps({"seconds": seconds, "shown": shown, "rss": _peak_rss_mb()}))


def _peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    ``ru_maxrss`` survives fork and exec on Linux: a child of a parent that generated 5 MB
    files reports the parent's peak. The memory map's own high-water mark (``VmHWM``) starts
    afresh at exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path, mode: str) -> Figures:
    """``mode`` (``list`` or ``open``) of the file at ``path``, in a fresh process."""
    command = [sys.executable, __file__, "--child", str(path), "--mode", mode]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def measure_all(files: dict[str, Path], runs: int) -> dict[str, dict[str, list[Figures]]]:
    """Every file listed and opened ``runs`` times, interleaved so machine noise hits every
    file alike."""
    results: dict[str, dict[str, list[Figures]]] = {
        name: {"list": [], "open": []} for name in files
    }
    for _ in range(runs):
        for name, path in files.items():
            for mode in ("list", "open"):
                results[name][mode].append(measure(path, mode))
    return results


def print_ratios(results: dict[str, dict[str, list[Figures]]], sizes: dict[str, int],
                 runs: int, *, baseline: str = "sample article", width: int = 16) -> None:
    """The table: medians, ratios against ``baseline`` (measured in the same run), peak MB."""
    base = {mode: statistics.median(r["seconds"] for r in results[baseline][mode])
            for mode in ("list", "open")}
    print(f"median of {runs} runs; ratios against the {baseline} in this run; 'shown': the "
          "first page painted, 'open': the whole article")
    print(f"{'file':<{width}} {'size':>9} {'list s':>8} {'ratio':>7} {'shown s':>8} "
          f"{'open s':>8} {'ratio':>7} {'peak MB':>8}")
    for name, row in results.items():
        listed = statistics.median(r["seconds"] for r in row["list"])
        shown = statistics.median(r.get("shown", r["seconds"]) for r in row["open"])
        opened = statistics.median(r["seconds"] for r in row["open"])
        rss = max(r["rss"] for r in row["list"] + row["open"])
        print(f"{name:<{width}} {sizes[name] / 1e6:7.2f}MB {listed:8.3f} "
              f"{listed / base['list']:7.1f} {shown:8.3f} {opened:8.3f} "
              f"{opened / base['open']:7.2f} {rss:8.1f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="measure one file (a child of the benches)")
    parser.add_argument("--child", required=True)
    parser.add_argument("--mode", default="open", choices=("list", "open"))
    arguments = parser.parse_args()
    _child(arguments.child, arguments.mode)
