"""Benchmark: listing a 2,000-article library, cold and warm, and UI responsiveness while scanning.

Generates 2,000 small articles (or takes ``--folder``), then prints:

* ``postil list --json`` wall time with a cold metadata cache and with a warm one (a fresh
  process each time, so interpreter start-up is included);
* how long the library screen takes to react to a key press while a cold scan runs, next to the
  same key press on an idle library (the ratio shows whether scanning blocks the UI).

Run: ``.venv/bin/python bench/library.py``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.open import make_text  # noqa: E402


def generate(folder: Path, count: int) -> None:
    """Write ``count`` small articles into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        path = folder / f"article-{number:05}.txt"
        if not path.exists():
            path.write_text(make_text(3000, number, f"Article number {number}"), encoding="utf-8")


def timed_list(folder: Path, env: dict[str, str]) -> float:
    """Wall time of one ``postil list --json`` process."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "reader", "list", str(folder), "--json"],
        check=True, capture_output=True, cwd=ROOT, env=env,
    )
    return time.perf_counter() - start


async def key_latency(folder: Path, scratch: Path, cold: bool) -> float:
    """Median time for the library screen to react to a key (the filter box getting text)."""
    from textual.widgets import Input

    from reader.library import LibrarySource
    from reader.ui.app import PostilApp
    from reader.ui.screens.library import LibraryScreen

    cache = scratch / ("cache-cold" if cold else "cache-warm")
    os.environ["POSTIL_CACHE"] = str(cache)
    app = PostilApp(db_path=scratch / "db.json", library=LibrarySource([folder]),
                    config_path=scratch / "config.toml")
    samples = []
    async with app.run_test(size=(100, 30)) as pilot:
        while not isinstance(app.screen, LibraryScreen):
            await asyncio.sleep(0.001)
        screen = app.screen
        if not cold:
            await app.workers.wait_for_complete()
        box = screen.query_one("#library-filter", Input)
        for letter in "articl":
            before = time.perf_counter()
            await pilot.press(letter)
            while not box.value.endswith(letter):
                await asyncio.sleep(0.0005)
            samples.append(time.perf_counter() - before)
        scanning = any(w.group == "library-scan" and w.is_running for w in app.workers)
    label = "during a cold scan" if cold else "idle"
    print(f"  key press → filter box, {label}: {statistics.median(samples) * 1000:7.1f} ms"
          + ("  (scan still running)" if cold and scanning else ""))
    return statistics.median(samples)


def main() -> None:
    """Generate the library and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="an existing library folder")
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        folder = args.folder or scratch / "library"
        if not args.folder:
            generate(folder, args.count)
        env = {**os.environ, "POSTIL_CACHE": str(scratch / "cli-cache"),
               "POSTIL_DB": str(scratch / "db.json")}
        count = len(list(folder.rglob("*.txt")))
        print(f"library: {count} articles")
        cold = timed_list(folder, env)
        warm = [timed_list(folder, env) for _ in range(3)]
        print(f"  postil list --json, cold cache: {cold * 1000:7.0f} ms")
        print(f"  postil list --json, warm cache: {statistics.median(warm) * 1000:7.0f} ms "
              f"(median of 3; {cold / statistics.median(warm):.1f}x faster than cold)")
        idle = asyncio.run(key_latency(folder, scratch, cold=False))
        busy = asyncio.run(key_latency(folder, scratch, cold=True))
        print(f"  responsiveness ratio (scanning/idle): {busy / idle:.2f}")


if __name__ == "__main__":
    main()
