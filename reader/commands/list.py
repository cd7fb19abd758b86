"""``postil list``: print the library's articles (or JSON for scripts)."""

from __future__ import annotations

import argparse
from typing import Any

from annotations.quote_only import MARK, QuoteOnlySource
from reader.article import ArticleMeta
from reader.cli import Context
from reader.commands.common import reading_state
from reader.library import scan
from reader.reading_progress import format_duration, format_percent
from reader.terminal_output import print_json

HELP = "list the articles in the library"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``list`` options."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to list")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")


def article_record(meta: ArticleMeta, highlights: int, progress: float) -> dict[str, Any]:
    """The JSON object ``postil list --json`` prints for one article (books say more)."""
    record: dict[str, Any] = {
        "id": meta.id,
        "path": meta.path,
        "title": meta.title,
        "author": meta.author,
        "dek": meta.dek,
        "words": meta.words,
        "reading_minutes": meta.reading_minutes,
        "highlights": highlights,
        "progress": round(progress, 4),
        "error": meta.error,
        "format": meta.format,
        "quote_only": False,
    }
    if meta.format == "epub":
        record.update(
            {
                "date": meta.date,
                "tags": list(meta.tags),
                "language": meta.language,
                "publisher": meta.publisher,
                "identifier": meta.identifier,
                "series": meta.series,
                "series_index": meta.series_index,
                "creators": [dict(creator) for creator in meta.creators],
            }
        )
    return record


def quote_only_record(source: QuoteOnlySource) -> dict[str, Any]:
    """The JSON object ``postil list --json`` prints for a quote-only source (no ``path``)."""
    return {
        "id": "",
        "path": None,
        "title": source.display_title,
        "author": source.author,
        "highlights": len(source.highlights),
        "quote_only": True,
        "source": {
            "title": source.title,
            "author": source.author,
            "url": source.url,
            "imported_from": source.origin,
        },
    }


def run(args: argparse.Namespace, context: Context) -> int:
    """List articles with their reading progress and highlight counts."""
    source = context.library_source(args.paths)
    articles = scan(source)
    state = reading_state(context)
    records = [
        article_record(meta, state.highlights(meta), state.progress(meta)) for meta in articles
    ]
    # The whole library lists its quote-only sources too (imported books not in it yet).
    sources = [] if args.paths else state.quote_only
    if args.json:
        print_json([*records, *(quote_only_record(source) for source in sources)])
        return 0
    if source.is_sample:
        print("(no articles of your own yet: showing the bundled sample; "
              "add some with `postil add`)")
    for record in records:
        if record["error"]:
            print(f"{record['title']}  [unreadable: {record['error']}]  {record['path']}")
            continue
        author = f" — {record['author']}" if record["author"] else ""
        print(
            f"{record['title']}{author}  ({record['words']} words, "
            f"{format_duration(record['reading_minutes'])}, "
            f"{format_percent(record['progress'], none='0%')} read, "
            f"{record['highlights']} highlights)  {record['path']}"
        )
    for imported in sources:
        author = f" — {imported.author}" if imported.author else ""
        print(f"{imported.display_title}{author}  [{MARK}: {imported.description}]")
    return 0
