"""``postil add FILE|URL... [--move] [--from FILE|-]``: put articles into the library folder.

Files are copied (``--move`` removes them after), web pages fetched; how articles are stored,
named and recognised as duplicates is :mod:`reader.adding` (pages: :mod:`reader.web.page`).
``-`` reads an article from standard input (``--title`` names it); ``--from FILE`` (or ``-``)
reads one URL per line (blank lines and ``#`` comments skipped). Pages are fetched concurrently
(:mod:`reader.web.batch`), with a progress bar on a terminal and one result line per URL, in the
order given. The exit status is 1 if anything could not be added.

Where articles go is :func:`reader.adding.add_target`: the library's first folder (``--library``,
``POSTIL_LIBRARY`` or the settings), else :func:`reader.paths.default_library_dir`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader.adding import (
    STDIN,
    AddResult,
    LibraryIndex,
    add_article,
    add_target,
    add_text,
    library_index,
    store_web_article,
)
from reader.cli import CommandError, Context
from reader.commands.common import add_fetch_options, fetch_options
from reader.loading import ArticleError, decode_bytes
from reader.safe_read import (
    MAX_ARTICLE_BYTES,
    MAX_URL_LIST_BYTES,
    RefusedFile,
    read_regular_file,
    read_stdin,
)
from reader.sanitize import clean_line
from reader.terminal_output import err

if TYPE_CHECKING:
    from annotations.storage import AnnotationStore
    from reader.refresh import RefreshResult, Update
    from reader.web.fetch import Fetcher
    from reader.web.page import WebArticle

HELP = "add article files or web pages to your library (pages are stored as Markdown)"

_FORMATS = ("auto", "txt", "md", "html")


@dataclass(slots=True)
class _Url:
    """A web address given on the command line or in a --from list."""

    text: str


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``add`` options."""
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE|URL",
        help="article files or folders (.txt, .md, .html), web pages (http:// or https://); "
        "- reads an article from standard input",
    )
    parser.add_argument(
        "--from", dest="from_list", metavar="FILE|-",
        help="read URLs from FILE (or standard input), one per line; # comments skipped",
    )
    parser.add_argument(
        "--refresh", action="store_true",
        help="a web page already in the library is fetched again and updated (highlights kept)",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="with --refresh: also when its text was edited here (those edits are replaced)",
    )
    parser.add_argument(
        "--move", action="store_true", help="remove each source file once it is in the library"
    )
    parser.add_argument(
        "--title", help="the article's title (for standard input or a single file)"
    )
    parser.add_argument(
        "--format",
        choices=_FORMATS,
        default="auto",
        help="format of standard input (default: guessed from the text)",
    )
    add_fetch_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    """Add every given article; report each one; exit 1 if any could not be added."""
    library = add_target(context.library_source())
    items = _expand(args.files)
    if args.from_list is not None:
        items.extend(_Url(url) for url in read_url_list(args.from_list))
    if not items:
        raise CommandError("nothing to add: give FILE or URL arguments, or --from FILE")
    if args.title is not None and len(items) != 1:
        raise CommandError("--title names one article: give exactly one FILE, URL (or -)")
    if sum(1 for source in items if source == STDIN) + (args.from_list == STDIN) > 1:
        raise CommandError("standard input (-) can be read only once")
    options = fetch_options(args)
    index = library_index([library, *context.library])
    known = index.fingerprints
    failures = 0
    for source in items:
        if isinstance(source, _Url):
            continue
        name = "standard input" if source == STDIN else str(source)
        try:
            if source == STDIN:
                try:
                    data = read_stdin(MAX_ARTICLE_BYTES)
                except RefusedFile as error:
                    raise ArticleError(str(error)) from None
                result = add_text(
                    decode_bytes(data), library, known, source=STDIN, title=args.title,
                    fmt=args.format,
                )
            else:
                result = add_article(
                    Path(source), library, known, title=args.title, move=args.move
                )
        except ArticleError as error:
            err(f"cannot add {name}: {error}")
            failures += 1
            continue
        _report(result, name)
    urls = [source.text for source in items if isinstance(source, _Url)]
    if urls:
        from reader.web.fetch import Fetcher

        with Fetcher(options) as fetcher:
            failures += _add_pages(urls, library, index, fetcher, args, context)
    _attach_quote_only(context)
    return 1 if failures else 0


def _attach_quote_only(context: Context) -> None:
    """Imported quote-only highlights whose book was just added attach to it (and we say so)."""
    if not context.db_path.exists():
        return
    from reader.library_matching import attach_pending, attached_lines

    try:
        store = context.open_store()
        attached = attach_pending(store, context.library_source())
    except (CommandError, OSError) as error:
        print(f"postil: warning: quote-only highlights not attached: {error}", file=sys.stderr)
        return
    for line in attached_lines(attached):
        print(f"postil: {clean_line(line)}")


def read_url_list(name: str) -> list[str]:
    """The URLs of a --from list: one per line, blank lines and ``#`` comments skipped."""
    try:
        if name == STDIN:
            data = read_stdin(MAX_URL_LIST_BYTES)
        else:
            path = Path(name).expanduser()
            if not path.is_file():
                raise CommandError(f"--from {name}: not a file")
            data = read_regular_file(path, MAX_URL_LIST_BYTES)
    except OSError as error:
        raise CommandError(f"--from {name}: {error.strerror or error}") from None
    text = data.decode("utf-8", errors="replace")
    urls = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            urls.append(line)
    return urls


def _add_pages(
    urls: list[str],
    library: Path,
    index: LibraryIndex,
    fetcher: Fetcher,
    args: argparse.Namespace,
    context: Context,
) -> int:
    """Fetch ``urls`` concurrently and store them; print one line per URL; return failures."""
    from reader.adding import PagePlan, fetch_planned, plan_pages
    from reader.progress import ProgressLine
    from reader.refresh import Update, apply_update
    from reader.web.batch import host_of, run_batch
    from reader.web.fetch import FetchError, display_url

    plans = plan_pages(urls, index, refresh=args.refresh)

    def task(plan: PagePlan, cancelled: Callable[[], bool]) -> WebArticle | Update | None:
        return fetch_planned(plan, fetcher, force=args.force, cancelled=cancelled)

    store = annotation_store(context) if args.refresh else None
    bar = ProgressLine(sys.stderr, len(plans), "pages")
    failures = 0
    try:
        outcomes = run_batch(plans, task, host=lambda plan: host_of(plan.url), jobs=args.jobs,
                             on_done=lambda done, _total: bar.update(done))
        for outcome in outcomes:
            plan = outcome.item
            shown = display_url(plan.url)
            try:
                if outcome.error is not None:
                    raise outcome.error
                value = outcome.value
                if plan.duplicate is not None:
                    bar.print(_duplicate_line(plan.duplicate), sys.stdout)
                elif plan.refresh is not None:
                    assert isinstance(value, Update)
                    bar.print(refresh_line(apply_update(value, store)), sys.stdout)
                else:
                    assert value is not None and not isinstance(value, Update)
                    if args.title:
                        value.fields["title"] = clean_line(args.title)
                    result = store_web_article(value, library, index, given=shown)
                    if result.notice:
                        bar.print(f"postil: note: {shown}: {result.notice}", sys.stderr)
                    bar.print(_result_line(result), sys.stdout)
            except FetchError as error:
                bar.print(f"postil: cannot add {error.url}: {error.reason}", sys.stderr)
                failures += 1
            except ArticleError as error:
                bar.print(f"postil: cannot add {shown}: {clean_line(str(error))}", sys.stderr)
                failures += 1
    finally:
        bar.close()
    return failures


def annotation_store(context: Context) -> AnnotationStore | None:
    """The database for re-anchoring refreshed pages (None, with a warning, if unavailable)."""
    if not context.db_path.exists():
        return None
    try:
        return context.open_store()
    except CommandError as error:
        print(f"postil: warning: {error} (highlights re-anchor when the article is opened)",
              file=sys.stderr)
        return None


def _result_line(result: AddResult) -> str:
    if result.duplicate:
        return _duplicate_line(result)
    title = clean_line(result.title)
    moved = " (source removed)" if result.moved else ""
    return f"added “{title}” → {clean_line(str(result.path))}{moved}"


def _duplicate_line(result: AddResult) -> str:
    title = clean_line(result.title)
    where = clean_line(str(result.path))
    if result.url and not result.same_text:
        return (f"already in the library: “{title}” — {where} "
                "(same address; --refresh updates it)")
    if result.url:
        return f"already in the library: “{title}” — {where} (same text under another address)"
    return f"already in the library: “{title}” — {where} (not copied)"


def refresh_line(result: RefreshResult) -> str:
    where = clean_line(str(result.path))
    if not result.changed:
        return f"unchanged: {where}"
    line = (f"refreshed “{clean_line(result.title)}” → {where}: {result.exact} exact, "
            f"{result.moved} moved, {result.orphaned} orphaned")
    if result.problem:
        line += f" ({clean_line(result.problem)})"
    return line


def _report(result: AddResult, name: str) -> None:
    if result.notice:
        err(f"note: {name}: {result.notice}")
    print(_result_line(result))


def _expand(files: Iterable[str]) -> list[str | Path | _Url]:
    """Replace folders by the article files inside them; keep ``-``, files and URLs."""
    from reader.library import LibrarySource
    from reader.web.fetch import looks_like_url

    expanded: list[str | Path | _Url] = []
    for name in files:
        if name == STDIN:
            expanded.append(STDIN)
            continue
        if looks_like_url(name) and not Path(name).exists():
            expanded.append(_Url(name))
            continue
        path = Path(name).expanduser()
        if path.is_dir():
            found = LibrarySource([path]).article_paths()
            if not found:
                raise CommandError(f"no articles (.txt, .md, .html) in folder {path}")
            expanded.extend(found)
        else:
            expanded.append(path)
    return expanded
