"""Benchmark: 10,000 Kindle highlights imported against a 2,000-article library.

Generates (in a temporary folder) a library of 2,000 Markdown articles with titles and
authors, and a ``My Clippings.txt`` with 10,000 highlights: most quote their article with the
typography a Kindle writes (straight quotes and ``--`` where the article has curly quotes and
dashes), some are from books not in the library (quote-only), a few are revisions. Then runs
what ``postil import`` does, timing each step:

* parse the clippings;
* scan the library and match every highlight the way ``postil import`` does
  (:func:`reader.library_matching.source_matcher`: book by identity, title/author, then its
  long quotes in the search index; quotes anchored in the prose the search index holds, the
  article loaded only when that is not decisive). The library's metadata cache and search
  index are warm, as after starting postil (its background worker indexes the library) or
  ``postil search``; the cold first scan and indexing are printed, not counted, and so is
  the same match with no search index (every needed article loaded);
* plan the merge and write it to a fresh database in one batch;
* the same import again (everything a duplicate).

Goal (issue 18): the import (parse + match + write) in at most 10 s. Baseline, measured in the
same run: reading every article's text once (``load_article`` of the 2,000 files), what a
matcher without the index must do at least; the import is printed as a ratio to it.

Run: ``.venv/bin/python bench/import.py [--articles 2000] [--highlights 10000]``
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.importers import kindle  # noqa: E402
from annotations.storage import AnnotationStore  # noqa: E402
from reader.importing import import_changes, plan_import  # noqa: E402
from reader.library import LibrarySource, scan  # noqa: E402
from reader.library_matching import source_matcher  # noqa: E402
from reader.loading import load_article  # noqa: E402
from reader.search import library_index  # noqa: E402

GOAL_SECONDS = 10.0

ELSEWHERE = "tide quarry glacier comet saddle velvet anvil cipher lagoon tundra".split()
WORDS = (
    "garden morning light river stone window quiet letter winter summer road house "
    "memory silence field forest harbour lantern station bridge orchard meadow city "
    "evening candle paper ink margin reader author chapter story voice thought"
).split()


def sentence(rng: random.Random) -> str:
    """A sentence with a curly-quoted word and a dash (typography a Kindle flattens)."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 22))]
    words[3] = f"“{words[3]}”"
    words[8] = words[8] + " —"
    return " ".join(words).capitalize() + "."


def make_library(folder: Path, count: int, rng: random.Random) -> list[list[str]]:
    """Write ``count`` articles; return each article's sentences."""
    books = []
    for number in range(count):
        sentences = [sentence(rng) for _ in range(40)]
        body = "\n\n".join(" ".join(sentences[i : i + 4]) for i in range(0, 40, 4))
        (folder / f"article-{number:04}.md").write_text(
            f"---\ntitle: Book number {number} of the {WORDS[number % len(WORDS)]}\n"
            f"author: Author {number % 400}\n---\n\n{body}\n",
            encoding="utf-8",
        )
        books.append(sentences)
    return books


def kindle_text(quote: str) -> str:
    """What a Kindle writes for a quote (straight quotes, ``--`` for dashes)."""
    return quote.replace("“", '"').replace("”", '"').replace("—", "--")


def make_clippings(books: list[list[str]], count: int, rng: random.Random) -> str:
    """A ``My Clippings.txt`` of ``count`` highlights."""
    parts = []
    for number in range(count):
        book = rng.randrange(len(books))
        if number % 10 == 9:  # not in the library: quote-only (long quotes: searched)
            title = f"Elsewhere {book}"
            quote = f"A line from elsewhere, number {number}: " + " ".join(
                rng.choice(ELSEWHERE) for _ in range(12)
            ) + "."
        else:
            title = f"Book number {book} of the {WORDS[book % len(WORDS)]}"
            quote = kindle_text(rng.choice(books[book]))
        location = 100 + number * 3
        parts.append(
            f"{title} (Author {book % 400})\n"
            f"- Your Highlight on page {number % 300} | Location {location}-{location + 2} | "
            f"Added on Monday, 3 March 2025 10:15:00\n\n{quote}\n==========\n"
        )
    return "".join(parts)


def timed(label: str, action, results: dict[str, float]):  # type: ignore[no-untyped-def]
    """Run ``action``, print and record its time."""
    began = time.perf_counter()
    value = action()
    elapsed = time.perf_counter() - began
    results[label] = elapsed
    print(f"  {label:<52} {elapsed:7.2f} s")
    return value


def main() -> None:
    """Generate, import twice, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--highlights", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(18)
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        library = root / "library"
        library.mkdir()
        os.environ["POSTIL_CACHE"] = str(root / "cache")
        books = make_library(library, args.articles, rng)
        text = make_clippings(books, args.highlights, rng)
        source = LibrarySource([library])
        results: dict[str, float] = {}
        print(f"{args.highlights} Kindle highlights, {args.articles}-article library")
        timed("baseline: read every article's text once",
              lambda: [load_article(p) for p in source.article_paths()], results)
        parsed = timed("parse My Clippings.txt", lambda: kindle.parse(text), results)

        timed("(not counted) first scan of the library, cold metadata cache",
              lambda: scan(source), results)

        def build_index() -> None:
            index = library_index(source)
            index.update(source.article_paths())
            index.save()

        timed("(not counted) index the library (postil's background worker)",
              build_index, results)
        match_label = "scan the library + match and anchor every highlight"
        report = timed(match_label,
                       lambda: source_matcher(source).match(parsed.highlights), results)
        timed("(not counted) the same match with no search index",
              lambda: source_matcher(source, use_index=False).match(parsed.highlights),
              results)
        store = AnnotationStore(root / "db.json")

        def write():  # type: ignore[no-untyped-def]
            existing = store.all_annotations()
            plan = plan_import(report.annotations, existing)
            store.apply_changes(import_changes(plan, existing))
            return plan

        plan = timed("plan + write (one batch)", write, results)
        again = timed("import again (plan against 10,000 stored)",
                      lambda: plan_import(report.annotations, store.all_annotations()), results)
        total = results["parse My Clippings.txt"] + results[match_label] + results[
            "plan + write (one batch)"
        ]
        baseline = results["baseline: read every article's text once"]
        verdict = "met" if total <= GOAL_SECONDS else "NOT met"
        print(f"  {'import total (parse + match + write)':<52} {total:7.2f} s")
        print(f"  goal: import total <= {GOAL_SECONDS:.0f} s: {verdict}")
        print(f"  ratio import / baseline: {total / baseline:.2f}x")
        print(
            f"  matched {report.matched}, orphans {report.orphaned}, quote-only "
            f"{report.quote_only}, written {len(plan.writes)}, revisions {parsed.revisions}; "
            f"second import: {len(again.new)} new, {again.duplicates} duplicates"
        )


if __name__ == "__main__":
    main()
