"""Benchmark: large Markdown tables open about as fast as the bundled sample article.

A 5.7 MB table took 10 s and 1 GB to list and 11 s to open; a table 20,000 columns wide 5 s and
0.5 GB (issue 11). This generates a tall table (~5.7 MB), a wide one (20,000 columns) and, for
scale, ~5 MB of Markdown prose, and measures in fresh processes, against the bundled sample in
the same run:

- ``list``: reading the article's metadata (what ``postil list`` and the library do);
- ``open``: app start until the whole article is parsed and painted in the reading view;
- peak memory (RSS) of the process.

Run: ``.venv/bin/python bench/tables.py [--runs N]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.open import make_text  # noqa: E402

SAMPLE = ROOT / "seeds" / "huawei-no-spy-deal.txt"
_WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()


def make_tall_table(target_bytes: int, seed: int) -> str:
    """A four-column Markdown table of about ``target_bytes``."""
    rng = random.Random(seed)
    rows = ["# A tall table", "", "| id | name | description | value |", "|---|---|---|---:|"]
    size = 0
    index = 0
    while size < target_bytes:
        line = (f"| {index} | {rng.choice(_WORDS)} {rng.choice(_WORDS)} | "
                f"{' '.join(rng.choices(_WORDS, k=4))} | {rng.randint(1, 99999)} |")
        rows.append(line)
        size += len(line) + 1
        index += 1
    return "\n".join(rows) + "\n"


def make_wide_table(columns: int, rows: int, seed: int) -> str:
    """A Markdown table ``columns`` cells wide with ``rows`` body rows."""
    rng = random.Random(seed)
    lines = ["# A wide table", "", "| " + " | ".join(f"c{i}" for i in range(columns)) + " |",
             "|" + "|".join("---" for _ in range(columns)) + "|"]
    for _ in range(rows):
        lines.append("| " + " | ".join(str(rng.randint(0, 999)) for _ in range(columns)) + " |")
    return "\n".join(lines) + "\n"


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
                    if screen.query_one(ArticleView).is_ready:
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


def _run(path: Path, mode: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(path), "--mode", mode]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate the tables, measure each against the sample, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="open", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.mode)
        return
    with tempfile.TemporaryDirectory() as scratch:
        files = {"sample article": SAMPLE}
        generated = {
            "tall table": make_tall_table(5_700_000, 1),
            "wide table": make_wide_table(20_000, 10, 2),
            "Markdown prose": make_text(5 * 1024 * 1024, 3, "# Five Megabytes"),
        }
        for name, text in generated.items():
            path = Path(scratch) / f"{name.replace(' ', '-')}.md"
            path.write_text(text, encoding="utf-8")
            files[name] = path
        results: dict[str, dict[str, list[dict[str, float]]]] = {
            name: {"list": [], "open": []} for name in files
        }
        for _ in range(args.runs):  # interleaved so machine noise hits every file alike
            for name, path in files.items():
                for mode in ("list", "open"):
                    results[name][mode].append(_run(path, mode))
        sizes = {name: path.stat().st_size for name, path in files.items()}
    base = {mode: statistics.median(r["seconds"] for r in results["sample article"][mode])
            for mode in ("list", "open")}
    print(f"median of {args.runs} runs; ratios against the sample article in this run")
    print(f"{'file':<16} {'size':>9} {'list s':>8} {'ratio':>7} {'open s':>8} {'ratio':>7} "
          f"{'peak MB':>8}")
    for name in files:
        row = results[name]
        listed = statistics.median(r["seconds"] for r in row["list"])
        opened = statistics.median(r["seconds"] for r in row["open"])
        rss = max(r["rss"] for r in row["list"] + row["open"])
        print(f"{name:<16} {sizes[name] / 1e6:7.2f}MB {listed:8.3f} {listed / base['list']:7.1f} "
              f"{opened:8.3f} {opened / base['open']:7.2f} {rss:8.1f}")


if __name__ == "__main__":
    main()
