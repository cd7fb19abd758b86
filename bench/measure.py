"""Measuring one file in a fresh process: what ``bench/tables.py`` and ``bench/big_files.py`` share.

- ``list``: reading the article's metadata (what ``postil list`` and the library do);
- ``open``: app start until the whole article is parsed and its text painted in the reading view;
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

#: One measured run: ``{"seconds": …, "rss": …}`` (peak RSS in MB).
Figures = dict[str, float]


async def _open(path: str) -> float:
    from reader.library import LibrarySource
    from reader.ui.app import PostilApp
    from reader.ui.screens.reading import ReadingScreen
    from reader.ui.widgets.article_view import ArticleView

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["POSTIL_CACHE"] = scratch
        app = PostilApp(db_path=Path(scratch) / "db.json", library=LibrarySource([Path(path)]),
                        config_path=Path(scratch) / "config.toml")
        async with app.run_test(size=(100, 40)) as pilot:
            while True:
                screen = app.screen
                if isinstance(screen, ReadingScreen) and screen.article is not None:
                    view = screen.query_one(ArticleView)
                    if view.is_ready and view.document.text:
                        break
                await asyncio.sleep(0.001)
            await pilot.pause()
            return time.perf_counter() - start


def _child(path: str, mode: str) -> None:
    if mode == "list":
        from reader.loading import read_metadata

        start = time.perf_counter()
        meta = read_metadata(path)
        seconds = time.perf_counter() - start
        assert meta.error is None, meta.error
    else:
        seconds = asyncio.run(_open(path))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss": rss}))


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
    print(f"median of {runs} runs; ratios against the {baseline} in this run")
    print(f"{'file':<{width}} {'size':>9} {'list s':>8} {'ratio':>7} {'open s':>8} {'ratio':>7} "
          f"{'peak MB':>8}")
    for name, row in results.items():
        listed = statistics.median(r["seconds"] for r in row["list"])
        opened = statistics.median(r["seconds"] for r in row["open"])
        rss = max(r["rss"] for r in row["list"] + row["open"])
        print(f"{name:<{width}} {sizes[name] / 1e6:7.2f}MB {listed:8.3f} "
              f"{listed / base['list']:7.1f} {opened:8.3f} {opened / base['open']:7.2f} "
              f"{rss:8.1f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="measure one file (a child of the benches)")
    parser.add_argument("--child", required=True)
    parser.add_argument("--mode", default="open", choices=("list", "open"))
    arguments = parser.parse_args()
    _child(arguments.child, arguments.mode)
