"""Benchmark: opening cost of the reading view is independent of the article's size.

Generates a ~3 MB plain-text book and a ~4 KB article (or takes ``--big FILE --small FILE``),
then, each in a fresh process (``--runs`` times, median reported), measures the time from app
start to the first paint of article text, and for the big one the time to jump to the end (``G``)
and the peak memory (RSS). Prints the big/small ratio (target <= 1.3) and memory (target < 250 MB).

It also generates an EPUB of at least 1.5 MB (``--epub FILE`` to use your own) and prints its
first paint against the bundled sample article's, measured in the same run (target <= 1.3).

Run: ``.venv/bin/python bench/open.py``
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

_SYLLABLES = (
    "ka ra to mi ne lo sa vi du pe ri an el or in ta co mu li be st re de ve ma "
    "no si la tu ge fo ha pi ro ce"
).split()


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((1, 1, 2, 2, 3))))


def make_text(target_bytes: int, seed: int, title: str) -> str:
    """Generate prose-like text of about ``target_bytes`` with a title and paragraphs."""
    rng = random.Random(seed)
    vocabulary = [_word(rng) for _ in range(5000)]
    parts = [title, "", "A generated book for postil's benchmarks.", "Bench Marker", ""]
    size = sum(len(p) + 1 for p in parts)
    while size < target_bytes:
        sentences = []
        for _ in range(rng.randint(1, 8)):
            words = rng.choices(vocabulary, k=rng.randint(5, 25))
            sentences.append(" ".join(words).capitalize() + rng.choice(".....?!"))
        paragraph = " ".join(sentences)
        parts.extend([paragraph, ""])
        size += len(paragraph) + 2
    return "\n".join(parts)


async def _measure(path: str, jump: bool) -> dict[str, float]:
    from reader.library import LibrarySource
    from reader.ui.app import PostilApp
    from reader.ui.screens.reading import ReadingScreen
    from reader.ui.widgets.article_view import ArticleView

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["POSTIL_CACHE"] = scratch
        app = PostilApp(
            db_path=Path(scratch) / "db.json",
            library=LibrarySource([Path(path)]),
            config_path=Path(scratch) / "config.toml",
        )
        async with app.run_test(size=(100, 40)) as pilot:
            while True:
                screen = app.screen
                if isinstance(screen, ReadingScreen):
                    view = screen.query_one(ArticleView)
                    if view.is_ready and view.document.text:
                        break
                await asyncio.sleep(0.001)
            # is_ready is set from a call_after_refresh: the text has been painted.
            first_paint = time.perf_counter() - start
            result = {"first_paint": first_paint}
            if jump:
                reading = app.screen
                assert isinstance(reading, ReadingScreen)
                while reading.article is None or not view.is_ready:
                    await asyncio.sleep(0.001)
                result["full_load"] = time.perf_counter() - start
                view = app.screen.query_one(ArticleView)
                before = time.perf_counter()
                await pilot.press("G")
                while view.scroll_y < view.max_scroll_y:
                    await asyncio.sleep(0.001)
                await pilot.pause()
                result["jump_end"] = time.perf_counter() - before
        result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def make_epub(path: Path, min_bytes: int, seed: int) -> Path:
    """Write a generated EPUB 3 book of at least ``min_bytes`` (compressed) to ``path``."""
    import html
    import zipfile

    from tests.support.epub_builder import BookSpec, Chapter, write_epub

    rng = random.Random(seed)
    chapters: list[Chapter] = []
    number = 0
    while True:
        number += 1
        text = make_text(120 * 1024, seed + number, f"Chapter {number}")
        paragraphs = [p for p in text.split("\n\n") if p.strip()][1:]
        body = f"<h1>Chapter {number}</h1>" + "".join(
            f"<p>{html.escape(p)}</p>" for p in paragraphs
        )
        if rng.random() < 0.3:
            body += '<div class="poem"><div class="line">A line of verse</div>' \
                '<div class="line">and another one</div></div>'
        chapters.append(Chapter(f"chapter{number:03}.xhtml", body, f"Chapter {number}"))
        if number % 4 == 0:
            write_epub(path, BookSpec(title="The Generated EPUB", chapters=chapters,
                                      compression=zipfile.ZIP_DEFLATED))
            if path.stat().st_size >= min_bytes:
                return path


def _child(path: str, jump: bool) -> None:
    print(json.dumps(asyncio.run(_measure(path, jump))))


def _run_child(path: Path, jump: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(path)]
    if jump:
        command.append("--jump")
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate inputs (unless given), measure, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=Path, help="a large article (default: generated 3 MB)")
    parser.add_argument("--small", type=Path, help="a small article (default: generated 4 KB)")
    parser.add_argument("--epub", type=Path, help="an EPUB book (default: generated >= 1.5 MB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--jump", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.jump)
        return
    with tempfile.TemporaryDirectory() as scratch:
        big = args.big or Path(scratch) / "book.txt"
        small = args.small or Path(scratch) / "article.txt"
        if not args.big:
            big.write_text(make_text(3 * 1024 * 1024, 1, "The Generated Book"), encoding="utf-8")
        if not args.small:
            small.write_text(make_text(4 * 1024, 2, "A Short Article"), encoding="utf-8")
        epub = args.epub or make_epub(Path(scratch) / "book.epub", 1_600_000, 3)
        from reader.paths import seeds_dir

        sample = sorted(seeds_dir().iterdir())[0]
        big_mb, small_kb = big.stat().st_size / 1e6, small.stat().st_size / 1e3
        print(f"big:   {big_mb:.2f} MB  small: {small_kb:.1f} KB  "
              f"epub: {epub.stat().st_size / 1e6:.2f} MB  sample: {sample.name}")
        small_runs, big_runs, epub_runs, sample_runs = [], [], [], []
        for _ in range(args.runs):  # interleaved so machine noise hits all alike
            small_runs.append(_run_child(small, jump=False))
            big_runs.append(_run_child(big, jump=True))
            sample_runs.append(_run_child(sample, jump=False))
            epub_runs.append(_run_child(epub, jump=True))
    small_paint = statistics.median(r["first_paint"] for r in small_runs)
    big_paint = statistics.median(r["first_paint"] for r in big_runs)
    jump = statistics.median(r["jump_end"] for r in big_runs)
    rss = max(r["max_rss_mb"] for r in big_runs)
    print(f"first paint, small article: {small_paint * 1000:8.1f} ms (median of {args.runs})")
    print(f"first paint, 3 MB book:     {big_paint * 1000:8.1f} ms (median of {args.runs})")
    print(f"ratio big/small:            {big_paint / small_paint:8.2f}   (target <= 1.3)")
    full = statistics.median(r["full_load"] for r in big_runs)
    print(f"whole book parsed (bg):     {full * 1000:8.1f} ms after start")
    print(f"jump to end (G), big book:  {jump * 1000:8.1f} ms")
    print(f"peak RSS with the big book: {rss:8.1f} MB  (target < 250 MB)")
    sample_paint = statistics.median(r["first_paint"] for r in sample_runs)
    epub_paint = statistics.median(r["first_paint"] for r in epub_runs)
    epub_full = statistics.median(r["full_load"] for r in epub_runs)
    epub_rss = max(r["max_rss_mb"] for r in epub_runs)
    print(f"first paint, bundled sample: {sample_paint * 1000:7.1f} ms (median of {args.runs})")
    print(f"first paint, EPUB book:      {epub_paint * 1000:7.1f} ms (median of {args.runs})")
    print(f"ratio epub/sample:           {epub_paint / sample_paint:7.2f}   (target <= 1.3)")
    print(f"whole EPUB parsed (bg):      {epub_full * 1000:7.1f} ms after start")
    print(f"peak RSS with the EPUB:      {epub_rss:7.1f} MB")


if __name__ == "__main__":
    main()
