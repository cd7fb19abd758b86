"""``postil toc FILE [--json]``: print a book's table of contents.

Each entry has a ``title``, a nesting ``level`` (1 = top) and ``start``, the character offset
into the book's canonical text where the entry begins (the same offsets highlights and search
results use). Articles have no table of contents: their headings are listed instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reader.book import TocEntry
from reader.cli import CommandError, Context
from reader.document import BlockKind
from reader.json_output import dump_json
from reader.loading import ArticleError, load_article
from reader.sanitize import clean_line

HELP = "print a book's table of contents (title, level, start offset); --json for scripts"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``toc`` options."""
    parser.add_argument("file", metavar="FILE", help="an EPUB book (or an article)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of entries")


def run(args: argparse.Namespace, _context: Context) -> int:
    """Print the contents of ``FILE``."""
    path = Path(args.file).expanduser()
    try:
        article = load_article(path)
    except ArticleError as error:
        raise CommandError(f"{clean_line(args.file)}: {error}") from None
    if article.book is not None:
        entries = article.book.toc
    else:
        document = article.document
        entries = [
            TocEntry(clean_line(document.block_text(index)), block.level or 1, block.start)
            for index, block in enumerate(document.blocks)
            if block.kind is BlockKind.HEADING
        ]
    if args.json:
        dump_json([entry.to_json() for entry in entries], sys.stdout)
        return 0
    if not entries:
        print("(no table of contents)", file=sys.stderr)
        return 0
    for entry in entries:
        print(f"{'  ' * (entry.level - 1)}{clean_line(entry.title)}  @{entry.start}")
    return 0
