"""``postil search``: typo-tolerant passage search over the library (or given files).

``postil search QUERY [PATH...] [--limit N] [--json]`` prints ranked passages;
``postil search --batch FILE [PATH...]`` reads one query per line of FILE (``-``: stdin) and
prints one JSON object per line: ``{"query": ..., "results": [...]}``.

Each result object has ``path``, ``title``, ``score`` (0-100), ``start`` / ``end`` (the passage,
as character offsets into the article's canonical text), ``match_start`` / ``match_end`` (the
best-matching span) and ``text`` (the passage); results in EPUB books also have ``chapter``
(the title of the chapter the match is in).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from annotations.model import Annotation
from reader.cli import CommandError, Context
from reader.safe_read import MAX_BATCH_BYTES, read_regular_file, read_stdin_lines
from reader.sanitize import clean_line, is_clean
from reader.search import SearchHit, SearchIndex, library_index, quote_only_hits
from reader.search.chapters import with_chapters
from reader.terminal_output import err, json_text, print_json, write_trusted

HELP = "search the library's passages (typo-tolerant); --batch for scripts"

#: Show indexing progress on stderr when at least this many articles need (re)indexing.
PROGRESS_THRESHOLD = 20


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``search`` options."""
    parser.add_argument("query", nargs="?", metavar="QUERY", help="words to look for")
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders to search (default: library)"
    )
    parser.add_argument("--limit", type=_positive, default=10, metavar="N",
                        help="results per query (default: 10)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument(
        "--batch", metavar="FILE",
        help="read one query per line from FILE ('-' for stdin); prints JSON lines",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    """Search for ``QUERY`` (or every query of ``--batch``) and print the results."""
    paths: list[str] = list(args.paths)
    if args.batch is not None:
        if args.query is not None:
            paths.insert(0, args.query)
        queries = _read_batch(args.batch)
    elif args.query is None:
        raise CommandError("give a QUERY to search for, or --batch FILE", code=2)
    else:
        queries = None
    index = _ready_index(context, paths)
    imported = [] if paths else _quote_only(context)

    def search(query: str) -> list[SearchHit]:
        hits = with_chapters(index.search(query, args.limit))
        if imported:
            extra = quote_only_hits(imported, query, args.limit)
            hits = sorted([*hits, *extra], key=lambda hit: -hit.score)[: args.limit]
        return hits

    if queries is not None:
        for query in queries:
            hits = search(query)
            record = {"query": query, "results": [hit.to_json() for hit in hits]}
            sys.stdout.write(json_text(record) + "\n")
        sys.stdout.flush()
        return 0
    hits = search(args.query)
    if args.json:
        print_json([hit.to_json() for hit in hits])
        return 0
    if not hits:
        print("no matches", file=sys.stderr)
        return 0
    _print_hits(hits, sys.stdout)
    return 0


def _quote_only(context: Context) -> list[Annotation]:
    """The quote-only highlights (imported books not in the library): the library search
    finds them too. None when there is no database (a damaged one is reported)."""
    if not context.db_path.exists():
        return []
    try:
        store = context.open_store()
    except CommandError as error:
        err(f"warning: {error}")
        return []
    return [a for a in store.all_annotations() if a.quote_only]


def _ready_index(context: Context, paths: list[str]) -> SearchIndex:
    """Open the library's index and bring it up to date (progress on a terminal's stderr)."""
    for given in paths:
        if not Path(given).expanduser().exists():
            raise CommandError(f"no such file or folder: {given}")
    source = context.library_source(paths)
    article_paths = source.article_paths()
    index = library_index(source)
    show = sys.stderr.isatty()
    shown = False

    def progress(done: int, total: int) -> None:
        nonlocal shown
        if show and total >= PROGRESS_THRESHOLD and (done % 10 == 0 or done == total):
            write_trusted(sys.stderr, f"\rindexing {done}/{total} articles…")
            sys.stderr.flush()
            shown = True

    index.update(article_paths, progress=progress)
    if shown:
        write_trusted(sys.stderr, "\r\x1b[K")  # postil's own: clear the progress line
        sys.stderr.flush()
    index.save()
    return index


def _read_batch(name: str) -> Iterable[str]:
    """The lines of the batch file without their line ends; ``-``: stdin, line by line.

    The file is read at once (a FIFO or device is refused, so are files over
    :data:`~reader.safe_read.MAX_BATCH_BYTES`); standard input is answered as it arrives, up
    to the same cap.
    """
    if name == "-":
        return _stdin_queries()
    try:
        data = read_regular_file(Path(name), MAX_BATCH_BYTES)
    except FileNotFoundError:
        raise CommandError(f"batch file not found: {name}") from None
    except IsADirectoryError:
        raise CommandError(f"batch file is a directory: {name}") from None
    except OSError as error:
        raise CommandError(f"cannot read batch file {name}: {error.strerror or error}") from None
    return data.decode("utf-8", errors="replace").splitlines()


def _stdin_queries() -> Iterator[str]:
    try:
        for line in read_stdin_lines(MAX_BATCH_BYTES):
            yield line.decode("utf-8", errors="replace").rstrip("\r\n")
    except OSError as error:
        raise CommandError(
            f"cannot read the queries from standard input: {error.strerror or error}"
        ) from None


def _print_hits(hits: list[SearchHit], stream: TextIO) -> None:
    """Human-readable results: score, title, path and offset, then the snippet."""
    emphasise = stream.isatty() and not os.environ.get("NO_COLOR")
    width = 100
    for hit in hits:
        snippet, spans = hit.snippet(width)
        chapter = f" · {clean_line(hit.chapter)}" if hit.chapter else ""
        where = (f"quote-only, id {clean_line(hit.annotation_id[:8])}" if hit.quote_only
                 else f"{clean_line(hit.path)} @{hit.match_start}")
        print(f"{hit.score:5.1f}  {clean_line(hit.title)}{chapter}  ({where})", file=stream)
        if emphasise and is_clean(snippet):
            # Bold is postil's own escape sequence around text that is clean (same offsets).
            write_trusted(stream, f"       {_bold(snippet, spans)}\n")
        else:
            print(f"       {snippet}", file=stream)


def _bold(text: str, spans: list[tuple[int, int]]) -> str:
    parts: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor:
            continue
        parts.append(text[cursor:start])
        parts.append(f"\x1b[1m{text[start:end]}\x1b[22m")
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)
