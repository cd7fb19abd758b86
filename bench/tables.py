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
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import SAMPLE, measure_all, print_ratios  # noqa: E402
from bench.open import make_text  # noqa: E402

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


def main() -> None:
    """Generate the tables, measure each against the sample, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
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
        results = measure_all(files, args.runs)
        sizes = {name: path.stat().st_size for name, path in files.items()}
    print_ratios(results, sizes, args.runs)

if __name__ == "__main__":
    main()
