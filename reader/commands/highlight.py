"""``postil highlight``: highlight a quote in an article from the shell."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from annotations.model import Annotation, Color
from reader.article_access import ArticleScope
from reader.cli import CommandError, Context
from reader.commands.annotation_records import annotation_record
from reader.loading import ArticleError, load_article
from reader.safe_read import MAX_NOTE_BYTES, read_stdin
from reader.sanitize import clean_line, clean_text, normalize_newlines
from reader.terminal_output import print_json

HELP = "highlight a quote in an article (with an optional note, tags and colour)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``highlight`` options."""
    parser.add_argument("file", metavar="FILE", help="the article")
    parser.add_argument("--quote", required=True, metavar="TEXT",
                        help="the passage to highlight (found exactly, else approximately)")
    parser.add_argument("--note", default="", metavar="TEXT",
                        help="a note (Markdown); - reads it from standard input")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG",
                        help="a tag; repeatable")
    parser.add_argument("--color", default=Color.YELLOW.value,
                        choices=[color.value for color in Color], help="highlight colour")
    parser.add_argument("--json", action="store_true", help="print the stored annotation as JSON")


def argument_text(value: str) -> str:
    """A command-line argument as text: bytes that were not UTF-8 become U+FFFD.

    Python keeps such bytes as lone surrogates, which cannot be saved as JSON text.
    """
    return os.fsencode(value).decode("utf-8", errors="replace")


def read_note(value: str) -> str:
    """A note from the command line (``-``: standard input), cleaned of control characters."""
    if value == "-":
        try:
            value = read_stdin(MAX_NOTE_BYTES).decode("utf-8", errors="replace")
        except OSError as error:
            reason = error.strerror or str(error)
            raise CommandError(f"cannot read the note from standard input: {reason}") from None
    return clean_text(normalize_newlines(argument_text(value))).strip("\n")


def run(args: argparse.Namespace, context: Context) -> int:
    """Find the quote, store the annotation durably, print its id (or JSON)."""
    from annotations.anchoring import find_quote

    quote = argument_text(args.quote)
    if not quote.strip():
        raise CommandError("the --quote is empty: give the passage to highlight")
    note = read_note(args.note)
    path = Path(args.file).expanduser()
    try:
        article = load_article(path)
    except ArticleError as error:
        raise CommandError(f"{clean_line(args.file)}: {error}") from None
    found = find_quote(article.text, quote)
    if found is None:
        raise CommandError(f"quote not found in {clean_line(article.meta.path)}: "
                           "nothing was saved")
    start, end, _status = found
    annotation = Annotation.create(
        article_id=article.id,
        path=article.meta.path,
        text=article.text,
        start=start,
        end=end,
        color=args.color,
        note=note,
        tags=[clean_line(argument_text(tag)) for tag in args.tag],
        chapter=article.book.chapter_title(start) if article.book else "",
    )
    store = context.open_store(load=False)  # adding needs no parse of the database
    try:
        store.add(annotation)  # fsynced before it returns
    except Exception as error:
        raise CommandError(str(error)) from None
    if args.json:
        print_json(annotation_record(annotation, article.meta.title))
    else:
        print(annotation.id)
    # A hint for people (scripts calling highlight in a loop get a quiet stderr).
    if sys.stderr.isatty() and not ArticleScope.of(context.library_source()).allows(
        article.meta.path
    ):
        print(f"postil: note: {clean_line(article.meta.path)} is not in your library: "
              "`postil notes` and `postil export` list its highlights without opening it "
              "(name it on their command line, or add it with `postil add`)", file=sys.stderr)
    return 0
