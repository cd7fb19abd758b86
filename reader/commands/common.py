"""Helpers shared by several subcommands."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from reader.cli import CommandError, Context
from reader.reading_state import ReadingState
from reader.terminal_output import err

if TYPE_CHECKING:
    from reader.web.fetch import FetchOptions


def reading_state(context: Context) -> ReadingState:
    """Load counts and positions; a damaged database is reported on stderr, not fatal here."""
    if not context.db_path.exists():
        return ReadingState()
    try:
        store = context.open_store()
    except CommandError as error:
        err(f"warning: {error}")
        return ReadingState()
    return ReadingState.of_store(store)


def relocated_articles(context: Context, missing: dict[str, str]) -> dict[str, str]:
    """Find moved or renamed articles again by their content id.

    ``missing`` maps a path that no longer exists to the article id stored with its
    annotations; the result maps such paths to where that article is now in the library.
    """
    if not missing:
        return {}
    from reader.library import scan

    wanted = {article_id: path for path, article_id in missing.items() if article_id}
    source = context.library_source()
    if source.is_sample:
        return {}  # the bundled samples are not where the user's articles moved to
    found: dict[str, str] = {}
    for meta in scan(source):
        old = wanted.get(meta.id)
        if old is not None and meta.error is None:
            found[old] = meta.path
    return found


def add_fetch_options(parser: argparse.ArgumentParser) -> None:
    """The options of commands that fetch web pages (``add``, ``refresh``)."""
    from reader.web.batch import DEFAULT_JOBS
    from reader.web.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT

    parser.add_argument(
        "--timeout", type=_positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
        help=f"connect and read timeout for web pages (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-size", type=_positive_float, default=DEFAULT_MAX_BYTES / (1024 * 1024),
        metavar="MB", help="largest page accepted, in megabytes (default "
        f"{DEFAULT_MAX_BYTES // (1024 * 1024)})",
    )
    parser.add_argument(
        "--jobs", type=int, default=DEFAULT_JOBS, metavar="N",
        help=f"pages fetched at once (default {DEFAULT_JOBS}; at most 4 per site)",
    )


def fetch_options(args: argparse.Namespace) -> FetchOptions:
    """The fetch options the command line asked for."""
    from reader.web.fetch import FetchOptions

    if args.jobs < 1:
        raise CommandError("--jobs must be at least 1")
    return FetchOptions(timeout=args.timeout, max_bytes=max(1, int(args.max_size * 1024 * 1024)))


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value
