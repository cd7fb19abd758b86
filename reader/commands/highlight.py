"""``postil highlight``: highlight a quote in an article from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from annotations.model import Annotation, Color
from reader.cli import CommandError, Context
from reader.commands.annotation_records import annotation_record
from reader.loading import ArticleError, load_article
from reader.sanitize import clean_line, clean_text, normalize_newlines

HELP = "highlight a quote in an article (with an optional note, tags and colour)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``highlight`` options."""
    parser.add_argument("file", metavar="FILE", help="the article")
    parser.add_argument("--quote", required=True, metavar="TEXT",
                        help="the passage to highlight (found exactly, else approximately)")
    parser.add_argument("--note", default="", metavar="TEXT", help="a note (Markdown)")
    parser.add_argument("--tag", action="append", default=[], metavar="TAG",
                        help="a tag; repeatable")
    parser.add_argument("--color", default=Color.YELLOW.value,
                        choices=[color.value for color in Color], help="highlight colour")
    parser.add_argument("--json", action="store_true", help="print the stored annotation as JSON")


def run(args: argparse.Namespace, context: Context) -> int:
    """Find the quote, store the annotation durably, print its id (or JSON)."""
    from annotations.anchoring import find_quote

    path = Path(args.file).expanduser()
    try:
        article = load_article(path)
    except ArticleError as error:
        raise CommandError(f"{args.file}: {error}") from None
    found = find_quote(article.text, args.quote)
    if found is None:
        raise CommandError(f"quote not found in {article.meta.path}: nothing was saved")
    start, end, _status = found
    annotation = Annotation.create(
        article_id=article.id,
        path=article.meta.path,
        text=article.text,
        start=start,
        end=end,
        color=args.color,
        note=clean_text(normalize_newlines(args.note)),
        tags=[clean_line(tag) for tag in args.tag],
    )
    store = context.open_store()
    try:
        store.add(annotation)  # fsynced before it returns
    except Exception as error:
        raise CommandError(str(error)) from None
    if args.json:
        json.dump(annotation_record(annotation, article.meta.title), sys.stdout,
                  ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(annotation.id)
    return 0
