"""``postil refresh [PATH...] [--older-than DAYS]``: fetch web articles again, keep highlights.

Every web article postil fetched (front matter with ``source`` and ``fetched``) under the given
files and folders — the whole library when none are given — is fetched again with a
conditional request; a changed page replaces the file atomically and its highlights re-anchor,
the command printing per article how many were kept exact, moved, or orphaned (orphans are
kept). An unchanged page rewrites nothing; an error leaves the article as it was. The work is
:mod:`reader.refresh`; fetching is concurrent and polite per host (:mod:`reader.web.batch`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reader.cli import CommandError, Context
from reader.commands.common import add_fetch_options, fetch_options
from reader.loading import ArticleError
from reader.sanitize import clean_line

HELP = "fetch web articles again (highlights re-anchored; unchanged pages untouched)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``refresh`` options."""
    parser.add_argument(
        "paths", nargs="*", metavar="PATH",
        help="web articles or folders to refresh (default: the whole library)",
    )
    parser.add_argument(
        "--older-than", type=float, metavar="DAYS", default=None,
        help="only articles fetched more than DAYS days ago",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="also refresh articles whose text was edited here (those edits are replaced)",
    )
    add_fetch_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    """Refresh the web articles; one line per article; exit 1 if any failed."""
    from reader.commands.add import annotation_store, refresh_line
    from reader.progress import ProgressLine
    from reader.refresh import apply_update, fetch_update, is_older_than, read_origin
    from reader.web.batch import host_of, run_batch
    from reader.web.fetch import Fetcher, FetchError

    if args.older_than is not None and not args.older_than >= 0:
        raise CommandError("--older-than must be a number of days, 0 or more")
    options = fetch_options(args)
    explicit = bool(args.paths)
    failures = 0
    candidates: list[tuple[Path, str]] = []
    for path in _article_paths(args.paths, context):
        try:
            origin, _text = read_origin(path)
        except ArticleError as error:
            if explicit:
                print(f"postil: cannot refresh {clean_line(str(path))}: {error}",
                      file=sys.stderr)
                failures += 1
            continue
        if args.older_than is not None and not is_older_than(origin, args.older_than):
            continue
        candidates.append((path, origin.source))
    if not candidates:
        if not failures:
            print("no web articles to refresh", file=sys.stderr)
        return 1 if failures else 0
    store = annotation_store(context)
    bar = ProgressLine(sys.stderr, len(candidates), "pages")
    try:
        with Fetcher(options) as fetcher:
            outcomes = run_batch(
                candidates,
                lambda item, cancelled: fetch_update(item[0], fetcher, force=args.force,
                                                     cancelled=cancelled),
                host=lambda item: host_of(item[1]), jobs=args.jobs,
                on_done=lambda done, _total: bar.update(done),
            )
            for outcome in outcomes:
                path = outcome.item[0]
                where = clean_line(str(path))
                try:
                    if outcome.error is not None:
                        raise outcome.error
                    assert outcome.value is not None
                    bar.print(refresh_line(apply_update(outcome.value, store)), sys.stdout)
                except FetchError as error:
                    bar.print(f"postil: cannot refresh {where}: {error.url}: {error.reason} "
                              "(stored copy kept)", sys.stderr)
                    failures += 1
                except ArticleError as error:
                    bar.print(f"postil: cannot refresh {where}: {clean_line(str(error))}",
                              sys.stderr)
                    failures += 1
    finally:
        bar.close()
    return 1 if failures else 0


def _article_paths(given: list[str], context: Context) -> list[Path]:
    """The article files to look at: under ``given`` paths, else the whole library."""
    from reader.library import LibrarySource, MetadataCache

    if given:
        found: list[Path] = []
        for name in given:
            path = Path(name).expanduser().absolute()
            if path.is_dir():
                found.extend(LibrarySource([path]).article_paths())
            elif path.is_file():
                found.append(path)
            elif path.exists():
                raise CommandError(f"{name}: not a regular file or folder")
            else:
                raise CommandError(f"{name}: no such file or folder")
        return found
    source = context.library_source()
    if source.is_sample:
        return []
    cache = MetadataCache()
    paths: list[Path] = []
    for path in source.article_paths():
        try:
            cached = cache.lookup(path, path.stat())
        except OSError:
            continue
        if cached is not None and not cached.url:
            continue  # known not to come from the web: no need to read it
        paths.append(path)
    return paths
