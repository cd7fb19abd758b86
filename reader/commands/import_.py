"""``postil import``: bring highlights home from a Kindle, KOReader, Readwise, Hypothesis, or
postil's own W3C Web Annotation JSON (as ``postil export --format json`` writes).

The format is detected unless ``--from`` names it. Imported highlights get ids derived from
the source record, so importing the same file twice adds nothing and a grown file adds only
what is new. Each is matched to its article in the library (see :mod:`reader.importing`);
the rest are kept as quote-only sources. Bad records are reported one line each and skipped;
everything else is written in one batch.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from annotations.export.w3c import FormatError, merge_plan
from annotations.export.w3c import parse_text as parse_w3c
from annotations.importers.sources import FORMATS, ImportInput, ImportReadError, read_input
from annotations.model import AnchorStatus, Annotation
from reader.cli import CommandError, Context
from reader.safe_read import MAX_IMPORT_BYTES, read_stdin
from reader.sanitize import clean_line
from reader.terminal_output import err

if TYPE_CHECKING:
    from annotations.storage import AnnotationStore

HELP = "import highlights from Kindle, KOReader, Readwise, Hypothesis or W3C JSON"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``import`` options."""
    parser.add_argument(
        "file", metavar="FILE|DIR",
        help="My Clippings.txt, a KOReader sidecar or folder, a Readwise CSV, a Hypothesis "
        "or W3C JSON file ('-': W3C JSON on stdin)",
    )
    parser.add_argument(
        "--from", dest="source_format", choices=FORMATS, metavar="FORMAT",
        help=f"the file's format ({', '.join(FORMATS)}; default: detected)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check the file and report, write nothing"
    )


def _read_stdin() -> str:
    try:
        data = read_stdin(MAX_IMPORT_BYTES)
    except OSError as error:
        raise CommandError(f"-: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError("-: not UTF-8 text") from None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _say(line: str) -> None:
    indent = line[: len(line) - len(line.lstrip(" "))]
    print(indent + clean_line(line))


def run(args: argparse.Namespace, context: Context) -> int:
    """Import the file's highlights into the database."""
    name = args.file
    if name == "-":
        if args.source_format not in (None, "w3c"):
            raise CommandError("stdin is read as W3C JSON only (give a file for other formats)")
        return _run_w3c(name, _read_stdin(), args, context)
    try:
        found = read_input(Path(name).expanduser(), args.source_format)
    except ImportReadError as error:
        raise CommandError(str(error)) from None
    if found.format == "w3c":
        return _run_w3c(name, found.text, args, context)
    return _run_highlights(name, found, args, context)


def _store_or_none(args: argparse.Namespace, context: Context) -> AnnotationStore | None:
    if args.dry_run and not context.db_path.exists():
        return None  # a dry run creates no database
    return context.open_store()


def _run_w3c(name: str, text: str, args: argparse.Namespace, context: Context) -> int:
    try:
        parsed = parse_w3c(text)
    except FormatError as error:
        raise CommandError(f"{name}: {error}") from None
    for problem in parsed.problems:
        err(f"{name}: {problem}")
    existing: dict[str, Annotation] = {}
    store = _store_or_none(args, context)
    if store is not None:
        existing = store.get_many(annotation.id for annotation in parsed.annotations)
    new, updated, unchanged, kept = merge_plan(parsed.annotations, existing)
    if store is not None and not args.dry_run and (new or updated):
        # One batch; an update saves only the fields the import changes, so an edit made
        # meanwhile (a colour changed in the reader) is kept.
        store.put_many([*new, *updated], base=existing)
    verb = "would import" if args.dry_run else "imported"
    parts = [f"{len(new)} new", f"{len(updated)} updated", f"{unchanged} unchanged"]
    if kept:
        parts.append(f"{kept} kept (the local copy is newer)")
    line = f"{verb} {_plural(len(parsed.annotations), 'annotation')}: {', '.join(parts)}"
    if parsed.problems:
        line += f"; {_plural(len(parsed.problems), 'record')} rejected"
    _say(line)
    return 1 if parsed.problems else 0


def _run_highlights(
    name: str, found: ImportInput, args: argparse.Namespace, context: Context
) -> int:
    from annotations.anchoring import needs_review
    from reader.importing import import_changes, plan_import, replaced_count
    from reader.library_matching import source_matcher

    result = found.result
    for rejected in result.rejected:
        err(f"{name}: {rejected}")
    matcher = source_matcher(context.library_source())
    report = matcher.match(result.highlights)
    store = _store_or_none(args, context)
    existing = store.all_annotations() if store is not None else []
    plan = plan_import(report.annotations, existing)
    if store is not None and not args.dry_run and (plan.writes or plan.replaced):
        store.apply_changes(import_changes(plan, existing))  # one batch
    fuzzy = sum(1 for a in report.annotations if a.status is AnchorStatus.FUZZY)
    review = sum(1 for a in report.annotations if needs_review(a) and not a.quote_only
                 and a.status is not AnchorStatus.ORPHANED)
    verb = "would import" if args.dry_run else "imported"
    total = _plural(len(result.highlights), "highlight")
    _say(f"{verb} {total} from {found.format} ({_plural(found.files, 'file')}):")
    _say(f"  new: {len(plan.new)}")
    _say(f"  updated: {len(plan.updated)}")
    _say(f"  duplicates (already imported): {plan.duplicates}")
    matched = f"  matched to the library: {report.matched}"
    if fuzzy:
        matched += f" ({fuzzy} placed approximately"
        matched += f", {review} need review: postil notes --status review)" if review else ")"
    _say(matched)
    if report.orphaned:
        _say(f"  in the library but the quote was not found (orphans): {report.orphaned}")
    _say(f"  quote-only (not in the library yet): {report.quote_only}")
    replaced = replaced_count(result, plan)
    if replaced:
        _say(f"  earlier versions replaced: {replaced}")
    if result.skipped:
        _say(f"  skipped (bookmarks): {result.skipped}")
    _say(f"  rejected: {len(result.rejected)}")
    return 1 if result.rejected else 0
