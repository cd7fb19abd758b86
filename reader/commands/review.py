"""``postil review``: today's spaced review of highlights (the domain is :mod:`annotations.review`).

On a terminal, ``postil review`` (without ``--json``, ``--answer``, ``--stats`` or ``--print``)
opens the app on the review screen; otherwise it prints today's batch, as readable text for a
cron mail or a tmux popup, or as JSON.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from annotations.model import normalize_tag
from annotations.review import (
    Answer,
    BatchItem,
    ReviewError,
    ReviewFilter,
    ReviewPolicy,
    Reviews,
    current_day,
)
from annotations.storage import StoreError
from reader.article_access import ArticleScope
from reader.cli import CommandError, Context
from reader.loading import ArticleError
from reader.sanitize import clean_line, clean_text
from reader.terminal_output import print_json

HELP = "today's spaced review of your highlights (--answer to record one, --stats)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``review`` options."""
    parser.add_argument("--tag", metavar="TAG", help="review only this tag's highlights")
    parser.add_argument("--article", metavar="PATH", help="review only this article's highlights")
    parser.add_argument("--limit", type=int, metavar="N",
                        help="highlights in today's batch (default: the review_per_day setting)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", type=_day,
                        help="the date the scheduler uses (for scripts and tests)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--print", action="store_true", dest="print_batch",
                        help="print the batch even on a terminal (instead of opening the app)")
    parser.add_argument("--answer", nargs=2, metavar=("ID", "ANSWER"),
                        help="record an answer: again, hard, good, easy, master or discard")
    parser.add_argument("--stats", action="store_true",
                        help="due today, reviewed today, streak, total, mastered, discarded")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _theme(args: argparse.Namespace) -> ReviewFilter:
    tag = normalize_tag(args.tag) if args.tag else None
    path = None
    if args.article:
        path = os.path.normpath(os.path.abspath(os.path.expanduser(args.article)))
    return ReviewFilter(tag=tag, path=path)


def _reviews(context: Context) -> Reviews:
    from reader.config import load_settings

    settings = load_settings(context.config_path).settings
    policy = ReviewPolicy(per_day=settings.review_per_day,
                          new_per_day=settings.review_new_per_day)
    return Reviews(context.open_store(), policy)


def run(args: argparse.Namespace, context: Context) -> int:
    """Print the batch, record an answer, or print the stats."""
    if args.limit is not None and not 0 <= args.limit <= 10_000:
        raise CommandError("--limit must be between 0 and 10000", code=2)
    if args.answer is None and not args.stats and not args.json and not args.print_batch \
            and sys.stdout.isatty() and sys.stdin.isatty():
        return _open_app(args, context)
    try:
        reviews = _reviews(context)
        if args.answer is not None:
            return _answer(reviews, args)
        if args.stats:
            return _stats(reviews, args)
        scope = ArticleScope.of(context.library_source(),
                                extra=[args.article] if args.article else [])
        return _batch(reviews, args, scope)
    except ReviewError as error:
        raise CommandError(clean_line(str(error))) from None
    except StoreError as error:
        raise CommandError(clean_line(str(error))) from None


def _answer(reviews: Reviews, args: argparse.Namespace) -> int:
    ident, answer = args.answer
    if answer not in Answer._value2member_map_:
        raise CommandError(f"unknown answer {clean_line(answer)!r}: use again, hard, good, "
                           "easy, master or discard", code=2)
    result = reviews.answer(ident, answer, today=args.today)  # durable before it returns
    if args.json:
        print_json({"id": ident, "answer": answer,
                    "next_due": result.next_due.isoformat() if result.next_due else None,
                    "status": result.card.status.value})
    elif result.next_due is None:
        print(f"{clean_line(ident)}: {result.card.status.value}")
    else:
        print(f"{clean_line(ident)}: {answer}, next review {result.next_due.isoformat()}")
    return 0


def _stats(reviews: Reviews, args: argparse.Namespace) -> int:
    stats = reviews.stats(today=args.today)
    record = {"due_today": stats.due_today, "reviewed_today": stats.reviewed_today,
              "streak": stats.streak, "total": stats.total, "mastered": stats.mastered,
              "discarded": stats.discarded}
    if args.json:
        print_json(record)
    else:
        for key, value in record.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0


def _title(path: str, titles: dict[str, str], scope: ArticleScope) -> str:
    """The article's title (read only from inside the library: a stored path is data), else
    one made from its file name."""
    if path not in titles:
        try:
            titles[path] = clean_line(scope.load(path).meta.title)
        except (ArticleError, RecursionError, ValueError):
            titles[path] = clean_line(" ".join(
                Path(path).stem.replace("_", " ").replace("-", " ").split()) or path)
    return titles[path]


def _item_title(item: BatchItem, titles: dict[str, str], scope: ArticleScope) -> str:
    """The title of the highlight's article, or of its imported book when quote-only."""
    source = item.annotation.source
    if item.quote_only and source is not None:
        by = f" by {source.author}" if source.author else ""
        return clean_line(f"{source.title or source.url or '(untitled)'}{by}")
    return _title(item.annotation.path, titles, scope)


def batch_record(item: BatchItem, title: str) -> dict[str, Any]:
    """One highlight of the batch as ``--json`` prints it."""
    annotation = item.annotation
    return {
        "id": annotation.id,
        "quote": annotation.quote.exact,
        "note": annotation.note,
        "tags": list(annotation.tags),
        "path": annotation.path,
        "title": title,
        "due": item.due.isoformat(),
        "new": item.is_new,
        "orphaned": item.orphaned,
        "quote_only": item.quote_only,
    }


def _batch(reviews: Reviews, args: argparse.Namespace, scope: ArticleScope) -> int:
    items = reviews.batch(today=args.today, theme=_theme(args), limit=args.limit)
    titles: dict[str, str] = {}
    if args.json:
        print_json([batch_record(item, _item_title(item, titles, scope)) for item in items])
        return 0
    day = current_day(args.today).isoformat()
    if not items:
        print(f"Nothing to review today ({day}).")
        return 0
    print(f"Review for {day}: {len(items)} highlight{'s' if len(items) != 1 else ''}")
    for number, item in enumerate(items, 1):
        annotation = item.annotation
        print()
        quote = " ".join(clean_text(annotation.quote.exact).split())
        print(f"{number}. “{quote}”")
        source = _item_title(item, titles, scope)
        marks = [mark for mark, on in (("new", item.is_new),
                                       ("quote-only: not in the library", item.quote_only),
                                       ("orphaned: the text is gone", item.orphaned)) if on]
        print(f"   — {source}" + (f" ({', '.join(marks)})" if marks else ""))
        if annotation.note:
            print(f"   note: {' '.join(clean_text(annotation.note).split())}")
        if annotation.tags:
            print("   tags: " + " ".join(f"#{clean_line(tag)}" for tag in annotation.tags))
        print(f"   answer: postil review --answer {clean_line(annotation.id)} "
              "again|hard|good|easy")
    return 0


def _open_app(args: argparse.Namespace, context: Context) -> int:
    from reader.ui.app import PostilApp

    theme = _theme(args)
    app = PostilApp(db_path=context.db_path, library=context.library_source(),
                    config_path=context.config_path, start_review=theme,
                    review_today=args.today)
    app.run()
    return app.return_code or 0
