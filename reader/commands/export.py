"""``postil export``: highlights, notes and tags as Markdown (Obsidian/Logseq) or W3C JSON.

The command gathers the annotations (filtered by tag, colour, date and article path), groups
them by article, loads each article and re-anchors its annotations against the current text,
and hands plain data to :mod:`annotations.export`; the gathering is :mod:`reader.exporting`,
which the reader's export key uses too.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from annotations.export import (
    ARTICLE_FIELDS,
    DEFAULT_TEMPLATE,
    HIGHLIGHT_FIELDS,
    AnnotationFilter,
    ArticleExport,
    ExportError,
    Template,
    TemplateError,
    dumps,
    export_all_markdown,
    load_template,
    parse_since,
    parse_timestamp,
    render_markdown,
)
from annotations.export.files import write_export_file
from annotations.export.guard import WriteGuard
from annotations.model import Annotation, Color, now_iso
from reader import paths
from reader.article_access import ArticleScope
from reader.cli import CommandError, Context
from reader.commands.common import relocated_articles
from reader.exporting import collect_exports
from reader.loading import load_article
from reader.terminal_output import data_stream, err, escape_json_controls

HELP = "export highlights, notes and tags as Markdown (Obsidian/Logseq) or W3C JSON"

_EPILOG = f"""\
Markdown goes to stdout unless -o FILE or --dir DIR is given. With --dir, each article gets its
own file (a readable slug of its title; found again by article id/path on the next export). A
file holds postil's part between two marker lines:

  <!-- postil:begin ... -->
  ...highlights...
  <!-- postil:end -->

Re-exporting replaces only what is between the markers (and the postil-id/postil-path keys of
the front matter); anything you write above or below them is kept. -o FILE works the same way
(a Markdown file without markers gets the region added at its end).

postil never writes onto its database, its settings or into a library folder, never creates
missing folders for -o, and replaces an existing file it did not write (JSON: a postil
AnnotationCollection; Markdown: a file with postil's markers) only with --force.

Filters combine (AND); repeated --tag or --color values match any of them (OR).
--since accepts YYYY-MM-DD, an ISO date-time, today, yesterday, or an age: 36h, 7d, 2w.

--template FILE uses your own layout (Mustache-style: {{{{field}}}}, {{{{#list}}}}...{{{{/list}}}},
{{{{^field}}}}...{{{{/field}}}} when empty); --print-template prints the built-in one to start from.
Partials: {{{{*name}}}}...{{{{/name}}}} defines a block (at the top level), {{{{>name}}}} uses it.
{textwrap.fill("Article fields: " + ", ".join(ARTICLE_FIELDS) + ".", 94)}
{textwrap.fill(
    "Highlight fields (inside {{#highlights}} or {{#orphans}}): "
    + ", ".join(HIGHLIGHT_FIELDS) + ".", 94)}
"""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``export`` options."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _EPILOG
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="only these articles (files or folders)"
    )
    parser.add_argument(
        "--format",
        choices=("markdown", "json", "anki", "anki-csv"),
        help="default: json for -o FILE.json / .jsonld, anki for -o FILE.apkg, else markdown; "
        "anki-csv is Anki's text import",
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-o", "--output", metavar="FILE", help="write to FILE ('-': stdout)")
    target.add_argument("--dir", metavar="DIR", help="Markdown: one file per article in DIR")
    parser.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="only highlights with TAG"
    )
    parser.add_argument(
        "--color",
        action="append",
        default=[],
        choices=[color.value for color in Color],
        help="only highlights of this colour",
    )
    parser.add_argument("--since", metavar="DATE", help="only highlights created/changed since")
    parser.add_argument("--template", metavar="FILE", help="Markdown layout template")
    parser.add_argument(
        "--print-template", action="store_true", help="print the built-in template and exit"
    )
    parser.add_argument(
        "--timestamp",
        metavar="ISO",
        help="export time to write (default: now), for reproducible output",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing -o FILE that postil did not write (never the database, "
        "settings or a library article)",
    )


def _filter(args: argparse.Namespace) -> AnnotationFilter:
    since = None
    if args.since:
        try:
            since = parse_since(args.since)
        except ValueError as error:
            raise CommandError(f"--since: {error}") from None
    paths = [Path(p).expanduser() for p in args.paths]
    article_ids: list[str] = []
    for path in paths:
        if path.is_file():
            try:
                article_ids.append(load_article(path).meta.id)
            except Exception:  # an unreadable file still matches by its path
                continue
    return AnnotationFilter.build(
        tags=args.tag, colors=args.color, since=since, paths=paths, article_ids=article_ids
    )


def _template(args: argparse.Namespace) -> Template | None:
    if not args.template:
        return None
    if args.format != "markdown":
        raise CommandError("--template applies to Markdown export only")
    try:
        return load_template(Path(args.template).expanduser())
    except TemplateError as error:
        raise CommandError(str(error)) from None


def _stored_annotations(context: Context, wanted: AnnotationFilter,
                        scope: ArticleScope) -> list[Annotation]:
    if not context.db_path.exists():
        return []
    store = context.open_store()
    # Articles moved or renamed since: found again by content id, exported from where they are.
    # Stored paths are data: only those inside the library are looked at (see ArticleScope).
    # Quote-only highlights have no path (their book is not in the library).
    index = store.article_paths()
    missing = {
        path: article for path, article in index.items() if path and not scope.exists(path)
    }
    moved = relocated_articles(context, missing)
    if wanted.selects_articles:  # only the asked-for articles' records are read
        annotations = store.annotations_where(
            lambda path: wanted.matches_path(moved.get(path, path)), wanted.article_ids)
    else:
        annotations = store.all_annotations()
    return [replace(a, path=moved[a.path]) if a.path in moved else a for a in annotations]


def _write_output(path_text: str, writer: str) -> None:
    err(f"wrote {path_text} ({writer})")


def run(args: argparse.Namespace, context: Context) -> int:
    """Export the matching annotations."""
    if args.print_template:
        data_stream().write(DEFAULT_TEMPLATE)
        return 0
    if args.format is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        args.format = {".json": "json", ".jsonld": "json", ".apkg": "anki"}.get(suffix,
                                                                              "markdown")
    if args.dir and args.format in ("anki", "anki-csv"):
        raise CommandError("--dir writes Markdown files; use -o FILE for Anki")
    if args.format == "anki" and (not args.output or args.output == "-"):
        raise CommandError("--format anki writes a package file: give -o FILE.apkg")
    if args.dir and args.format != "markdown":
        raise CommandError("--dir writes Markdown files; use -o FILE for JSON")
    template = _template(args)
    annotation_filter = _filter(args)
    exported_at = now_iso()
    if args.timestamp is not None:
        try:
            exported_at = parse_timestamp(args.timestamp)
        except ValueError as error:
            raise CommandError(f"--timestamp: {error}") from None
    scope = ArticleScope.of(context.library_source(args.paths))
    selected = annotation_filter.apply(_stored_annotations(context, annotation_filter, scope))
    if not selected:
        print("postil: no highlights match", file=sys.stderr)
    cfis: dict[str, str] = {}
    exports = collect_exports(selected, scope, cfis)
    count = sum(len(e.annotations) for e in exports)
    summary = f"{count} highlight{'s' * (count != 1)} from {len(exports)} article" + (
        "s" * (len(exports) != 1)
    )
    guard = _guard(context, [Path(p) for p in args.paths]
                   + [Path(e.article.path) for e in exports])
    if args.format in ("anki", "anki-csv"):
        return _export_anki(args, exports, summary, exported_at, guard)
    if args.format == "json":
        text = dumps(
            [a for e in exports for a in e.annotations], exported_at=exported_at, cfis=cfis
        )
        return _emit(args.output, text, summary, fmt="json", guard=guard, force=args.force)
    if args.dir:
        return _export_dir(Path(args.dir).expanduser(), exports, exported_at, template, guard)
    if not exports and (not args.output or args.output == "-"):
        return 0
    text = render_markdown(exports, exported_at=exported_at, template=template)
    return _emit(args.output, text, summary, fmt="markdown", guard=guard, force=args.force)


def _export_anki(args: argparse.Namespace, exports: Sequence[ArticleExport], summary: str,
                 exported_at: str, guard: WriteGuard) -> int:
    """``--format anki`` (an .apkg package) or ``anki-csv`` (Anki's text import)."""
    from datetime import datetime

    from annotations.export.anki import anki_csv, anki_notes, apkg_bytes, write_anki_file

    notes = anki_notes(exports)
    if args.format == "anki-csv":
        text = anki_csv(notes)
        if not args.output or args.output == "-":
            data_stream().write(text)  # cleaned on a terminal, lossless into a pipe
            return 0
        data = text.encode("utf-8")
    else:
        stamp = datetime.fromisoformat(exported_at.replace("Z", "+00:00")).timestamp()
        data = apkg_bytes(notes, timestamp=stamp)
    path = Path(args.output).expanduser()
    try:
        write_anki_file(path, data, fmt=args.format, guard=guard, force=args.force)
    except ExportError as error:
        raise CommandError(str(error)) from None
    _write_output(str(path), summary)
    return 0


def _guard(context: Context, articles: list[Path]) -> WriteGuard:
    """Where this export must never write (see :mod:`annotations.export.guard`): the
    database, the settings, the library folders, and every article (or folder of articles)
    being exported."""
    roots = [*context.library, *context.library_source().roots]
    roots.extend(path for path in articles if path.is_dir())  # folders given as filters
    return paths.export_guard(context.db_path, context.config_path, roots, articles)


def _emit(
    output: str | None, text: str, summary: str, *, fmt: str, guard: WriteGuard, force: bool
) -> int:
    if not output or output == "-":
        # Into a pipe or file the export is lossless; a terminal never receives escape
        # sequences from imported notes or tags (JSON: escaped inside its strings).
        if fmt == "json":
            text = escape_json_controls(text)
        data_stream().write(text)
        return 0
    path = Path(output).expanduser()
    try:
        write_export_file(path, text, fmt=fmt, guard=guard, force=force)
    except ExportError as error:
        raise CommandError(str(error)) from None
    _write_output(str(path), summary)
    return 0


def _export_dir(
    directory: Path,
    exports: Sequence[ArticleExport],
    exported_at: str,
    template: Template | None,
    guard: WriteGuard,
) -> int:
    try:
        result = export_all_markdown(
            exports, directory, exported_at=exported_at, template=template, guard=guard,
            create_parents=False,
        )
    except ExportError as error:
        raise CommandError(str(error)) from None
    for path in result.written:
        print(path)
    for message in result.errors:
        err(message)
    files = len(result.written)
    print(
        f"postil: exported {files} file{'s' * (files != 1)} to {directory}", file=sys.stderr
    )
    return 1 if result.errors else 0
