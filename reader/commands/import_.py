"""``postil import``: read W3C Web Annotation JSON (as ``postil export --format json`` writes).

Annotations are merged by id: importing the same file twice changes nothing, and a local
annotation edited after the imported copy was made is kept. Bad records are reported one line
each and skipped; the rest are written in one atomic batch.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from annotations.export.w3c import FormatError, merge_plan, parse_text
from annotations.model import Annotation
from reader.cli import CommandError, Context
from reader.safe_read import MAX_IMPORT_BYTES, read_regular_file, read_stdin
from reader.terminal_output import err

HELP = "import annotations from W3C Web Annotation JSON (merged by id)"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``import`` options."""
    parser.add_argument("file", metavar="FILE.json", help="the JSON file ('-': stdin)")
    parser.add_argument(
        "--dry-run", action="store_true", help="check the file and report, write nothing"
    )


def _read(name: str) -> str:
    try:
        if name == "-":
            data = read_stdin(MAX_IMPORT_BYTES)
        else:
            path = Path(name).expanduser()
            if path.is_dir():
                raise CommandError(f"{name}: is a folder")
            data = read_regular_file(path, MAX_IMPORT_BYTES)
    except FileNotFoundError:
        raise CommandError(f"{name}: no such file") from None
    except PermissionError:
        raise CommandError(f"{name}: permission denied") from None
    except OSError as error:
        raise CommandError(f"{name}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{name}: not UTF-8 text") from None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def run(args: argparse.Namespace, context: Context) -> int:
    """Import the file's annotations into the database."""
    name = args.file
    try:
        parsed = parse_text(_read(name))
    except FormatError as error:
        raise CommandError(f"{name}: {error}") from None
    for problem in parsed.problems:
        err(f"{name}: {problem}")
    existing: dict[str, Annotation] = {}
    store = None
    if not (args.dry_run and not context.db_path.exists()):  # a dry run creates no database
        store = context.open_store()
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
    print(line)
    return 1 if parsed.problems else 0
